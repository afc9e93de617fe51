"""Factories of the money tests: companies, contracts, invoices, signed Stripe payloads, and
Stripe's HTTP layer replaced by a recorder (Stripe itself is unreachable here)."""

import hashlib
import hmac
import itertools
import json
import time
from datetime import date, timedelta
from typing import ClassVar
from urllib.parse import parse_qs

import stripe

from tenants import db, tenant_context
from yk_saas.billing import services
from yk_saas.clients.models import ClientCompany

_counter = itertools.count(1)
WEBHOOK_SECRET = "whsec_test_secret_for_signing"


def unique(prefix: str) -> str:
    return f"{prefix} {time.time_ns()}-{next(_counter)}"


def new_company(accountant_id: int | None = None) -> int:
    company = ClientCompany(name=unique("Money Co"), dedicated_accountant_id=accountant_id)
    db.session.add(company)
    db.session.commit()
    return company.id


def new_invoice(
    company_id: int,
    amount: int = 50000,
    due: date | None = None,
    currency: str = "CNY",
    issued: date | None = None,
) -> int:
    issued = issued or date(2026, 11, 1)
    invoice = services.create_invoice(
        services.NewInvoice(
            company_id=company_id,
            amount_cents=amount,
            currency=currency,
            description="Bookkeeping",
            source="manual",
            source_key=unique("k"),
            issued_on=issued,
            due_on=due or issued + timedelta(days=15),
        )
    )
    db.session.commit()
    return invoice.id


def new_paid_invoice(
    company_id: int, amount: int, recorded_by_id: int, method: str = "bank_transfer"
) -> int:
    """The id of a new invoice of ``amount`` cents, paid in full offline as recorded by that
    staff member."""
    from yk_saas.accounts.models import User

    invoice_id = new_invoice(company_id, amount)
    services.record_offline_payment(
        invoice_id, amount, method, "", date(2026, 11, 2), db.session.get(User, recorded_by_id)
    )
    db.session.commit()
    return invoice_id


def in_firm(app, slug, fn, *args):
    """Run ``fn(*args)`` in its own app context with the firm bound (for threads)."""
    with app.app_context(), tenant_context(slug):
        return fn(*args)


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe computes it (v1 scheme)."""
    timestamp = timestamp or int(time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def stripe_id(prefix: str) -> str:
    """A Stripe-looking id never used before (``cs_…``, ``sub_…``, ``evt_…``)."""
    return unique(prefix).replace(" ", "_")


def stripe_event(
    event_id: str, kind: str, obj: dict, created: int | None = None, account: str | None = None
) -> bytes:
    """An event as Stripe sends it; ``account`` set for events of a connected account."""
    event = {
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": created or int(time.time()),
        "api_version": "2024-06-20",
        "data": {"object": obj},
    }
    if account:
        event["account"] = account
    return json.dumps(event).encode()


class RecordingHTTPClient(stripe.HTTPClient):
    """Stripe's HTTP layer replaced by a recorder answering like the API would.

    Objects get fresh ids; a retried request (same idempotency key) gets the same object back.
    """

    name = "recording"
    KINDS: ClassVar[dict] = {
        "/v1/checkout/sessions": ("cs", "checkout.session"),
        "/v1/customers": ("cus", "customer"),
        "/v1/refunds": ("re", "refund"),
    }

    def __init__(self):
        super().__init__()
        self.calls = []
        self.answers = {}

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.calls.append((method, url, dict(headers), parse_qs(post_data or "")))
        prefix, kind = next(v for path, v in self.KINDS.items() if url.endswith(path))
        key = (url, headers.get("Idempotency-Key") or unique("no-key"))
        if key not in self.answers:
            object_id = stripe_id(prefix)
            self.answers[key] = {
                "id": object_id,
                "object": kind,
                "status": "succeeded",
                "url": f"https://checkout.stripe.com/c/pay/{object_id}",
            }
        return json.dumps(self.answers[key]), 200, {}

    def close(self):
        pass

    def created(self, path: str) -> list[str]:
        """Ids of the objects created at ``path`` (``/v1/checkout/sessions`` …), in order."""
        return [a["id"] for (url, _key), a in self.answers.items() if url.endswith(path)]


def open_invoices_for_dunning(app, slug, companies, per_company):
    """Open invoices due over the last 120 days and the next 10, one client user per company.

    Quiet hours are switched off so the pass sends whatever the hour of the run.
    """
    from sqlalchemy import insert

    from tenants import current_tenant
    from tests.support.work import firm
    from yk_saas.accounts.models import User
    from yk_saas.billing.dunning import FIXED_STEPS
    from yk_saas.billing.models import Invoice
    from yk_saas.billing.services import billing_settings

    with firm(app, slug):
        settings = billing_settings()
        settings.quiet_start_hour = settings.quiet_end_hour = 0
        ids = db.session.scalars(
            insert(ClientCompany).returning(ClientCompany.id),
            [{"name": f"Dunning Co {n}"} for n in range(companies)],
        ).all()
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"c{cid}@{slug}.example.com",
                    "name": f"Client {cid}",
                    "role": "client",
                    "password_hash": "x",
                    "client_company_id": cid,
                    "is_active": True,
                }
                for cid in ids
            ],
        )
        today = current_tenant().today()
        rows = [
            {
                "number": f"INV-D-{n:06d}",
                "company_id": ids[n % companies],
                "source": "manual",
                "source_key": f"dun-{n}",
                "description": "Bookkeeping",
                "amount_cents": 30000,
                "paid_cents": 0,
                "credited_cents": 0,
                "refunded_cents": 0,
                "currency": "CNY",
                "issued_on": today - timedelta(days=140),
                "due_on": today + timedelta(days=10 - n % 130),
                "status": "open",
            }
            for n in range(companies * per_company)
        ]
        db.session.execute(insert(Invoice), rows)
        db.session.commit()
        return sum(1 for r in rows if r["due_on"] <= today - timedelta(days=FIXED_STEPS[0]))
