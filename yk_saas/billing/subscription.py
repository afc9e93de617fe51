"""The firm's own subscription to the platform (P3).

Stripe's subscription status drives the firm's registry status: active or
trialing → active; past_due or unpaid → read-only for staff (clients can
still pay their invoices); canceled → suspended, data kept. A payment resumes it.
Without Stripe keys the operator sets plan and status by hand (``flask billing set-plan``).
"""

from datetime import timedelta

from sqlalchemy import select, update

from tenants import current_tenant, db
from tenants.models import Tenant
from tenants.resolve import resolver
from yk_saas.audit.services import record_audit
from yk_saas.billing.models import PlatformSubscription
from yk_saas.models_base import utcnow

TRIAL_DAYS = 14
PLANS = ("trial", "monthly")
FIRM_STATUS = {
    "trialing": "active",
    "active": "active",
    "past_due": "read_only",
    "unpaid": "read_only",
    "canceled": "suspended",
    "cancelled": "suspended",
    "incomplete_expired": "suspended",
}


def seed_subscription(session, firm) -> None:
    """Every new firm starts on a 14-day trial."""
    session.add(
        PlatformSubscription(
            plan="trial",
            status="trialing",
            trial_ends_at=utcnow() + timedelta(days=TRIAL_DAYS),
            last_event_created=0,
            updated_at=utcnow(),
        )
    )


def current_subscription() -> PlatformSubscription:
    """The bound firm's subscription row (created if a firm predates this feature)."""
    row = db.session.scalar(select(PlatformSubscription).with_for_update().limit(1))
    if row is None:
        row = PlatformSubscription(
            plan="trial",
            status="trialing",
            last_event_created=0,
            trial_ends_at=utcnow() + timedelta(days=TRIAL_DAYS),
        )
        db.session.add(row)
        db.session.flush()
    return row


def set_firm_status(status: str) -> None:
    firm = current_tenant()
    db.session.execute(update(Tenant).where(Tenant.id == firm.id).values(status=status))


def apply_subscription_status(
    status: str,
    plan: str | None = None,
    event_created: int = 0,
    subscription_id: str | None = None,
    customer_id: str | None = None,
) -> bool:
    """Apply a subscription status unless a newer event was applied already.

    Returns whether anything changed. The caller commits, then the resolver
    cache is cleared (``resolver.invalidate``) by ``commit_subscription``.
    """
    row = current_subscription()
    if event_created and event_created < row.last_event_created:
        return False
    row.status = "cancelled" if status == "canceled" else status
    row.plan = plan or row.plan
    row.last_event_created = max(row.last_event_created, event_created)
    row.stripe_subscription_id = subscription_id or row.stripe_subscription_id
    row.stripe_customer_id = customer_id or row.stripe_customer_id
    row.updated_at = utcnow()
    set_firm_status(FIRM_STATUS.get(status, "active"))
    record_audit(
        "platform_subscription_changed",
        "firm",
        current_tenant().id,
        status=row.status,
        plan=row.plan,
    )
    return True


def commit_subscription() -> None:
    """Commit, then drop the cached firm status: the cache must never be refilled from before."""
    db.session.commit()  # before the invalidation, or another request re-caches the old status
    resolver.invalidate()


def expire_trial(now=None) -> bool:
    """A trial that ended with no subscription makes the firm past due (Stripe mode only).

    Without Stripe keys the operator decides, so nothing happens by itself.
    """
    from yk_saas.billing.providers import stripe_configured

    row = current_subscription()
    now = now or utcnow()
    if (
        not stripe_configured()
        or row.status != "trialing"
        or row.trial_ends_at is None
        or row.trial_ends_at > now
        or row.stripe_subscription_id
    ):
        return False
    apply_subscription_status("past_due")
    commit_subscription()
    return True


def set_plan_by_hand(plan: str, status: str) -> None:
    """The operator's manual setting, for platforms running without Stripe keys."""
    if plan not in PLANS:
        raise ValueError(f"unknown plan {plan!r}; choose from {', '.join(PLANS)}")
    if status not in ("active", "trialing", "past_due", "cancelled"):
        raise ValueError(f"unknown status {status!r}")
    row = current_subscription()
    row.last_event_created = 0
    apply_subscription_status(status, plan)
    commit_subscription()
