"""Stripe: signed webhooks applied once and in any order; Checkout and refunds through the
provider with idempotency keys (only the HTTP layer is replaced, Stripe is unreachable here)."""

from datetime import date

import pytest
from sqlalchemy import select

from tenants import db, tenant_context
from tenants.models import Tenant
from tests.support.billing import (
    WEBHOOK_SECRET,
    RecordingHTTPClient,
    new_company,
    new_invoice,
    sign,
    stripe_event,
    stripe_id,
)
from yk_saas.billing.models import Invoice, Payment, PlatformSubscription
from yk_saas.billing.providers import OfflineProvider, StripeProvider, provider_for_firm


@pytest.fixture
def webhook_secret(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)


@pytest.fixture
def stripe_keys(app, monkeypatch, webhook_secret):
    """Platform keys set, alpha connected to ``acct_alpha``, Stripe's HTTP layer recorded."""
    from yk_saas.billing.services import connect_stripe_account

    http = RecordingHTTPClient()
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_platform")
    monkeypatch.setitem(app.config, "STRIPE_PRICE_MONTHLY", "price_monthly")
    monkeypatch.setitem(app.extensions, "yk_stripe_http_client", http)
    with app.app_context(), tenant_context("alpha"):
        connect_stripe_account("acct_alpha")
        db.session.commit()
    yield http
    with app.app_context(), tenant_context("alpha"):
        connect_stripe_account(None)
        db.session.commit()


def post_event(host_client, payload: bytes, signature: str | None = None):
    client = host_client("yk.test")
    headers = {"Stripe-Signature": signature or sign(payload), "Content-Type": "application/json"}
    return client.post("/stripe/webhook", data=payload, csrf=False, headers=headers)


def checkout_completed(session_id: str, invoice_id: int, amount: int, intent: str) -> dict:
    return {
        "id": session_id,
        "object": "checkout.session",
        "payment_status": "paid",
        "amount_total": amount,
        "currency": "cny",
        "payment_intent": intent,
        "metadata": {"yk_firm": "alpha", "kind": "invoice", "invoice_id": str(invoice_id)},
    }


def open_checkout(app, http, invoice_id: int) -> str:
    """Open (and record) a Checkout Session on alpha's connected account; returns its id."""
    with app.app_context(), tenant_context("alpha"):
        provider = StripeProvider("sk_test_platform", "acct_alpha", http_client=http)
        session_id = provider.create_checkout(
            db.session.get(Invoice, invoice_id), "alpha", "https://x/ok", "https://x/back"
        ).session_id
        db.session.commit()
    return session_id


def paid_event(
    app,
    http,
    invoice_id: int,
    amount: int,
    kind="checkout.session.completed",
    intent: str | None = None,
) -> bytes:
    """A correctly signed payment event of alpha's connected account for a recorded session."""
    obj = checkout_completed(
        open_checkout(app, http, invoice_id), invoice_id, amount, intent or stripe_id("pi")
    )
    return stripe_event(stripe_id("evt"), kind, obj, account="acct_alpha")


def alpha_invoice(app, amount=30000):
    with app.app_context(), tenant_context("alpha"):
        return new_invoice(new_company(), amount)


def invoice_state(app, invoice_id):
    with app.app_context(), tenant_context("alpha"):
        invoice = db.session.get(Invoice, invoice_id)
        count = len(
            db.session.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).all()
        )
        return invoice.paid_cents, invoice.status, count


def test_a_bad_signature_is_refused_and_changes_nothing(app, firm_a, host_client, stripe_keys):
    invoice_id = alpha_invoice(app)
    payload = paid_event(app, stripe_keys, invoice_id, 30000)
    response = post_event(host_client, payload, sign(payload, "whsec_someone_else"))
    assert response.status_code == 400
    assert post_event(host_client, payload, "t=1,v1=deadbeef").status_code == 400
    assert invoice_state(app, invoice_id) == (0, "open", 0)


def test_a_valid_event_sent_twice_is_applied_once(app, firm_a, host_client, stripe_keys):
    invoice_id = alpha_invoice(app)
    payload = paid_event(app, stripe_keys, invoice_id, 30000)
    first = post_event(host_client, payload)
    second = post_event(host_client, payload)
    assert first.status_code == 200 and first.json["outcome"] == "paid"
    assert second.json["outcome"] == "duplicate"
    assert invoice_state(app, invoice_id) == (30000, "paid", 1)


