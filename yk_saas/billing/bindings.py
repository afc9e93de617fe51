"""Which firm a payment provider's notification belongs to, and the one rule that decides it.

A notification whose signature checks out still says only two things we can
trust: the account that produced it and the ids of its objects. Metadata is
written by whoever creates an object, and on a firm's connected account that
is the firm itself, so metadata never routes anything. The rule, for every
provider (Stripe now, WeChat Pay and Alipay merchant notifications later):

1. Platform notifications (the platform billing a firm, produced by the
   platform's own account: a Stripe event without ``account``) belong to the
   firm a recorded ``PlatformObject`` (customer, subscription, Checkout
   Session the platform created) is bound to. Ids bound to two firms bind none.
2. Connected-account notifications (a firm's clients paying through the
   firm's own account: a Stripe event with ``account``) belong to the firm
   bound to that account (``ProviderAccount``, unique per provider).
3. Metadata naming another firm refuses the notification.
4. Inside the firm, the object must be one recorded when it was created
   (``ProviderCheckout``: invoice, amount, currency), and must match it.

Whatever fails the rule is logged and changes nothing. A provider implements
it by extracting ``(account, object ids, firm named in metadata)`` from its
verified notification and calling ``route_notification``.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from tenants import current_tenant, db
from tenants.models import Tenant, utcnow

PLATFORM, CONNECTED = "platform", "connected"
TENANT_FK = "public.tenants.id"


class ProviderAccount(db.Model):
    """A firm's own account at a payment provider (a Stripe connected account)."""

    __tablename__ = "provider_accounts"
    __table_args__ = (
        UniqueConstraint("provider", "account_id"),
        UniqueConstraint("provider", "tenant_id"),
        {"schema": "public"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str] = mapped_column(String(120))
    tenant_id: Mapped[int] = mapped_column(Integer, ForeignKey(TENANT_FK, ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlatformObject(db.Model):
    """An object the platform created on its own provider account to bill one firm."""

    __tablename__ = "platform_provider_objects"
    __table_args__ = (UniqueConstraint("provider", "object_id"), {"schema": "public"})

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    #: customer, subscription, checkout_session
    kind: Mapped[str] = mapped_column(String(24))
    object_id: Mapped[str] = mapped_column(String(120))
    tenant_id: Mapped[int] = mapped_column(
        Integer, ForeignKey(TENANT_FK, ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AccountTaken(ValueError):
    """The provider account is already bound to another firm."""


class Unbound(ValueError):
    """The notification belongs to no firm by the rule: it changes nothing."""


@dataclass(frozen=True)
class Binding:
    """The firm a notification belongs to and the layer of billing it is about."""

    slug: str
    layer: str


def bind_account(provider: str, account_id: str | None) -> None:
    """Bind the current firm to ``account_id`` (None unbinds); raises AccountTaken."""
    firm = current_tenant()
    owner = db.session.scalar(
        select(ProviderAccount.tenant_id).where(
            ProviderAccount.provider == provider, ProviderAccount.account_id == account_id
        )
    )
    if account_id and owner not in (None, firm.id):
        raise AccountTaken(account_id)
    db.session.execute(
        delete(ProviderAccount).where(
            ProviderAccount.provider == provider, ProviderAccount.tenant_id == firm.id
        )
    )
    if not account_id:
        return
    try:
        with db.session.begin_nested():
            db.session.add(
                ProviderAccount(provider=provider, account_id=account_id, tenant_id=firm.id)
            )
    except IntegrityError as exc:  # another firm bound it at the same moment
        raise AccountTaken(account_id) from exc


def bound_account(provider: str) -> str | None:
    """The current firm's account at ``provider``, if one is bound."""
    return db.session.scalar(
        select(ProviderAccount.account_id).where(
            ProviderAccount.provider == provider, ProviderAccount.tenant_id == current_tenant().id
        )
    )


def record_platform_object(provider: str, kind: str, object_id: str) -> bool:
    """Record that the platform created ``object_id`` for the current firm.

    Returns False (and records nothing) when the id is bound to another firm.
    """
    firm = current_tenant()
    db.session.execute(
        insert(PlatformObject.__table__)
        .values(
            provider=provider,
            kind=kind,
            object_id=object_id,
            tenant_id=firm.id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["provider", "object_id"])
    )
    return (
        db.session.scalar(
            select(PlatformObject.tenant_id).where(
                PlatformObject.provider == provider, PlatformObject.object_id == object_id
            )
        )
        == firm.id
    )


def firm_of_account(provider: str, account_id: str) -> str | None:
    """The slug of the firm bound to ``account_id``."""
    return db.session.scalar(
        select(Tenant.slug)
        .join(ProviderAccount, ProviderAccount.tenant_id == Tenant.id)
        .where(ProviderAccount.provider == provider, ProviderAccount.account_id == account_id)
    )


def firm_of_platform_objects(provider: str, object_ids: list[str]) -> str | None:
    """The slug of the one firm the recorded ``object_ids`` belong to (None if none or two)."""
    ids = [i for i in object_ids if i]
    slugs = (
        set(
            db.session.scalars(
                select(Tenant.slug)
                .join(PlatformObject, PlatformObject.tenant_id == Tenant.id)
                .where(PlatformObject.provider == provider, PlatformObject.object_id.in_(ids))
            )
        )
        if ids
        else set()
    )
    return slugs.pop() if len(slugs) == 1 else None


def route_notification(
    provider: str, account: str | None, object_ids: list[str], named_firm: str | None
) -> Binding:
    """The firm a verified notification belongs to, by the rule above; raises Unbound."""
    if account:
        binding = Binding(firm_of_account(provider, account) or "", CONNECTED)
    else:
        binding = Binding(firm_of_platform_objects(provider, object_ids) or "", PLATFORM)
    if not binding.slug:
        raise Unbound(f"no firm is bound to {'account ' + account if account else 'these objects'}")
    if named_firm and named_firm != binding.slug:
        raise Unbound(f"metadata names {named_firm!r}, the event belongs to {binding.slug!r}")
    return binding


def rebind_restored_firm(session, firm_id: int) -> None:
    """Bind a firm restored from an export to what its data records, unless another firm holds it.

    Runs inside provisioning (``session`` is bound to the new firm's schema).
    """
    from yk_saas.billing.models import BillingSettings, PlatformSubscription

    account = session.scalar(
        select(BillingSettings.stripe_account_id).order_by(BillingSettings.id).limit(1)
    )
    if account:
        session.execute(
            insert(ProviderAccount.__table__)
            .values(provider="stripe", account_id=account, tenant_id=firm_id, created_at=utcnow())
            .on_conflict_do_nothing()
        )
    for row in session.execute(
        select(PlatformSubscription.stripe_customer_id, PlatformSubscription.stripe_subscription_id)
    ):
        for kind, object_id in zip(("customer", "subscription"), row, strict=True):
            if object_id:
                session.execute(
                    insert(PlatformObject.__table__)
                    .values(
                        provider="stripe",
                        kind=kind,
                        object_id=object_id,
                        tenant_id=firm_id,
                        created_at=utcnow(),
                    )
                    .on_conflict_do_nothing()
                )
