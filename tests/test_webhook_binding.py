"""Provider notifications are bound to the account that sent them and to objects we recorded.

Firms alpha and bravo are each bound to a Stripe connected account, and each
has a platform customer, subscription Checkout Session and subscription made
through the real flows (only Stripe's HTTP layer is replaced). Every event is
correctly signed: what is checked is the binding, not the signature.

- The attacks an outside tester reproduced: bravo's account paying alpha's
  invoice, suspending alpha, or setting its own platform plan; events naming
  unknown sessions or subscriptions, or a recorded session with another amount
  or currency.
- The class: every event type the handler acts on, sent as a platform event,
  from the right firm's account, from another firm's account (with and without
  metadata), from an unknown account, with metadata naming another firm, with
  an unknown object, and with no metadata at all. Only the legitimate
  combinations change anything (a checksum of every row of both firm schemas
  and of the ``public`` registry).
"""

import json

import pytest
from sqlalchemy import select, text, update

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
from tests.support.fingerprints import fingerprint
from tests.support.http import HostClient
from yk_saas.billing.bindings import PlatformObject
from yk_saas.billing.models import Invoice, PlatformSubscription
from yk_saas.billing.providers import StripeProvider

ACCOUNTS = {"alpha": "acct_alphaBind1", "bravo": "acct_bravoBind1"}
SCHEMAS = ("t_alpha", "t_bravo", "public")


@pytest.fixture(scope="module")
def stripe_on(app):
    """Platform keys set and Stripe's HTTP layer recorded, for this module."""
    http = RecordingHTTPClient()
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_platform")
        patch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
        patch.setitem(app.config, "STRIPE_PRICE_MONTHLY", "price_monthly")
        patch.setitem(app.extensions, "yk_stripe_http_client", http)
        yield http


@pytest.fixture(scope="module")
def firms(app, firm_a, firm_b, stripe_on):
    """Each firm connected, with a platform customer, session and subscription of its own."""
    from yk_saas.billing.services import connect_stripe_account
    from yk_saas.billing.subscription import set_plan_by_hand

    ids = {}
    for firm in (firm_a, firm_b):
        slug = firm["slug"]
        owner = HostClient(app, firm["host"])
        owner.login(firm["owner"])
        assert (
            owner.post("/desk/admin/billing/settings", form_settings(ACCOUNTS[slug])).status_code
            == 302
        )
        assert owner.post("/desk/admin/billing/subscription/checkout").status_code == 303
        ids[slug] = platform_ids(app, slug)
        completed = platform_checkout(ids[slug], slug)
        assert (
            post(app, stripe_event(stripe_id("evt"), "checkout.session.completed", completed)).json[
                "outcome"
            ]
            == "subscription"
        )
    yield ids
    for slug, plan in (("alpha", ("monthly", "active")), ("bravo", ("trial", "trialing"))):
        with app.app_context(), tenant_context(slug):
            connect_stripe_account(None)
            db.session.execute(update(PlatformSubscription).values(last_event_created=0))
            set_plan_by_hand(*plan)


def form_settings(account: str) -> dict:
    return {
        "invoice_prefix": "INV",
        "late_fee_kind": "none",
        "late_fee_value": "0",
        "reminder_cooldown_hours": "24",
        "quiet_start_hour": "21",
        "quiet_end_hour": "9",
        "stripe_account_id": account,
        "backfill_periods": "3",
    }


def platform_ids(app, slug: str) -> dict:
    """The customer and latest subscription Checkout Session the platform recorded for ``slug``."""
    with app.app_context():
        firm_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        session = db.session.scalar(
            select(PlatformObject.object_id)
            .where(PlatformObject.tenant_id == firm_id, PlatformObject.kind == "checkout_session")
            .order_by(PlatformObject.id.desc())
            .limit(1)
        )
        with tenant_context(slug):
            customer = db.session.scalar(select(PlatformSubscription.stripe_customer_id))
    return {"customer": customer, "session": session, "subscription": stripe_id("sub")}


