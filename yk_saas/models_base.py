"""Column helpers shared by firm tables."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Timezone-aware now, as every timestamp is stored."""
    return datetime.now(UTC)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def timestamp_column(**kwargs) -> Mapped[datetime | None]:
    return mapped_column(DateTime(timezone=True), **kwargs)
