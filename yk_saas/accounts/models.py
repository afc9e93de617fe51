"""People who sign in to a firm's site, and their one-time tokens."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantModel
from yk_saas.access import MANAGERS, STAFF
from yk_saas.clients.models import ClientCompany
from yk_saas.models_base import created_at_column, timestamp_column


class User(UserMixin, TenantModel):
    """A person of one firm: owner, admin, accountant or a client company's user."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    client_company_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.client_companies.id", ondelete="RESTRICT"), index=True
    )
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    last_login_at: Mapped[datetime | None] = timestamp_column()
    created_at: Mapped[datetime] = created_at_column()

    client_company: Mapped[ClientCompany | None] = relationship(foreign_keys=[client_company_id])

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGERS

    @property
    def is_client(self) -> bool:
        return self.role == "client"


# One account per address and firm, whatever the case it was typed in.
Index("uq_users_email_lower", func.lower(User.email), unique=True)


class Invitation(TenantModel):
    """An e-mailed, expiring, single-use invitation to join the firm."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(16))
    client_company_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.client_companies.id", ondelete="CASCADE")
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime] = timestamp_column(nullable=False)
    accepted_at: Mapped[datetime | None] = timestamp_column()
    revoked_at: Mapped[datetime | None] = timestamp_column()
    created_at: Mapped[datetime] = created_at_column()

    client_company: Mapped[ClientCompany | None] = relationship()
    invited_by: Mapped[User | None] = relationship()


class PasswordReset(TenantModel):
    """A single-use password reset link; only its hash is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = timestamp_column(nullable=False)
    used_at: Mapped[datetime | None] = timestamp_column()
    created_at: Mapped[datetime] = created_at_column()


class UserSession(TenantModel):
    """One signed-in browser. The cookie holds a random id; only its hash is stored.

    Deleting the row signs that browser out on its next request.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    created_at: Mapped[datetime] = created_at_column()
    last_seen_at: Mapped[datetime] = created_at_column()