def platform_checkout(ids: dict, slug: str) -> dict:
    return {
        "id": ids["session"],
        "object": "checkout.session",
        "mode": "subscription",
        "payment_status": "paid",
        "subscription": ids["subscription"],
        "customer": ids["customer"],
        "metadata": {"yk_firm": slug, "kind": "platform"},
    }


def post(app, payload: bytes):
    client = HostClient(app, "yk.test")
    headers = {"Stripe-Signature": sign(payload), "Content-Type": "application/json"}
    return client.post("/stripe/webhook", data=payload, csrf=False, headers=headers)


def checksum(app) -> dict:
    return {schema: fingerprint(app, schema) for schema in SCHEMAS}


def alpha_checkout(app, http, amount=12300) -> dict:
    """A Checkout Session opened on alpha's account for a new invoice, paid (the event object)."""
    with app.app_context(), tenant_context("alpha"):
        invoice = db.session.get(Invoice, new_invoice(new_company(), amount))
        provider = StripeProvider("sk_test_platform", ACCOUNTS["alpha"], http_client=http)
        session_id = provider.create_checkout(
            invoice, "alpha", "https://x/ok", "https://x/back"
        ).session_id
        db.session.commit()
        return {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "payment_status": "paid",
            "amount_total": amount,
            "currency": "cny",
            "payment_intent": stripe_id("pi"),
            "metadata": {"yk_firm": "alpha", "kind": "invoice", "invoice_id": str(invoice.id)},
        }


def alpha_state(app, slug="alpha"):
    """(registry status, plan row) of a firm: what a platform event would change."""
    with app.app_context():
        status = db.session.scalar(select(Tenant.status).where(Tenant.slug == slug))
        with tenant_context(slug):
            row = db.session.scalar(select(PlatformSubscription))
            return status, row.plan, row.status, row.stripe_subscription_id


def invoice_of(app, obj: dict):
    with app.app_context(), tenant_context("alpha"):
        invoice = db.session.get(Invoice, int(obj["metadata"]["invoice_id"]))
        return invoice.paid_cents, invoice.status


@pytest.fixture
def restore_plans(app, firms):
    """Whatever a test did to the firms' platform plans is undone afterwards."""
    yield
    from yk_saas.billing.subscription import set_plan_by_hand

    for slug in ("alpha", "bravo"):
        with app.app_context(), tenant_context(slug):
            db.session.execute(update(PlatformSubscription).values(last_event_created=0))
            set_plan_by_hand("monthly", "active")


# --- the attacks ----------------------------------------------------------------------------------


def test_another_firms_account_cannot_pay_this_firms_invoice(app, firms, stripe_on):
    obj = alpha_checkout(app, stripe_on, 30000)
    forged = {**obj, "id": stripe_id("cs"), "amount_total": 5000}  # bravo's own session
    before = checksum(app)
    for session in (forged, {**obj, "amount_total": 5000}, obj):
        event = stripe_event(
            stripe_id("evt"), "checkout.session.completed", session, account=ACCOUNTS["bravo"]
        )
        assert post(app, event).json["outcome"] == "ignored"
    assert invoice_of(app, obj) == (0, "open")
    assert checksum(app) == before


def test_a_connected_account_cannot_suspend_another_firm(app, firms, restore_plans):
    ids = firms["alpha"]
    for kind in ("customer.subscription.deleted", "invoice.payment_failed"):
        obj = {
            "id": ids["subscription"],
            "object": "subscription",
            "customer": ids["customer"],
            "subscription": ids["subscription"],
            "status": "canceled",
            "metadata": {"yk_firm": "alpha", "kind": "platform"},
        }
        before = checksum(app)
        event = stripe_event(stripe_id("evt"), kind, obj, account=ACCOUNTS["bravo"])
        assert post(app, event).json["outcome"] == "ignored"
        assert checksum(app) == before
    assert alpha_state(app)[0] == "active"
    assert HostClient(app, "alpha.yk.test").get("/").status_code == 200


