"""Client companies of a firm: the small businesses whose books it keeps."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantModel
from tenants.db import tenant_args
from yk_saas.models_base import created_at_column, timestamp_column

SIZES = ("micro", "small", "medium", "large")
TAX_TYPES = ("small_scale", "general")
SOURCES = ("referral", "website", "walk_in", "event", "advertising", "other")
STATUSES = ("active", "lost")


class ClientCompany(TenantModel):
    """A company the firm serves; its people sign in as client users."""

    __tablename__ = "client_companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The accountant who looks after this client (a staff user), if any.
    dedicated_accountant_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL", use_alter=True), index=True
    )
    created_at: Mapped[datetime] = created_at_column()
    #: 统一社会信用代码, 18 characters, check digit per GB 32100-2015.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[str | None] = mapped_column(String(16))
    tax_type: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str | None] = mapped_column(String(16))
    #: "active", or "lost" once the firm no longer serves it (counted in churn).
    status: Mapped[str] = mapped_column(
        String(16), default="active", server_default="active", index=True
    )
    lost_at: Mapped[datetime | None] = timestamp_column()


class ClientContact(TenantModel):
    """A person at a client company the firm talks to; one of them is the primary contact."""

    __tablename__ = "client_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.client_companies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    wechat: Mapped[str | None] = mapped_column(String(64))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = created_at_column()


# At most one primary contact per company.
Index(
    "uq_client_contacts_primary",
    ClientContact.company_id,
    unique=True,
    postgresql_where=ClientContact.is_primary.is_(True),
)


class ClientTag(TenantModel):
    """A free label on a company ("VIP", "export", "needs audit")."""

    __tablename__ = "client_tags"
    __table_args__ = tenant_args(
        UniqueConstraint("company_id", "tag", name="uq_client_tags_company_tag")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.client_companies.id", ondelete="CASCADE"), index=True
    )
    tag: Mapped[str] = mapped_column(String(40), index=True)


class ClientNote(TenantModel):
    """A staff note on a company. Notes are never overwritten: an edit adds a new version."""

    __tablename__ = "client_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.client_companies.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    #: The earlier version this note replaces, if it is an edit.
    replaces_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.client_notes.id", ondelete="SET NULL")
    )
    superseded: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = created_at_column()

    author = relationship("User", foreign_keys=[author_id])


class AccountantChange(TenantModel):
    """One change of a company's dedicated accountant (history of K2)."""

    __tablename__ = "accountant_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.client_companies.id", ondelete="CASCADE"), index=True
    )
    old_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    new_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = created_at_column()

    old = relationship("User", foreign_keys=[old_id])
    new = relationship("User", foreign_keys=[new_id])
    by = relationship("User", foreign_keys=[by_id])


class StaffProfile(TenantModel):
    """What a client sees on its accountant's card beyond the account: photo and WeChat ID."""

    __tablename__ = "staff_profiles"

    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="CASCADE"), primary_key=True
    )
    wechat: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(100))
    photo_file_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.stored_files.id", ondelete="SET NULL")
    )
    joined_on: Mapped[date | None] = mapped_column(Date)
