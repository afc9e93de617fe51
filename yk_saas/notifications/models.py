"""In-app notifications, one row per recipient."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantModel
from yk_saas.models_base import created_at_column, timestamp_column


class Notification(TenantModel):
    """Something a user should know about; rendered in the reader's language."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("tenant.users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(500))
    read_at: Mapped[datetime | None] = timestamp_column()
    created_at: Mapped[datetime] = created_at_column()


# The badge counts unread rows of one user on every page.
Index("ix_notifications_user_unread", Notification.user_id, Notification.read_at)
