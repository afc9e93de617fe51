"""Work items (catalog orders and business requests), their timeline, ratings and settings."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantModel, db
from tenants.db import tenant_args
from yk_saas.accounts.models import User
from yk_saas.clients.models import ClientCompany
from yk_saas.models_base import created_at_column, timestamp_column, utcnow

KINDS = ("order", "request")
STATES = ("new", "assigned", "in_progress", "waiting_on_client", "done", "cancelled")
OPEN_STATES = ("assigned", "in_progress", "waiting_on_client")
URGENCIES = ("urgent", "normal", "low")
#: auto: small enough to need nobody's approval; pending: waits for an admin.
APPROVALS = ("auto", "pending", "approved", "rejected")
POLICIES = ("escalate", "dedicated_first", "round_robin", "least_loaded")
OVERALL = ("good", "neutral", "bad")
#: The one place that says which state may follow which.
TRANSITIONS = {
    "new": {"assigned", "cancelled"},
    "assigned": {"in_progress", "waiting_on_client", "done", "cancelled"},
    "in_progress": {"waiting_on_client", "done", "cancelled"},
    "waiting_on_client": {"in_progress", "done", "cancelled"},
    "done": set(),
    "cancelled": set(),
}
DEFAULT_REQUEST_TYPES = {
    "en": ["Business licence", "Tax invoices", "Tax filing", "Other"],
    "zh_CN": ["营业执照", "税务发票", "纳税申报", "其他"],
}


class WorkSettings(TenantModel):
    """The firm's one row of claim, timeout and approval settings."""

    __tablename__ = "work_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Orders above this amount wait for an admin; None = every order is approved automatically.
    approval_threshold_cents: Mapped[int | None] = mapped_column(BigInteger)
    timeout_policy: Mapped[str] = mapped_column(String(20), default="escalate")
    timeout_urgent_minutes: Mapped[int] = mapped_column(Integer, default=15)
    timeout_normal_minutes: Mapped[int] = mapped_column(Integer, default=120)
    timeout_low_minutes: Mapped[int] = mapped_column(Integer, default=480)
    #: Assigned but no progress for this many hours: remind, then escalate after as long again.
    stale_after_hours: Mapped[int] = mapped_column(Integer, default=24)
    default_capacity: Mapped[int] = mapped_column(Integer, default=10)
    request_types: Mapped[list] = mapped_column(JSON, default=list)
    #: The accountant round-robin gave the last item to.
    round_robin_last_id: Mapped[int | None] = mapped_column(Integer)


class StaffAvailability(TenantModel):
    """Whether a staff member takes new work, and how much open work they may hold."""

    __tablename__ = "staff_availability"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="CASCADE"), unique=True
    )
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    #: None = the firm default.
    capacity: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = timestamp_column(default=utcnow, onupdate=utcnow)


class WorkItem(TenantModel):
    """An order of a catalog service or a business request, from filing to rating."""

    __tablename__ = "work_items"
    __table_args__ = tenant_args(
        CheckConstraint("price_cents IS NULL OR price_cents >= 0", name="price_not_negative"),
        Index("ix_work_items_pool", "state", "claim_deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    request_type: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    service_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.catalog_services.id", ondelete="SET NULL")
    )
    price_cents: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    client_company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.client_companies.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    assignee_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), default="new")
    approval: Mapped[str] = mapped_column(String(10), default="auto")
    created_at: Mapped[datetime] = created_at_column()
    claimed_at: Mapped[datetime | None] = timestamp_column()
    completed_at: Mapped[datetime | None] = timestamp_column()
    claim_deadline: Mapped[datetime | None] = timestamp_column()
    escalated_at: Mapped[datetime | None] = timestamp_column()
    last_progress_at: Mapped[datetime | None] = timestamp_column()
    reminded_at: Mapped[datetime | None] = timestamp_column()
    stale_escalated_at: Mapped[datetime | None] = timestamp_column()
    updated_at: Mapped[datetime | None] = timestamp_column(default=utcnow, onupdate=utcnow)

    company: Mapped[ClientCompany] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @hybrid_property
    def in_pool(self) -> bool:
        """New, unassigned and needing nobody's approval: open to claims (also a SQL condition)."""
        return (
            self.state == "new"
            and self.assignee_id is None
            and self.approval in ("auto", "approved")
        )

    @in_pool.inplace.expression
    @classmethod
    def _in_pool_expression(cls):
        return (
            (cls.state == "new")
            & cls.assignee_id.is_(None)
            & cls.approval.in_(("auto", "approved"))
        )

    @property
    def is_open(self) -> bool:
        return self.state not in ("done", "cancelled")

    def may_move_to(self, new_state: str) -> bool:
        """Whether ``new_state`` may follow the item's state (``TRANSITIONS``)."""
        return new_state in TRANSITIONS.get(self.state, set())

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Unclaimed past its deadline, or escalated for lack of progress and still open."""
        now = now or utcnow()
        return bool(
            (self.in_pool and self.claim_deadline and self.claim_deadline < now)
            or (self.stale_escalated_at and self.is_open)
        )

    def lock(self) -> "WorkItem":
        """Take the row lock and reread the item: steps that check its state and change it go
        one after the other (a client's reply and the accountant's "done" cannot both pass)."""
        db.session.refresh(self, with_for_update=True)
        return self

    def add_entry(self, kind: str, **values) -> "WorkEntry":
        """Append a line to the item's timeline (flushed, so it has its id)."""
        entry = WorkEntry(work_item_id=self.id, kind=kind, **values)
        db.session.add(entry)
        db.session.flush()
        return entry


class WorkEntry(TenantModel):
    """One line of an item's timeline: progress, a client reply, or what the system did."""

    __tablename__ = "work_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.work_items.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    #: progress (staff), reply (client), event (claims, timeouts, assignments)
    kind: Mapped[str] = mapped_column(String(12))
    event: Mapped[str | None] = mapped_column(String(30))
    body: Mapped[str] = mapped_column(Text, default="")
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    #: Staff-only lines (escalations, reminders) are not shown to the client.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()

    author: Mapped[User | None] = relationship()


class Rating(TenantModel):
    """The client's verdict on a finished item: one per item, editable for a week."""

    __tablename__ = "work_ratings"
    __table_args__ = tenant_args(
        CheckConstraint(
            "attitude BETWEEN 1 AND 5 AND speed BETWEEN 1 AND 5 AND quality BETWEEN 1 AND 5",
            name="scores_in_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.work_items.id", ondelete="CASCADE"), unique=True
    )
    rated_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    overall: Mapped[str] = mapped_column(String(8))
    attitude: Mapped[int] = mapped_column(Integer)
    speed: Mapped[int] = mapped_column(Integer)
    quality: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = timestamp_column()
