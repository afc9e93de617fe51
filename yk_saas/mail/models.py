"""Every e-mail a firm sends, kept as a readable outbox."""

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from tenants import TenantModel
from yk_saas.models_base import created_at_column, timestamp_column

QUEUED, SENT, OUTBOX, FAILED = "queued", "sent", "outbox", "failed"


class OutboxEmail(TenantModel):
    """One message: queued → sent over SMTP, or kept in the outbox when no SMTP is set."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # A message carrying a secret (a reset or invitation link) keeps it only here:
    # the bodies above show it masked; these are sent, and shown to the recipient alone.
    secret_text: Mapped[str | None] = deferred(mapped_column(Text))
    secret_html: Mapped[str | None] = deferred(mapped_column(Text))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(12), default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = timestamp_column()

    @property
    def is_secret(self) -> bool:
        return self.secret_text is not None