def test_a_connected_checkout_cannot_set_its_own_firms_platform_plan(app, firms, restore_plans):
    from yk_saas.billing.subscription import set_plan_by_hand

    with app.app_context(), tenant_context("bravo"):
        set_plan_by_hand("trial", "trialing")
    obj = {
        "id": stripe_id("cs"),
        "object": "checkout.session",
        "mode": "subscription",
        "payment_status": "paid",
        "subscription": stripe_id("sub"),
        "customer": stripe_id("cus"),
        "metadata": {"yk_firm": "bravo", "kind": "platform"},
    }
    before = checksum(app)
    event = stripe_event(
        stripe_id("evt"), "checkout.session.completed", obj, account=ACCOUNTS["bravo"]
    )
    assert post(app, event).json["outcome"] == "ignored"
    assert checksum(app) == before
    assert alpha_state(app, "bravo")[1:3] == ("trial", "trialing")


def test_unknown_sessions_and_subscriptions_change_nothing(app, firms, restore_plans):
    ids = firms["alpha"]
    meta = {"yk_firm": "alpha", "kind": "platform"}
    unknown_session = {
        **platform_checkout(ids, "alpha"),
        "id": stripe_id("cs"),
        "subscription": stripe_id("sub"),
        "customer": stripe_id("cus"),
    }
    unknown_sub = {
        "id": stripe_id("sub"),
        "object": "subscription",
        "customer": stripe_id("cus"),
        "status": "canceled",
        "metadata": meta,
    }
    before = checksum(app)
    for kind, obj in (
        ("checkout.session.completed", unknown_session),
        ("customer.subscription.deleted", unknown_sub),
    ):
        assert post(app, stripe_event(stripe_id("evt"), kind, obj)).json["outcome"] == "ignored"
    assert checksum(app) == before
    assert alpha_state(app)[0] == "active"


@pytest.mark.parametrize(
    "change",
    [
        {"amount_total": 12299},
        {"amount_total": 12301},
        {"currency": "usd"},
        {"metadata": {"yk_firm": "alpha", "kind": "invoice", "invoice_id": "1"}},
        {"payment_status": "unpaid"},
    ],
    ids=["less", "more", "currency", "other-invoice", "unpaid"],
)
def test_a_recorded_session_paid_differently_changes_nothing(app, firms, stripe_on, change):
    obj = alpha_checkout(app, stripe_on)
    before = checksum(app)
    event = stripe_event(
        stripe_id("evt"), "checkout.session.completed", {**obj, **change}, account=ACCOUNTS["alpha"]
    )
    assert post(app, event).json["outcome"] == "ignored"
    assert checksum(app) == before
    assert invoice_of(app, obj) == (0, "open")


# --- the class ------------------------------------------------------------------------------------

#: Every event type the handler acts on, with the kind of object that makes it legitimate.
HANDLED = [
    ("checkout.session.completed", "invoice"),
    ("checkout.session.async_payment_succeeded", "invoice"),
    ("checkout.session.completed", "platform"),
    ("customer.subscription.created", "platform"),
    ("customer.subscription.updated", "platform"),
    ("customer.subscription.deleted", "platform"),
    ("invoice.paid", "platform"),
    ("invoice.payment_failed", "platform"),
]
VARIANTS = [
    "platform",
    "connected_own",
    "connected_other",
    "connected_other_bare",
    "unknown_account",
    "metadata_elsewhere",
    "unknown_object",
    "no_metadata",
]
LEGITIMATE = {
    ("invoice", "connected_own"),
    ("invoice", "no_metadata"),
    ("platform", "platform"),
    ("platform", "no_metadata"),
}


def legitimate_object(app, http, kind: str, layer: str, ids: dict) -> dict:
    """The object of a genuine ``kind`` event for alpha."""
    if layer == "invoice":
        return alpha_checkout(app, http)
    if kind.startswith("checkout."):
        return platform_checkout(ids, "alpha")
    meta = {"yk_firm": "alpha", "kind": "platform"}
    if kind.startswith("customer.subscription."):
        return {
            "id": ids["subscription"],
            "object": "subscription",
            "customer": ids["customer"],
            "status": "past_due" if kind.endswith("updated") else "active",
            "metadata": meta,
        }
    return {
        "id": stripe_id("in"),
        "object": "invoice",
        "customer": ids["customer"],
        "parent": {"subscription_details": {"subscription": ids["subscription"], "metadata": meta}},
    }


