"""Stripe Checkout for the firm's own monthly subscription to the platform."""

import stripe
from flask import current_app, url_for

from tenants import current_tenant
from yk_saas.urls import firm_base_url


def start_subscription_checkout() -> str:
    """A subscription Checkout Session's URL; its metadata routes webhooks to this firm."""
    firm = current_tenant()
    client = stripe.StripeClient(current_app.config["STRIPE_SECRET_KEY"],
                                 http_client=current_app.extensions.get("yk_stripe_http_client"))
    back = firm_base_url() + url_for("billing_admin.subscription")
    metadata = {"yk_firm": firm.slug, "kind": "platform"}
    session = client.v1.checkout.sessions.create(
        params={"mode": "subscription",
                "line_items": [{"price": current_app.config["STRIPE_PRICE_MONTHLY"],
                                "quantity": 1}],
                "client_reference_id": firm.slug, "metadata": metadata,
                "subscription_data": {"metadata": metadata},
                "success_url": back, "cancel_url": back},
        options={"idempotency_key": f"platform-subscription-{firm.slug}-{firm.plan}"},
    )
    return session.url
