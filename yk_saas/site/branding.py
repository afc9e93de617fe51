"""The firm's look: colours as CSS variables (contrast checked), logo and favicon.

Branding lives in ``Tenant.branding`` (the registry row), next to the contact
details the desk settings page edits: it is in every request's firm snapshot.
"""

import functools
import hashlib

from flask import url_for
from flask_babel import lazy_gettext as _l

from tenants import TenantInfo

DEFAULT_PRIMARY = "#1d5fd1"
DEFAULT_ACCENT = "#0f2f66"
MIN_CONTRAST = 4.5
COLOUR_MESSAGES = {
    "primary": _l("The main colour is too light to read on white (contrast below 4.5:1)."),
    "accent": _l("Text on the banner colour would be hard to read (contrast below 4.5:1)."),
}
DARK_INK, LIGHT_INK, PAGE_BACKGROUND = "#1f2937", "#ffffff", "#ffffff"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink_for(background: str) -> str:
    """White or dark text, whichever reads better on ``background``."""
    return (
        LIGHT_INK if contrast(background, LIGHT_INK) >= contrast(background, DARK_INK) else DARK_INK
    )


def colour_problem(primary: str, accent: str) -> str | None:
    """Why these colours cannot be used, or None. Messages are msgids for the caller."""
    if contrast(primary, PAGE_BACKGROUND) < MIN_CONTRAST:
        return "primary"
    if contrast(accent, ink_for(accent)) < MIN_CONTRAST:
        return "accent"
    return None


def colours(branding: dict) -> dict[str, str]:
    primary = branding.get("primary") or DEFAULT_PRIMARY
    accent = branding.get("accent") or DEFAULT_ACCENT
    return {"primary": primary, "accent": accent}


def brand_css(branding: dict) -> str:
    """The per-firm stylesheet: only CSS variables, from validated colours."""
    c = colours(branding)
    return (
        ":root{"
        f"--brand:{c['primary']};--brand-ink:{ink_for(c['primary'])};"
        f"--accent:{c['accent']};--accent-ink:{ink_for(c['accent'])};"
        "}\n"
    )


@functools.lru_cache(maxsize=4096)
def _version_of(css: str) -> str:
    return hashlib.sha256(css.encode()).hexdigest()[:12]


def brand_version(branding: dict) -> str:
    return _version_of(brand_css(branding))


def brand_css_url(firm: TenantInfo) -> str:
    return url_for("site.brand_stylesheet", v=brand_version(firm.branding))


def media_url(key: str | None) -> str | None:
    return url_for("site.media", key=key) if key else None


def branding_globals():
    """Template helpers, registered on every request of the app."""
    return {"brand_css_url": brand_css_url, "site_media_url": media_url}


def save_branding(
    primary: str,
    accent: str,
    support_consent: bool,
    logo_key: str | None = None,
    favicon_key: str | None = None,
) -> None:
    """Store the firm's colours, images and support consent; caches are cleared after commit."""
    from sqlalchemy import update

    from tenants import current_tenant, db
    from tenants.models import Tenant
    from yk_saas.audit.services import record_audit
    from yk_saas.site.services import clear_caches_after_commit

    firm = current_tenant()
    tenant = db.session.get(Tenant, firm.id)
    data = dict(tenant.branding or {})
    data.update(
        primary=primary.lower(), accent=accent.lower(), support_consent=bool(support_consent)
    )
    if logo_key:
        data["logo_key"] = logo_key
    if favicon_key:
        data["favicon_key"] = favicon_key
    db.session.execute(update(Tenant).where(Tenant.id == firm.id).values(branding=data))
    record_audit(
        "branding_changed",
        "firm",
        firm.id,
        primary=data["primary"],
        accent=data["accent"],
        support_consent=data["support_consent"],
    )
    clear_caches_after_commit()


def store_image(upload, field: str, allowed: tuple[str, ...], uploaded_by_id: int) -> str | None:
    """Keep an uploaded logo or favicon; its key, or None when no file was sent."""
    from tenants import current_tenant
    from yk_saas.files.services import MB, UploadError, save_upload
    from yk_saas.site.services import SiteError

    if upload is None or not upload.filename:
        return None
    try:
        stored = save_upload(
            upload,
            allowed=allowed,
            max_bytes=2 * MB,
            owner_type=f"site_{field}",
            owner_id=current_tenant().id,
            uploaded_by_id=uploaded_by_id,
        )
    except UploadError as exc:
        raise SiteError(str(exc), field=field) from exc
    return stored.key


def update_branding(form_data: dict, files: dict, uploaded_by_id: int) -> None:
    """Check the colours, keep the images and store the branding; a problem raises SiteError."""
    from yk_saas.site.services import SiteError

    problem = colour_problem(form_data["primary"], form_data["accent"])
    if problem:
        raise SiteError(str(COLOUR_MESSAGES[problem]), field=problem)
    logo = store_image(files.get("logo"), "logo", ("png", "jpeg", "webp"), uploaded_by_id)
    favicon = store_image(files.get("favicon"), "favicon", ("png",), uploaded_by_id)
    save_branding(
        form_data["primary"], form_data["accent"], form_data["support_consent"], logo, favicon
    )
