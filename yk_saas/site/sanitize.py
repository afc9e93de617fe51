"""Owner-entered HTML and links, made safe before they are stored or shown."""

import re

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "a",
    "span",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan"}, "th": {"colspan"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
_SAFE_LINK = re.compile(r"^(https?://[^\s<>\"']+|/(?!/)[^\s<>\"'\\]*)$", re.IGNORECASE)
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def clean_html(html: str | None) -> str:
    """Rich text without scripts, event handlers, styles or dangerous URLs."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def safe_link(url: str | None) -> str | None:
    """``url`` if it is a site path or an http(s) address, else None."""
    url = (url or "").strip()
    if not url:
        return ""
    return url if _SAFE_LINK.match(url) else None


def is_hex_colour(value: str | None) -> bool:
    return bool(value and _HEX_COLOUR.match(value))
