"""The registry of firms, in the ``public`` schema.

Nothing accounting-specific lives here, and no firm table refers to these
rows by foreign key, so every firm's schema can be moved on its own.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import db

PUBLIC = {"schema": "public"}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Tenant(db.Model):
    """One accounting firm: its subdomain, schema and platform status."""

    __tablename__ = "tenants"
    __table_args__ = PUBLIC

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    schema_name: Mapped[str] = mapped_column(String(48), unique=True)
    #: active, read_only (platform bill past due), suspended
    status: Mapped[str] = mapped_column(String(16), default="active")
    plan: Mapped[str] = mapped_column(String(32), default="trial")
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    timezone: Mapped[str] = mapped_column(String(48), default="Asia/Shanghai")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    branding: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Alembic revision of the firm's schema: lets a no-op migrate skip it in O(1).
    schema_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    domains: Mapped[list["Domain"]] = relationship(back_populates="tenant", cascade="all")

    def info(self) -> "TenantInfo":
        return TenantInfo(
            id=self.id,
            slug=self.slug,
            name=self.name,
            schema_name=self.schema_name,
            status=self.status,
            plan=self.plan,
            locale=self.locale,
            timezone=self.timezone,
            currency=self.currency,
            branding=dict(self.branding or {}),
        )


class Domain(db.Model):
    """A host name that serves one firm: its platform subdomain or its own domain.

    Several firms may claim a host; only a verified row routes, and the first
    claim verified wins (one verified row per host, enforced by the database).
    """

    __tablename__ = "domains"
    __table_args__ = (
        Index("uq_domains_host_verified", "host", unique=True, postgresql_where=text("verified")),
        UniqueConstraint("tenant_id", "host", name="uq_domains_tenant_id_host"),
        Index("ix_domains_host", "host"),
        PUBLIC,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(253))
    tenant_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("public.tenants.id", ondelete="CASCADE"), index=True
    )
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Platform subdomains are verified at birth; custom domains after a DNS check.
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tenant: Mapped[Tenant] = relationship(back_populates="domains")


@dataclass(frozen=True)
class TenantInfo:
    """A read-only snapshot of a firm, safe to cache and share between requests."""

    id: int
    slug: str
    name: str
    schema_name: str
    status: str
    plan: str
    locale: str
    timezone: str
    currency: str
    branding: dict = field(default_factory=dict)

    @property
    def is_suspended(self) -> bool:
        return self.status == "suspended"

    @property
    def is_read_only(self) -> bool:
        return self.status == "read_only"

    @property
    def zone(self) -> ZoneInfo:
        """The firm's time zone (Asia/Shanghai when the stored name is unknown)."""
        try:
            return ZoneInfo(self.timezone)
        except (KeyError, ValueError):
            return ZoneInfo("Asia/Shanghai")

    def now(self) -> datetime:
        """The current time, aware, in the firm's time zone."""
        return datetime.now(self.zone)

    def today(self) -> date:
        """Today's date in the firm's time zone."""
        return self.now().date()
