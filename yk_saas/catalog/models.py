"""The firm's catalog: categories and the service items clients can order."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantModel
from yk_saas.models_base import created_at_column, timestamp_column, utcnow

BILLING_CYCLES = ("one_off", "monthly", "quarterly", "yearly")


class ServiceCategory(TenantModel):
    """A shelf of the catalog, e.g. "Company registration"."""

    __tablename__ = "catalog_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created_at_column()


class ServiceItem(TenantModel):
    """A service the firm sells at a price, once or per billing cycle."""

    __tablename__ = "catalog_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.catalog_categories.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: Sanitized HTML (nh3) of the description.
    description_html: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    billing_cycle: Mapped[str] = mapped_column(String(12), default="one_off")
    image_file_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.stored_files.id", ondelete="SET NULL")
    )
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    recommended: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = timestamp_column(default=utcnow, onupdate=utcnow)

    category: Mapped[ServiceCategory | None] = relationship()
