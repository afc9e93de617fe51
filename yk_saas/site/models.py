"""The firm's public site: slides, menus, sections, pages, announcements, publications.

Owners edit these rows (the draft); publishing freezes them into a
``SitePublication`` snapshot, which is what visitors see.
"""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantModel
from yk_saas.files.models import StoredFile
from yk_saas.models_base import created_at_column, timestamp_column


class SiteSlide(TenantModel):
    """One carousel slide of the home page, shown between its optional dates."""

    __tablename__ = "site_slides"

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.stored_files.id", ondelete="RESTRICT")
    )
    title: Mapped[str] = mapped_column(String(120), default="")
    subtitle: Mapped[str] = mapped_column(String(240), default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None] = timestamp_column()
    ends_at: Mapped[datetime | None] = timestamp_column()
    created_at: Mapped[datetime] = created_at_column()

    image: Mapped[StoredFile] = relationship()


class SiteMenuItem(TenantModel):
    """A link of the site's menu; a top-level item may hold one level of children."""

    __tablename__ = "site_menu_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(60))
    #: A site path ("/p/about", "/login") or an http(s) URL.
    url: Mapped[str] = mapped_column(String(500))
    parent_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.site_menu_items.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class SiteSection(TenantModel):
    """A block of the home page, in the order the owner chose."""

    __tablename__ = "site_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: announcements, about, contact, pages, rich_text
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120), default="")
    #: Sanitized HTML (about, rich_text).
    body_html: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class SitePage(TenantModel):
    """A simple page of the site (about us …), served at /p/<slug>."""

    __tablename__ = "site_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    body_html: Mapped[str] = mapped_column(Text, default="")


class Announcement(TenantModel):
    """A notice shown on the home page from ``publish_at`` until ``expires_at``."""

    __tablename__ = "site_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    body_html: Mapped[str] = mapped_column(Text, default="")
    publish_at: Mapped[datetime] = timestamp_column(nullable=False)
    expires_at: Mapped[datetime | None] = timestamp_column()
    created_at: Mapped[datetime] = created_at_column()


class SitePublication(TenantModel):
    """A published version of the site: the newest row is what visitors see."""

    __tablename__ = "site_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot: Mapped[dict] = mapped_column(JSON)
    published_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime] = created_at_column()
