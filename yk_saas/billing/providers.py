"""Payment providers: offline (staff record what arrived) and Stripe (Checkout on the
firm's connected account). With no Stripe keys the offline provider serves everything.

Every outgoing Stripe call carries an idempotency key derived from what it is
for, so a retried request never charges or refunds twice. Every Checkout
Session is recorded with its invoice, amount and currency when it is created:
a notification about any other session changes nothing (``bindings.py``).

A provider on the firm's own merchant account (WeChat Pay, Alipay) reads its
identifiers and keys with ``merchant.merchant_credentials(name)``: None (no
``MERCHANT_SECRETS_KEY``, or the account incomplete) keeps that channel off.
"""

from dataclasses import dataclass

import stripe
from flask import current_app
from sqlalchemy.dialects.postgresql import insert

from tenants import db
from yk_saas.billing.bindings import bound_account
from yk_saas.billing.models import Invoice, ProviderCheckout
from yk_saas.models_base import utcnow

ONLINE_METHODS = ["card", "alipay", "wechat_pay"]


@dataclass(frozen=True)
class Checkout:
    url: str
    session_id: str


class OfflineProvider:
    """No online payment: clients pay by bank transfer or cash, staff record it."""

    name = "offline"
    online = False

    def create_checkout(
        self, invoice: Invoice, firm_slug: str, success_url: str, cancel_url: str
    ) -> Checkout | None:
        return None

    def refund(self, provider_key: str, amount_cents: int, idempotency_key: str) -> str:
        """Offline refunds are paid out by the firm; the reference marks them as such."""
        return f"offline-refund-{idempotency_key}"


class StripeProvider:
    """Stripe Checkout and refunds on the firm's connected account."""

    name = "stripe"
    online = True

    def __init__(self, secret_key: str, account_id: str, http_client=None):
        self.account_id = account_id
        self.client = stripe.StripeClient(
            secret_key, http_client=http_client, max_network_retries=2
        )

    def create_checkout(
        self, invoice: Invoice, firm_slug: str, success_url: str, cancel_url: str
    ) -> Checkout:
        """A Checkout Session for what is still owed on ``invoice``, recorded (caller commits)."""
        owed = invoice.balance_cents
        session = self.client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "payment_method_types": ONLINE_METHODS,
                "payment_method_options": {"wechat_pay": {"client": "web"}},
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": invoice.currency.lower(),
                            "unit_amount": owed,
                            "product_data": {"name": invoice.number},
                        },
                    }
                ],
                "client_reference_id": str(invoice.id),
                "metadata": {
                    "yk_firm": firm_slug,
                    "kind": "invoice",
                    "invoice_id": str(invoice.id),
                },
                "success_url": success_url,
                "cancel_url": cancel_url,
            },
            options={
                "stripe_account": self.account_id,
                "idempotency_key": f"checkout-{firm_slug}-{invoice.id}-{owed}",
            },
        )
        self.record_checkout(session.id, invoice, owed)
        return Checkout(url=session.url, session_id=session.id)

    def record_checkout(self, session_id: str, invoice: Invoice, amount_cents: int) -> None:
        """What a notification about ``session_id`` must match (a retried create is one row)."""
        db.session.execute(
            insert(ProviderCheckout.__table__)
            .values(
                provider=self.name,
                account_id=self.account_id,
                session_id=session_id,
                invoice_id=invoice.id,
                amount_cents=amount_cents,
                currency=invoice.currency,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["provider", "session_id"])
        )

    def refund(self, provider_key: str, amount_cents: int, idempotency_key: str) -> str:
        """Refund part of a PaymentIntent; returns Stripe's refund id."""
        refund = self.client.v1.refunds.create(
            params={"payment_intent": provider_key, "amount": amount_cents},
            options={"stripe_account": self.account_id, "idempotency_key": idempotency_key},
        )
        return refund.id


def stripe_configured() -> bool:
    """Platform keys present (secret key and webhook secret)."""
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))


def provider_for_firm():
    """The bound firm's provider: Stripe when keys and a connected account are bound."""
    account = bound_account("stripe")
    if stripe_configured() and account:
        return StripeProvider(
            current_app.config["STRIPE_SECRET_KEY"],
            account,
            current_app.extensions.get("yk_stripe_http_client"),
        )
    return OfflineProvider()