def test_a_second_event_for_the_same_payment_changes_nothing(app, firm_a, host_client, stripe_keys):
    invoice_id = alpha_invoice(app, 10000)
    obj = checkout_completed(
        open_checkout(app, stripe_keys, invoice_id), invoice_id, 10000, stripe_id("pi")
    )
    for kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        post_event(host_client, stripe_event(stripe_id("evt"), kind, obj, account="acct_alpha"))
    assert invoice_state(app, invoice_id) == (10000, "paid", 1)


def alpha_platform_customer(app, signed_in, firm) -> str:
    """Alpha's owner starts the subscription Checkout: its customer is created and recorded."""
    response = signed_in(firm, "owner").post("/desk/admin/billing/subscription/checkout")
    assert response.status_code == 303
    with app.app_context(), tenant_context("alpha"):
        return db.session.scalar(select(PlatformSubscription.stripe_customer_id))


def test_subscription_events_out_of_order_keep_the_newest_status(
    app, firm_a, host_client, signed_in, stripe_keys
):
    customer = alpha_platform_customer(app, signed_in, firm_a)
    sub = {
        "id": stripe_id("sub"),
        "object": "subscription",
        "customer": customer,
        "metadata": {"yk_firm": "alpha", "kind": "platform"},
    }
    failed_invoice = {
        "id": stripe_id("in"),
        "object": "invoice",
        "customer": customer,
        "parent": {
            "subscription_details": {"metadata": sub["metadata"], "subscription": sub["id"]}
        },
    }
    newer = stripe_event(
        stripe_id("evt"),
        "customer.subscription.updated",
        {**sub, "status": "active"},
        created=2_000_000_000,
    )
    older = stripe_event(
        stripe_id("evt"), "invoice.payment_failed", failed_invoice, created=1_900_000_000
    )
    try:
        assert post_event(host_client, newer).json["outcome"] == "subscription"
        assert post_event(host_client, older).status_code == 200
        with app.app_context():
            assert (
                db.session.scalar(select(Tenant.status).where(Tenant.slug == "alpha")) == "active"
            )
        past_due = stripe_event(
            stripe_id("evt"), "invoice.payment_failed", failed_invoice, created=2_000_000_100
        )
        post_event(host_client, past_due)
        with app.app_context():
            assert (
                db.session.scalar(select(Tenant.status).where(Tenant.slug == "alpha"))
                == "read_only"
            )
        # The site is read-only for staff, with a banner; clients still see their invoices.
        from tests.support.http import HostClient

        admin = HostClient(app, firm_a["host"])
        admin.login(firm_a["admin"])
        page = admin.get("/desk/billing/").get_data(as_text=True)
        assert "read-only-banner" in page
        assert admin.post("/desk/billing/run").status_code == 403
    finally:
        with app.app_context(), tenant_context("alpha"):
            from yk_saas.billing.subscription import set_plan_by_hand

            db.session.execute(db.update(PlatformSubscription).values(last_event_created=0))
            set_plan_by_hand("monthly", "active")
    with app.app_context():
        assert db.session.scalar(select(Tenant.status).where(Tenant.slug == "alpha")) == "active"


def test_checkout_runs_on_the_connected_account_with_an_idempotency_key(app, firm_a):
    http = RecordingHTTPClient()
    with app.app_context(), tenant_context("alpha"):
        invoice = db.session.get(Invoice, new_invoice(new_company(), 45600))
        provider = StripeProvider("sk_test_123", "acct_alpha", http_client=http)
        checkout = provider.create_checkout(invoice, "alpha", "https://x/ok", "https://x/back")
        provider.refund("pi_123", 1000, "refund-alpha-1")
    assert checkout.url.startswith("https://checkout.stripe.com/")
    (method, _url, headers, form), refund_call = http.calls
    assert method == "post" and headers["Stripe-Account"] == "acct_alpha"
    assert headers["Idempotency-Key"] == f"checkout-alpha-{invoice.id}-45600"
    assert form["line_items[0][price_data][unit_amount]"] == ["45600"]
    assert {
        v for k, vals in form.items() if k.startswith("payment_method_types") for v in vals
    } == {"card", "alipay", "wechat_pay"}
    assert refund_call[2]["Idempotency-Key"] == "refund-alpha-1"