def set_metadata(obj: dict, meta: dict | None) -> dict:
    """``obj`` with its metadata, wherever it sits, replaced by ``meta`` (None removes it)."""
    obj = json.loads(json.dumps(obj))
    for holder in (obj, (obj.get("parent") or {}).get("subscription_details")):
        if holder is not None and "metadata" in holder:
            holder["metadata"] = meta or {}
    return obj


def with_unknown_ids(obj: dict) -> dict:
    obj = json.loads(json.dumps(obj))
    for holder in (obj, (obj.get("parent") or {}).get("subscription_details") or {}):
        for key, prefix in (("subscription", "sub"), ("customer", "cus")):
            if key in holder:
                holder[key] = stripe_id(prefix)
    if obj["object"] != "invoice":
        obj["id"] = stripe_id(obj["id"].split("_")[0])
    return obj


def variant_event(obj: dict, layer: str, variant: str) -> tuple[dict, str | None]:
    """The object and sending account of ``variant``; the rest is left as a genuine event."""
    natural = ACCOUNTS["alpha"] if layer == "invoice" else None
    account = {
        "platform": None,
        "connected_own": ACCOUNTS["alpha"],
        "connected_other": ACCOUNTS["bravo"],
        "connected_other_bare": ACCOUNTS["bravo"],
        "unknown_account": stripe_id("acct"),
    }.get(variant, natural)
    if variant in ("connected_other_bare", "no_metadata"):
        obj = set_metadata(obj, None)
    elif variant == "metadata_elsewhere":
        obj = set_metadata(obj, {**obj.get("metadata", {}), "yk_firm": "bravo"})
    elif variant == "unknown_object":
        obj = with_unknown_ids(obj)
    return obj, account


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("kind", "layer"), HANDLED, ids=[f"{k}-{layer}" for k, layer in HANDLED])
def test_only_an_event_bound_to_its_account_and_object_changes_anything(
    app, firms, stripe_on, restore_plans, kind, layer, variant
):
    obj, account = variant_event(
        legitimate_object(app, stripe_on, kind, layer, firms["alpha"]), layer, variant
    )
    before = checksum(app)
    response = post(app, stripe_event(stripe_id("evt"), kind, obj, account=account))
    after = checksum(app)
    assert response.status_code == 200
    if (layer, variant) in LEGITIMATE:
        assert response.json["outcome"] in ("paid", "subscription")
        assert after["t_alpha"] != before["t_alpha"]
        assert after["t_bravo"] == before["t_bravo"]
    else:
        assert response.json["outcome"] == "ignored"
        assert after == before


# --- the bindings themselves ----------------------------------------------------------------------


def test_an_account_bound_to_one_firm_cannot_be_claimed_by_another(app, firms, firm_b):
    owner = HostClient(app, firm_b["host"])
    owner.login(firm_b["owner"])
    before = checksum(app)
    for account, message in (
        (ACCOUNTS["alpha"], "该 Stripe 账户已关联到另一家事务所"),
        ("acct_x'; --", "Stripe 账户 ID 的格式为"),
    ):
        response = owner.post("/desk/admin/billing/settings", form_settings(account))
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert checksum(app) == before


def test_dropping_a_firm_removes_its_bindings(app):
    from tenants.provision import drop_tenant, provision_tenant
    from yk_saas.billing.services import connect_stripe_account

    with app.app_context():
        provision_tenant("bindgone", "Bind Gone", host="bindgone.yk.test")
        with tenant_context("bindgone"):
            connect_stripe_account("acct_bindgone")
            db.session.commit()
        drop_tenant("bindgone")
        assert (
            db.session.scalar(
                text(
                    "SELECT count(*) FROM public.provider_accounts WHERE account_id = 'acct_bindgone'"
                )
            )
            == 0
        )


def bindings_of(slug: str) -> list[tuple[str, str]]:
    return sorted(
        db.session.execute(
            text(
                "SELECT 'account', account_id FROM public.provider_accounts a JOIN public.tenants t "
                "ON t.id = a.tenant_id WHERE t.slug = :s UNION ALL SELECT kind, object_id "
                "FROM public.platform_provider_objects o JOIN public.tenants t ON t.id = o.tenant_id "
                "WHERE t.slug = :s"
            ),
            {"s": slug},
        ).all()
    )


