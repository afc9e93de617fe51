"""Editing the site's draft, publishing it, and serving the published version fast."""

import threading
import time
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import event, false, select, update

from tenants import current_tenant, db
from tenants.models import Tenant
from tenants.resolve import resolver
from yk_saas.audit.services import record_audit
from yk_saas.errors import UserError
from yk_saas.files.models import StoredFile
from yk_saas.files.services import get_file_of_kinds
from yk_saas.models_base import utcnow
from yk_saas.site.models import (
    Announcement,
    SiteMenuItem,
    SitePage,
    SitePublication,
    SiteSection,
    SiteSlide,
)
from yk_saas.site.sanitize import clean_html

SECTION_KINDS = (
    "announcements",
    "recommended",
    "categories",
    "about",
    "contact",
    "pages",
    "rich_text",
)
RICH_SECTIONS = ("about", "rich_text")
ORDERED = {"slide": SiteSlide, "menu": SiteMenuItem, "section": SiteSection}
DELETABLE = {
    "slide": SiteSlide,
    "menu": SiteMenuItem,
    "section": SiteSection,
    "page": SitePage,
    "announcement": Announcement,
}


class SiteError(UserError):
    """A site change the manager has to correct."""


#: Stored files that are images of the public site, open to every visitor.
PUBLIC_FILE_KINDS = ("site_slide", "site_logo", "site_favicon")

#: Rendered home pages live this long in a process (announcements and slide dates).
CACHE_SECONDS = 60.0


class SiteCache:
    """Per-process cache keyed by firm, site version and language; versions change on publish."""

    def __init__(self, ttl: float = CACHE_SECONDS, max_entries: int = 2000):
        self.ttl, self.max_entries = ttl, max_entries
        self._data: dict[tuple, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key):
        hit = self._data.get(key)
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def put(self, key, value):
        with self._lock:
            if len(self._data) >= self.max_entries:
                self._data.clear()
            self._data[key] = (time.monotonic() + self.ttl, value)
        return value

    def clear(self):
        with self._lock:
            self._data.clear()


cache = SiteCache()


def site_version(firm=None) -> int:
    firm = firm or current_tenant()
    return int(firm.branding.get("site_version") or 0)


def bump_site_version() -> None:
    """Make every cached copy of this firm's site stale, and clear caches after the commit."""
    firm = current_tenant()
    tenant = db.session.get(Tenant, firm.id)
    branding = dict(tenant.branding or {})
    branding["site_version"] = int(branding.get("site_version") or 0) + 1
    db.session.execute(update(Tenant).where(Tenant.id == firm.id).values(branding=branding))
    clear_caches_after_commit()


def after_site_change() -> None:
    """After a commit that changed what visitors see: drop caches in this process."""
    resolver.invalidate()
    cache.clear()


def clear_caches_after_commit() -> None:
    """Run ``after_site_change`` once the change is committed (before, a reader re-caches the old)."""
    event.listen(db.session(), "after_commit", lambda _session: after_site_change(), once=True)


def get_public_media(key: str) -> StoredFile | None:
    """An image the owner put on the public site (anyone may see it), or None."""
    return get_file_of_kinds(key, PUBLIC_FILE_KINDS)


# --- the draft -------------------------------------------------------------


def visible_site_items_query(user, kind: str):
    """The site items of ``kind`` (see ``DELETABLE``) ``user`` may edit: managers all of them."""
    model = DELETABLE[kind]
    query = select(model)
    return query if user.is_manager else query.where(false())


def get_visible_site_item(user, kind: str, item_id: int):
    """One site item of ``kind`` ``user`` may edit, or None (also for an unknown kind)."""
    if kind not in DELETABLE:
        return None
    model = DELETABLE[kind]
    return db.session.scalar(visible_site_items_query(user, kind).where(model.id == item_id))


def ordered(model):
    return db.session.scalars(select(model).order_by(model.position, model.id)).all()


def next_position(model) -> int:
    last = db.session.scalar(select(model.position).order_by(model.position.desc()).limit(1))
    return (last or 0) + 1


def add_slide(
    image,
    title: str,
    subtitle: str,
    link: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
) -> SiteSlide:
    slide = SiteSlide(
        image=image,
        title=title.strip(),
        subtitle=subtitle.strip(),
        link=link,
        starts_at=starts_at,
        ends_at=ends_at,
        position=next_position(SiteSlide),
    )
    db.session.add(slide)
    db.session.flush()
    image.owner_id = slide.id
    return slide


def add_menu_item(label: str, url: str, parent_id: int | None) -> SiteMenuItem:
    """A menu link; children only under a top-level item (one level of nesting)."""
    if parent_id is not None:
        parent = db.session.get(SiteMenuItem, parent_id)
        if parent is None or parent.parent_id is not None:
            raise SiteError(_("Menus nest one level only."), field="parent_id")
    item = SiteMenuItem(
        label=label.strip(), url=url, parent_id=parent_id, position=next_position(SiteMenuItem)
    )
    db.session.add(item)
    return item


