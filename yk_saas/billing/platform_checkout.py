"""Stripe Checkout for the firm's own monthly subscription to the platform.

The platform creates the firm's Stripe customer itself and records it, and the
Checkout Session, as bound to the firm (``bindings.PlatformObject``): every
subscription event then names an object we know, whatever order events come in.
"""

import stripe
from flask import current_app, url_for

from tenants import current_tenant
from yk_saas.billing.bindings import record_platform_object
from yk_saas.billing.subscription import current_subscription
from yk_saas.urls import firm_base_url


def stripe_client() -> stripe.StripeClient:
    return stripe.StripeClient(
        current_app.config["STRIPE_SECRET_KEY"],
        http_client=current_app.extensions.get("yk_stripe_http_client"),
    )


def platform_customer(client: stripe.StripeClient) -> str:
    """The firm's customer on the platform account, created and recorded on first use."""
    firm, row = current_tenant(), current_subscription()
    if not row.stripe_customer_id:
        customer = client.v1.customers.create(
            params={"name": firm.name, "metadata": {"yk_firm": firm.slug}},
            options={"idempotency_key": f"platform-customer-{firm.slug}"},
        )
        row.stripe_customer_id = customer.id
    record_platform_object("stripe", "customer", row.stripe_customer_id)
    return row.stripe_customer_id


def start_subscription_checkout() -> str:
    """A subscription Checkout Session's URL, recorded for this firm (the caller commits)."""
    firm = current_tenant()
    client = stripe_client()
    back = firm_base_url() + url_for("billing_admin.subscription")
    metadata = {"yk_firm": firm.slug, "kind": "platform"}
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": platform_customer(client),
            "line_items": [{"price": current_app.config["STRIPE_PRICE_MONTHLY"], "quantity": 1}],
            "client_reference_id": firm.slug,
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            "success_url": back,
            "cancel_url": back,
        },
        options={"idempotency_key": f"platform-subscription-{firm.slug}-{firm.plan}"},
    )
    record_platform_object("stripe", "checkout_session", session.id)
    return session.url