def test_without_keys_the_offline_provider_is_used_and_the_settings_say_so(app, firm_a, signed_in):
    with app.app_context(), tenant_context("alpha"):
        assert isinstance(provider_for_firm(), OfflineProvider)
    page = signed_in(firm_a, "admin").get("/desk/admin/billing/settings").get_data(as_text=True)
    assert "未配置 Stripe 密钥" in page


def test_no_online_pay_button_without_keys(app, firm_a, signed_in):
    with app.app_context(), tenant_context("alpha"):
        invoice_id = new_invoice(1, 5000, issued=date(2026, 10, 1))
    client = signed_in(firm_a, "client_x")
    page = client.get(f"/portal/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert "pay-offline" in page
    assert client.post(f"/portal/billing/invoices/{invoice_id}/pay").status_code == 302


def test_an_ended_trial_makes_the_firm_past_due_only_with_stripe(app, monkeypatch):
    from datetime import timedelta

    from tenants.provision import provision_tenant
    from yk_saas.billing.subscription import current_subscription, expire_trial
    from yk_saas.models_base import utcnow
    from yk_saas.seeding import seed_new_firm

    with app.app_context():
        provision_tenant("trialend", "Trial End", host="trialend.yk.test", seed=seed_new_firm)
        later = utcnow() + timedelta(days=15)
        with tenant_context("trialend"):
            assert current_subscription().status == "trialing"
            assert expire_trial(later) is False  # no keys: the operator decides
            monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_x")
            monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
            assert expire_trial(utcnow()) is False
            assert expire_trial(later) is True
        assert (
            db.session.scalar(select(Tenant.status).where(Tenant.slug == "trialend")) == "read_only"
        )


def test_the_pay_button_opens_stripe_checkout(app, firm_a, signed_in, stripe_keys):
    with app.app_context(), tenant_context("alpha"):
        invoice_id = new_invoice(1, 25000)
    client = signed_in(firm_a, "client_x")
    page = client.get(f"/portal/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert "pay-offline" not in page and f"/portal/billing/invoices/{invoice_id}/pay" in page
    response = client.post(f"/portal/billing/invoices/{invoice_id}/pay")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("https://checkout.stripe.com/")
    ((_method, _url, headers, form),) = stripe_keys.calls
    assert headers["Stripe-Account"] == "acct_alpha" and headers["Idempotency-Key"]
    assert form["metadata[invoice_id]"] == [str(invoice_id)]


def test_a_refund_of_an_online_payment_goes_back_through_stripe(
    app, firm_a, host_client, stripe_keys
):
    from yk_saas.accounts.models import User
    from yk_saas.billing import refunds

    invoice_id = alpha_invoice(app, 20000)
    intent = stripe_id("pi")
    post_event(host_client, paid_event(app, stripe_keys, invoice_id, 20000, intent=intent))
    with app.app_context(), tenant_context("alpha"):
        invoice = db.session.get(Invoice, invoice_id)
        admin = db.session.get(User, 2)
        refund = refunds.request_refund(invoice, "Paid twice", admin)
        refunds.move(refund, "propose", admin, None, 5000)
        refunds.move(refund, "accept", admin)
        refunds.move(refund, "execute", admin)
        db.session.commit()
        assert refund.provider_reference == stripe_keys.created("/v1/refunds")[-1]
    _checkout, (_m, url, headers, form) = stripe_keys.calls
    assert url.endswith("/v1/refunds") and form["payment_intent"] == [intent]
    assert form["amount"] == ["5000"] and headers["Idempotency-Key"] == f"refund-alpha-{refund.id}"


def test_an_online_payment_after_the_invoice_was_settled_is_kept_for_staff(
    app, firm_a, host_client, stripe_keys
):
    from yk_saas.audit.models import AuditEntry
    from yk_saas.billing.services import apply_payment

    invoice_id = alpha_invoice(app, 7000)
    late = paid_event(app, stripe_keys, invoice_id, 7000)
    with app.app_context(), tenant_context("alpha"):
        # The client also paid by bank transfer, and staff recorded it first.
        apply_payment(
            invoice_id,
            7000,
            "CNY",
            "offline",
            "bank_transfer",
            "bank ref",
            date(2026, 11, 3),
            provider_key=stripe_id("bank"),
        )
        db.session.commit()
    response = post_event(host_client, late)
    assert response.json["outcome"] == "unapplied"
    assert invoice_state(app, invoice_id) == (7000, "paid", 1)
    with app.app_context(), tenant_context("alpha"):
        assert db.session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.action == "online_payment_unapplied", AuditEntry.target_id == invoice_id
            )
        )