def save_section(section: SiteSection | None, kind: str, title: str, body: str) -> SiteSection:
    if section is None:
        section = SiteSection(kind=kind, position=next_position(SiteSection))
        db.session.add(section)
    section.title = title.strip()
    section.body_html = clean_html(body) if section.kind in RICH_SECTIONS else ""
    return section


def save_page(page: SitePage | None, slug: str, title: str, body: str) -> SitePage:
    """Add or change a page; its address must be free."""
    clash = select(SitePage.id).where(SitePage.slug == slug)
    if db.session.scalar(clash if page is None else clash.where(SitePage.id != page.id)):
        raise SiteError(_("A page already has this address."), field="slug")
    if page is None:
        page = SitePage()
        db.session.add(page)
    page.slug, page.title, page.body_html = slug, title.strip(), clean_html(body)
    return page


def add_announcement(
    title: str, body: str, publish_at: datetime | None, expires_at: datetime | None
) -> Announcement:
    """Announcements go live by their dates, without a publish step."""
    note = Announcement(
        title=title.strip(),
        body_html=clean_html(body),
        publish_at=publish_at or utcnow(),
        expires_at=expires_at,
    )
    db.session.add(note)
    bump_site_version()
    return note


def move(kind: str, item_id: int, direction: int) -> bool:
    """Swap an item with its neighbour above (-1) or below (+1); False at an end."""
    model = ORDERED[kind]
    items = ordered(model)
    if kind == "menu":
        current = db.session.get(model, item_id)
        items = [i for i in items if current and i.parent_id == current.parent_id]
    for index, item in enumerate(items):
        item.position = index
    ids = [i.id for i in items]
    if item_id not in ids:
        return False
    index = ids.index(item_id)
    other = index + direction
    if not 0 <= other < len(items):
        return False
    items[index].position, items[other].position = other, index
    return True


def delete(kind: str, item_id: int) -> bool:
    item = db.session.get(DELETABLE[kind], item_id)
    if item is None:
        return False
    if kind == "announcement":
        bump_site_version()
    record_audit(
        "site_item_deleted",
        kind,
        item_id,
        label=getattr(item, "title", None) or getattr(item, "label", None) or "",
    )
    db.session.delete(item)
    clear_caches_after_commit()
    return True


# --- snapshots and publishing ------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def draft_snapshot() -> dict:
    """What the site would look like if published now."""
    menu = ordered(SiteMenuItem)
    return {
        "slides": [
            {
                "image": s.image.key,
                "title": s.title,
                "subtitle": s.subtitle,
                "link": s.link,
                "starts_at": _iso(s.starts_at),
                "ends_at": _iso(s.ends_at),
            }
            for s in ordered(SiteSlide)
        ],
        "menu": [
            {
                "label": m.label,
                "url": m.url,
                "children": [{"label": c.label, "url": c.url} for c in menu if c.parent_id == m.id],
            }
            for m in menu
            if m.parent_id is None
        ],
        "sections": [
            {"kind": s.kind, "title": s.title, "body_html": s.body_html}
            for s in ordered(SiteSection)
            if s.enabled
        ],
        "pages": {
            p.slug: {"title": p.title, "body_html": p.body_html}
            for p in db.session.scalars(select(SitePage).order_by(SitePage.title))
        },
    }


def publish(user) -> SitePublication:
    """Freeze the draft into what visitors see, and invalidate cached copies."""
    publication = SitePublication(snapshot=draft_snapshot(), published_by_id=user.id)
    db.session.add(publication)
    bump_site_version()
    db.session.flush()
    record_audit("site_published", "site_publication", publication.id)
    return publication


def latest_publication() -> SitePublication | None:
    return db.session.scalar(select(SitePublication).order_by(SitePublication.id.desc()).limit(1))


def has_unpublished_changes() -> bool:
    latest = latest_publication()
    return latest is None or latest.snapshot != draft_snapshot()


def published_snapshot(firm=None) -> dict | None:
    """The published site of the bound firm, cached per site version."""
    firm = firm or current_tenant()
    key = ("snapshot", firm.id, site_version(firm))
    hit = cache.get(key)
    if hit is None:
        latest = latest_publication()
        hit = cache.put(key, {"snapshot": latest.snapshot if latest else None})
    return hit["snapshot"]


def live_announcements(now: datetime | None = None) -> list[dict]:
    now = now or utcnow()
    rows = db.session.scalars(
        select(Announcement)
        .where(Announcement.publish_at <= now)
        .where((Announcement.expires_at.is_(None)) | (Announcement.expires_at > now))
        .order_by(Announcement.publish_at.desc())
        .limit(10)
    )
    return [{"title": a.title, "body_html": a.body_html, "publish_at": a.publish_at} for a in rows]


def current_slides(snapshot: dict, now: datetime | None = None) -> list[dict]:
    """Slides whose schedule includes now."""
    now_iso = (now or utcnow()).astimezone(UTC).isoformat()
    return [
        s
        for s in snapshot.get("slides", [])
        if (not s["starts_at"] or s["starts_at"] <= now_iso)
        and (not s["ends_at"] or s["ends_at"] > now_iso)
    ]


def on_catalog_changed(_sender, **_kw):
    """Services shown on the home page changed: make cached copies stale."""
    bump_site_version()
