"""Stripe webhooks: verified by signature, bound to their firm and object, applied once, order-safe.

One endpoint on the platform domain receives both layers of billing, told
apart by the event itself, never by metadata (the rule is in ``bindings.py``):

- an event **with** ``account`` comes from a firm's connected account. It is
  routed to the firm bound to that account and may only pay an invoice through
  a Checkout Session recorded when it was created (``ProviderCheckout``), from
  that account, for the recorded amount and currency. It never touches a
  firm's platform plan.
- an event **without** ``account`` is the platform billing a firm: the
  subscription's Checkout, subscription and invoice events. It is routed to the
  firm its recorded customer, subscription or session belongs to.

Metadata naming another firm, an unknown account or object, or a mismatch
refuses the event: it is logged and changes nothing. An accepted event's id is
recorded in the firm's schema in the same transaction that applies it, so a
replay changes nothing.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import stripe
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from tenants import db, tenant_context
from yk_saas.audit.services import record_audit
from yk_saas.billing.bindings import (
    CONNECTED,
    Binding,
    PlatformObject,
    Unbound,
    record_platform_object,
    route_notification,
)
from yk_saas.billing.models import ProviderCheckout, ProviderEvent
from yk_saas.billing.services import BillingError, apply_payment
from yk_saas.billing.subscription import apply_subscription_status, commit_subscription

log = logging.getLogger("yk_saas.billing.webhook")

CHECKOUT_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)
INVOICE_EVENTS = ("invoice.paid", "invoice.payment_failed")
#: What each layer may act on: a connected account can only pay its firm's invoices.
CONNECTED_EVENTS = CHECKOUT_EVENTS
PLATFORM_EVENTS = ("checkout.session.completed", *SUBSCRIPTION_EVENTS, *INVOICE_EVENTS)


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
    for candidate in (
        obj.get("metadata"),
        (obj.get("subscription_details") or {}).get("metadata"),
        ((obj.get("parent") or {}).get("subscription_details") or {}).get("metadata"),
    ):
        if candidate and candidate.get("yk_firm"):
            return candidate
    return {}


def subscription_of(obj: dict) -> str | None:
    """The subscription an invoice or Checkout Session belongs to, wherever Stripe puts it."""
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    return obj.get("subscription") or details.get("subscription")


def object_ids(kind: str, obj: dict) -> list[str]:
    """The ids of platform objects an event names (an invoice's own id is never ours)."""
    own = [] if kind in INVOICE_EVENTS else [obj.get("id")]
    return [i for i in (*own, subscription_of(obj), obj.get("customer")) if isinstance(i, str)]


def event_object(event: dict):
    """The event's ``data.object`` (None if a signed but malformed event lacks it)."""
    data = event.get("data")
    return data.get("object") if isinstance(data, dict) else None


def route_stripe_event(event: dict) -> Binding:
    """The firm a verified Stripe event belongs to; raises Unbound."""
    kind, account, obj = event.get("type"), event.get("account"), event_object(event)
    if not isinstance(obj, dict) or (account is not None and not isinstance(account, str)):
        raise Unbound("malformed event")
    if kind not in (CONNECTED_EVENTS if account else PLATFORM_EVENTS):
        raise Unbound(
            f"{kind} is not acted on from {'a connected account' if account else 'the platform'}"
        )
    return route_notification(
        "stripe", account, object_ids(kind, obj), firm_metadata(obj).get("yk_firm")
    )


def handle_event(event: dict) -> str:
    """Bind a verified event to its firm and object and apply it once; returns what happened."""
    try:
        binding = route_stripe_event(event)
        with tenant_context(binding.slug):
            action = bound_action(event, binding)
            if not record_event_once(event):
                return "duplicate"
            outcome = action()
            commit_subscription()
            return outcome
    except Unbound as exc:
        log.warning(
            "stripe event %s (%s, %s) changes nothing: %s",
            event.get("id"),
            event.get("type"),
            event.get("account") or "platform",
            exc,
        )
        return "ignored"


def record_event_once(event: dict) -> bool:
    """Record the event id in the bound firm; False (rolled back) if it was applied before."""
    inserted = db.session.execute(
        insert(ProviderEvent.__table__)
        .values(event_id=event["id"], event_type=event["type"], created_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(ProviderEvent.__table__.c.id)
    ).scalar()
    if inserted is None:
        db.session.rollback()
    return inserted is not None


def bound_action(event: dict, binding: Binding) -> Callable[[], str]:
    """What the event does in the bound firm, once its object is known; raises Unbound."""
    kind, obj, created = event["type"], event_object(event), int(event.get("created") or 0)
    if binding.layer == CONNECTED:
        checkout = recorded_checkout(obj, event["account"])
        return lambda: apply_checkout_payment(checkout, obj, created)
    if kind in CHECKOUT_EVENTS:
        return platform_checkout_action(obj, created)
    if kind in SUBSCRIPTION_EVENTS:
        status = "canceled" if kind.endswith("deleted") else obj.get("status", "active")
        return lambda: apply_platform_status(
            status, "monthly", created, obj.get("id"), obj.get("customer")
        )
    status, plan = ("active", "monthly") if kind == "invoice.paid" else ("past_due", None)
    return lambda: apply_platform_status(status, plan, created)


def recorded_checkout(obj: dict, account: str) -> dict:
    """The recorded Checkout Session this paid event is about, checked field by field."""
    row = db.session.scalar(
        select(ProviderCheckout).where(
            ProviderCheckout.provider == "stripe", ProviderCheckout.session_id == str(obj.get("id"))
        )
    )
    named_invoice = firm_metadata(obj).get("invoice_id")
    problems = {
        "unknown session": row is None,
        "other account": row is not None and row.account_id != account,
        "amount": row is not None and obj.get("amount_total") != row.amount_cents,
        "currency": row is not None and str(obj.get("currency")).upper() != row.currency,
        "invoice": row is not None and named_invoice not in (None, str(row.invoice_id)),
        "not paid": obj.get("payment_status") != "paid",
    }
    if any(problems.values()):
        raise Unbound("checkout session refused: " + ", ".join(k for k, v in problems.items() if v))
    return {
        "session_id": row.session_id,
        "invoice_id": row.invoice_id,
        "amount_cents": row.amount_cents,
        "currency": row.currency,
    }


def platform_checkout_action(obj: dict, created: int) -> Callable[[], str]:
    """The subscription's Checkout completed: only for a session the platform recorded."""
    recorded = db.session.scalar(
        select(PlatformObject.id).where(
            PlatformObject.provider == "stripe",
            PlatformObject.kind == "checkout_session",
            PlatformObject.object_id == str(obj.get("id")),
        )
    )
    if recorded is None or not obj.get("subscription"):
        raise Unbound("not a subscription Checkout Session the platform created")
    return lambda: apply_platform_status(
        "active", "monthly", created, obj["subscription"], obj.get("customer")
    )


def apply_platform_status(
    status: str,
    plan: str | None,
    created: int,
    subscription_id: str | None = None,
    customer_id: str | None = None,
) -> str:
    """Apply a platform subscription status, recording the subscription as this firm's."""
    if subscription_id:
        record_platform_object("stripe", "subscription", subscription_id)
    apply_subscription_status(status, plan, created, subscription_id, customer_id)
    return "subscription"


def apply_checkout_payment(checkout: dict, obj: dict, created: int) -> str:
    """Record a paid Checkout Session as a payment of its invoice (once per PaymentIntent)."""
    received = datetime.fromtimestamp(created or 0, UTC).date()
    key = obj.get("payment_intent") or checkout["session_id"]
    invoice_id, amount = checkout["invoice_id"], checkout["amount_cents"]
    try:
        payment = apply_payment(
            invoice_id,
            amount,
            checkout["currency"],
            "stripe",
            "online",
            checkout["session_id"],
            received,
            provider_key=key,
        )
    except BillingError as exc:
        # Paid online after the balance was settled some other way: staff refund it.
        log.warning("online payment %s not applied: %s", key, exc)
        record_audit(
            "online_payment_unapplied",
            "invoice",
            invoice_id,
            provider_key=key,
            amount_cents=amount,
            currency=checkout["currency"],
            reason=str(exc),
        )
        return "unapplied"
    return "paid" if payment else "duplicate"