def test_a_firm_restored_from_its_export_is_bound_again_unless_taken(app_ctx, tmp_path):
    from tenants.provision import drop_tenant, provision_tenant
    from yk_saas.billing.bindings import record_platform_object
    from yk_saas.billing.services import connect_stripe_account
    from yk_saas.billing.subscription import current_subscription
    from yk_saas.export.services import export_firm, import_firm

    provision_tenant("bindsave", "Bind Save", host="bindsave.yk.test")
    with tenant_context("bindsave"):
        connect_stripe_account("acct_bindSave")
        current_subscription().stripe_customer_id = "cus_bindSave"
        record_platform_object("stripe", "customer", "cus_bindSave")
        db.session.commit()
        export_firm(tmp_path / "bindsave.zip")
    expected = [("account", "acct_bindSave"), ("customer", "cus_bindSave")]
    assert bindings_of("bindsave") == expected
    import_firm(tmp_path / "bindsave.zip", slug="bindcopy")  # the original still holds them
    assert bindings_of("bindcopy") == []
    drop_tenant("bindsave")
    import_firm(tmp_path / "bindsave.zip")
    assert bindings_of("bindsave") == expected


def test_an_older_firm_is_migrated_with_its_account_and_platform_ids_bound(app_ctx):
    from tenants.migrate import migrate_tenants, tenant_script
    from tenants.provision import provision_tenant
    from yk_saas.billing.services import billing_settings
    from yk_saas.billing.subscription import current_subscription

    provision_tenant("bindold", "Bind Old", host="bindold.yk.test")
    provision_tenant("bindnew", "Bind New", host="bindnew.yk.test")
    with tenant_context("bindold"):
        billing_settings().stripe_account_id = "acct_bindOld"
        row = current_subscription()
        row.stripe_customer_id, row.stripe_subscription_id = "cus_bindOld", "sub_bindOld"
        db.session.commit()
    db.session.execute(text('DROP TABLE "t_bindold".billing_provider_checkouts'))
    before = tenant_script().get_revision("t_provider_checkouts").down_revision
    db.session.execute(
        text('UPDATE "t_bindold".alembic_version SET version_num = :v'), {"v": before}
    )
    db.session.execute(update(Tenant).where(Tenant.slug == "bindold").values(schema_version=before))
    db.session.commit()
    report = migrate_tenants(slugs=["bindold"], workers=1, target="t_provider_checkouts")
    assert report.ok and report.migrated == ["bindold"]
    expected = checkout_table_shape("t_bindnew")
    assert len(expected) == 14  # 8 columns, 3 indexes, 3 constraints
    assert checkout_table_shape("t_bindold") == expected
    bound = db.session.execute(
        text(
            "SELECT b.object_id, t.slug FROM (SELECT account_id AS object_id, tenant_id "
            "FROM public.provider_accounts UNION ALL SELECT object_id, tenant_id "
            "FROM public.platform_provider_objects) b JOIN public.tenants t ON t.id = b.tenant_id "
            "WHERE b.object_id LIKE '%bindOld'"
        )
    ).all()
    assert sorted(bound) == [
        ("acct_bindOld", "bindold"),
        ("cus_bindOld", "bindold"),
        ("sub_bindOld", "bindold"),
    ]


def checkout_table_shape(schema: str):
    """Columns, indexes and constraints of the recorded-checkouts table, schema name removed."""
    rows = db.session.execute(
        text(
            "SELECT column_name || data_type || is_nullable FROM information_schema.columns "
            "WHERE table_schema = :s AND table_name = 'billing_provider_checkouts' UNION ALL "
            "SELECT replace(indexdef, :s || '.', '') FROM pg_indexes WHERE schemaname = :s "
            "AND tablename = 'billing_provider_checkouts' UNION ALL "
            "SELECT conname || replace(pg_get_constraintdef(oid), :s || '.', '') FROM pg_constraint "
            "WHERE conrelid = to_regclass(:s || '.billing_provider_checkouts')"
        ),
        {"s": schema},
    )
    return sorted(row[0] for row in rows)
