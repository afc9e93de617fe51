"""Factories of the money tests: companies, contracts, invoices, signed Stripe payloads."""

import hashlib
import hmac
import itertools
import json
import time
from datetime import date, timedelta

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


def new_invoice(company_id: int, amount: int = 50000, due: date | None = None,
                currency: str = "CNY", issued: date | None = None) -> int:
    issued = issued or date(2026, 11, 1)
    invoice = services.create_invoice(services.NewInvoice(
        company_id=company_id, amount_cents=amount, currency=currency,
        description="Bookkeeping", source="manual", source_key=unique("k"),
        issued_on=issued, due_on=due or issued + timedelta(days=15)))
    db.session.commit()
    return invoice.id


def in_firm(app, slug, fn, *args):
    """Run ``fn(*args)`` in its own app context with the firm bound (for threads)."""
    with app.app_context(), tenant_context(slug):
        return fn(*args)


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe computes it (v1 scheme)."""
    timestamp = timestamp or int(time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def stripe_event(event_id: str, kind: str, obj: dict, created: int | None = None) -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": kind,
                       "created": created or int(time.time()), "api_version": "2024-06-20",
                       "data": {"object": obj}}).encode()
