"""Stripe webhooks: verified by signature, each event applied once, order-safe.

One endpoint on the platform domain receives both layers: Checkout payments
of a firm's clients (on the firm's connected account) and the firm's own
platform subscription. Each object we create carries ``metadata.yk_firm``, so
the event is routed to that firm's schema, where its id is recorded in the
same transaction that applies it: a replay finds the id and changes nothing.
"""

import logging
from datetime import UTC, datetime

import stripe
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from tenants import db, tenant_context
from tenants.models import Tenant
from yk_saas.audit.services import record_audit
from yk_saas.billing.models import ProviderEvent
from yk_saas.billing.services import BillingError, apply_payment
from yk_saas.billing.subscription import apply_subscription_status, commit_subscription

log = logging.getLogger("yk_saas.billing.webhook")

SUBSCRIPTION_EVENTS = ("customer.subscription.created", "customer.subscription.updated",
                       "customer.subscription.deleted")


class WebhookRejected(ValueError):
    """The payload is not a genuine Stripe event."""


def verify_event(payload: bytes, signature: str | None, secret: str) -> dict:
    """The event if its signature checks out with ``secret``; raises WebhookRejected."""
    if not secret:
        raise WebhookRejected("no webhook secret configured")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise WebhookRejected(str(exc)) from exc
    return event.to_dict()


def firm_metadata(obj: dict) -> dict:
    """The ``yk_*`` metadata of an event object, wherever Stripe nests it."""
    for candidate in (obj.get("metadata"), (obj.get("subscription_details") or {}).get("metadata"),
                      ((obj.get("parent") or {}).get("subscription_details") or {}).get("metadata")):
        if candidate and candidate.get("yk_firm"):
            return candidate
    return {}


def handle_event(event: dict) -> str:
    """Route a verified event to its firm and apply it once; returns what happened."""
    obj = event["data"]["object"]
    meta = firm_metadata(obj)
    slug = meta.get("yk_firm")
    if not slug or not db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        return "ignored"
    with tenant_context(slug):
        inserted = db.session.execute(
            insert(ProviderEvent.__table__)
            .values(event_id=event["id"], event_type=event["type"],
                    created_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(ProviderEvent.__table__.c.id)).scalar()
        if inserted is None:
            db.session.rollback()
            return "duplicate"
        outcome = apply_event(event, obj, meta)
        commit_subscription()
        return outcome


def apply_event(event: dict, obj: dict, meta: dict) -> str:
    kind, created = event["type"], int(event.get("created") or 0)
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if meta.get("kind") == "invoice" and obj.get("payment_status") == "paid":
            return apply_checkout_payment(obj, meta, created)
        if meta.get("kind") == "platform" and obj.get("subscription"):
            apply_subscription_status("active", "monthly", created, obj.get("subscription"),
                                      obj.get("customer"))
            return "subscription"
        return "ignored"
    if kind in SUBSCRIPTION_EVENTS:
        status = "canceled" if kind.endswith("deleted") else obj.get("status", "active")
        apply_subscription_status(status, "monthly", created, obj.get("id"), obj.get("customer"))
        return "subscription"
    if kind == "invoice.payment_failed":
        apply_subscription_status("past_due", None, created)
        return "subscription"
    if kind == "invoice.paid":
        apply_subscription_status("active", "monthly", created)
        return "subscription"
    return "ignored"


def apply_checkout_payment(obj: dict, meta: dict, created: int) -> str:
    """Record a paid Checkout Session as a payment of its invoice (once per PaymentIntent)."""
    received = datetime.fromtimestamp(created or 0, UTC).date()
    key = obj.get("payment_intent") or obj["id"]
    try:
        payment = apply_payment(int(meta["invoice_id"]), int(obj["amount_total"]),
                                str(obj["currency"]).upper(), "stripe", "online", obj["id"],
                                received, provider_key=key)
    except BillingError as exc:
        # Paid online after the balance was settled some other way: staff refund it.
        log.warning("online payment %s not applied: %s", key, exc)
        record_audit("online_payment_unapplied", "invoice", int(meta["invoice_id"]),
                     provider_key=key, amount_cents=int(obj["amount_total"]),
                     currency=str(obj["currency"]).upper(), reason=str(exc))
        return "unapplied"
    return "paid" if payment else "duplicate"
