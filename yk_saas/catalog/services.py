"""The catalog: categories and services, managed by admins and browsed by clients."""

import nh3
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, false, func, select, update

from tenants import db
from yk_saas.audit.services import record_audit
from yk_saas.catalog.models import BILLING_CYCLES, ServiceCategory, ServiceItem
from yk_saas.errors import UserError
from yk_saas.files.models import StoredFile
from yk_saas.files.services import IMAGES, MB, UploadError, save_upload
from yk_saas.search import matches
from yk_saas.signals import catalog_changed

MAX_IMAGE_BYTES = 5 * MB
ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "blockquote",
    "a",
}


class CatalogError(UserError):
    """A catalog change the user has to correct."""


def sanitize_description(html: str) -> str:
    """Keep simple formatting and links; drop scripts, styles and event handlers."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def categories():
    return db.session.scalars(
        select(ServiceCategory).order_by(ServiceCategory.sort_order, ServiceCategory.id)
    ).all()


def visible_categories_query(user):
    """The categories ``user`` may manage: staff all of them, clients none."""
    query = select(ServiceCategory)
    return query if user.is_staff else query.where(false())


def get_visible_category(user, category_id: int) -> ServiceCategory | None:
    """One category ``user`` may manage, or None."""
    return db.session.scalar(
        visible_categories_query(user).where(ServiceCategory.id == category_id)
    )


def clean_name(name: str, limit: int) -> str:
    name = (name or "").strip()
    if not name:
        raise CatalogError(_("A name is required."))
    if len(name) > limit:
        raise CatalogError(_("The name is too long."))
    return name


def save_category(
    name: str, sort_order: int = 0, category_id: int | None = None
) -> ServiceCategory:
    """Add a category, or rename and reorder one."""
    category = db.session.get(ServiceCategory, category_id) if category_id else ServiceCategory()
    if category is None:
        raise CatalogError(_("No such category."))
    category.name, category.sort_order = clean_name(name, 100), sort_order or 0
    db.session.add(category)
    db.session.flush()
    catalog_changed.send(current_app._get_current_object())
    return category


def delete_category(category_id: int) -> None:
    """Remove a category; its services stay, uncategorised."""
    db.session.execute(
        update(ServiceItem).where(ServiceItem.category_id == category_id).values(category_id=None)
    )
    db.session.execute(delete(ServiceCategory).where(ServiceCategory.id == category_id))
    record_audit("catalog_category_deleted", "catalog_category", category_id)
    catalog_changed.send(current_app._get_current_object())


def save_service(
    values: dict, image=None, service_id: int | None = None, user_id=None
) -> ServiceItem:
    """Create or update a service from validated form values, with an optional image."""
    service = db.session.get(ServiceItem, service_id) if service_id else ServiceItem()
    if service is None:
        raise CatalogError(_("No such service."))
    if values["billing_cycle"] not in BILLING_CYCLES:
        raise CatalogError(_("Choose a billing cycle from the list."))
    if values["price_cents"] is None or values["price_cents"] < 0:
        raise CatalogError(_("A price cannot be negative."))
    if values.get("category_id") and db.session.get(ServiceCategory, values["category_id"]) is None:
        raise CatalogError(_("No such category."))
    service.name = clean_name(values["name"], 200)
    service.description_html = sanitize_description(values.get("description", ""))
    for key in (
        "price_cents",
        "currency",
        "billing_cycle",
        "published",
        "recommended",
        "sort_order",
    ):
        setattr(service, key, values[key])
    service.category_id = values.get("category_id") or None
    db.session.add(service)
    db.session.flush()
    if image is not None and image.filename:
        try:
            stored = save_upload(
                image,
                allowed=IMAGES,
                max_bytes=MAX_IMAGE_BYTES,
                owner_type="catalog_service",
                owner_id=service.id,
                uploaded_by_id=user_id,
            )
        except UploadError as exc:
            raise CatalogError(str(exc), field="image") from exc
        service.image_file_id = stored.id
    catalog_changed.send(current_app._get_current_object())
    return service


def set_flag(service_id: int, flag: str, value: bool) -> ServiceItem:
    """Publish/unpublish or (un)recommend a service in place."""
    if flag not in ("published", "recommended"):
        raise CatalogError(_("Unknown setting."))
    service = db.session.get(ServiceItem, service_id)
    if service is None:
        raise CatalogError(_("No such service."))
    setattr(service, flag, value)
    catalog_changed.send(current_app._get_current_object())
    return service


def all_services():
    return db.session.scalars(
        select(ServiceItem).order_by(
            ServiceItem.category_id.nulls_last(), ServiceItem.sort_order, ServiceItem.id
        )
    ).all()


def published_services(category_id: int | None = None, search: str = ""):
    """What clients can browse: published only, recommended first."""
    query = select(ServiceItem).where(ServiceItem.published.is_(True))
    if category_id:
        query = query.where(ServiceItem.category_id == category_id)
    term = (search or "").strip()
    if term:
        query = query.where(matches(term, ServiceItem.name, ServiceItem.description_html))
    return db.session.scalars(
        query.order_by(ServiceItem.recommended.desc(), ServiceItem.sort_order, ServiceItem.id)
    ).all()


def visible_services_query(user):
    """The services ``user`` may see: staff all, clients the published ones."""
    query = select(ServiceItem)
    return query if user.is_staff else query.where(ServiceItem.published.is_(True))


def get_visible_service(user, service_id: int) -> ServiceItem | None:
    """One service ``user`` may see, or None."""
    return db.session.scalar(visible_services_query(user).where(ServiceItem.id == service_id))


def service_image(user, service_id: int) -> StoredFile | None:
    """The image of a service ``user`` may see, or None."""
    service = get_visible_service(user, service_id)
    if service is None or service.image_file_id is None:
        return None
    return db.session.get(StoredFile, service.image_file_id)


def count_published() -> int:
    return db.session.scalar(
        select(func.count(ServiceItem.id)).where(ServiceItem.published.is_(True))
    )


def recommended_services(limit: int = 6):
    """Published services marked recommended, for the firm's home page."""
    return db.session.scalars(
        select(ServiceItem)
        .where(ServiceItem.published.is_(True), ServiceItem.recommended.is_(True))
        .order_by(ServiceItem.sort_order, ServiceItem.id)
        .limit(limit)
    ).all()


def service_counts() -> dict[int, tuple[int, int]]:
    """Category id → (its services, of which published), in one query; the desk's counts."""
    rows = db.session.execute(
        select(
            ServiceItem.category_id,
            func.count(ServiceItem.id),
            func.count(ServiceItem.id).filter(ServiceItem.published.is_(True)),
        )
        .where(ServiceItem.category_id.is_not(None))
        .group_by(ServiceItem.category_id)
    ).all()
    return {category_id: (total, published) for category_id, total, published in rows}


def categories_with_counts():
    """(category, number of published services) in display order, in one query."""
    return db.session.execute(
        select(ServiceCategory, func.count(ServiceItem.id))
        .outerjoin(
            ServiceItem,
            (ServiceItem.category_id == ServiceCategory.id) & ServiceItem.published.is_(True),
        )
        .group_by(ServiceCategory.id)
        .order_by(ServiceCategory.sort_order, ServiceCategory.id)
    ).all()
