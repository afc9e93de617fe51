"""In-app notifications, one row per recipient."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantModel
from tenants.db import tenant_args
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


class NotificationPreference(TenantModel):
    """A user's choice for one event on one channel; no row means the channel's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = tenant_args(
        UniqueConstraint(
            "user_id", "event", "channel", name="uq_notification_preferences_user_event_channel"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("tenant.users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(60))
    #: email, sms, wechat
    channel: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean)


class NotificationWebhook(TenantModel):
    """The firm's SMS/WeChat gateway: notifications are POSTed there, signed with ``secret``."""

    __tablename__ = "notification_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_success_at: Mapped[datetime | None] = timestamp_column()
    created_at: Mapped[datetime] = created_at_column()
