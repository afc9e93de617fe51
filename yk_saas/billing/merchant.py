"""A firm's own merchant accounts at online payment providers, secrets encrypted at rest.

``MERCHANT_SECRETS_KEY`` holds one or more Fernet keys separated by commas, newest
first: secrets are encrypted with the first and decrypted with any of them, so a key
is rotated by putting the new one in front, running ``flask billing
rotate-merchant-secrets`` (every firm's secrets re-encrypted with the new key), and
then dropping the old one. Without the setting no secret can be stored and the online
channels that need one stay off; the firm runs on bank transfer and offline recording.

A secret is written, never read back to a page: the settings page shows "set, ending
…1234". Secrets never appear in an owner's export (``export/services.py`` CREDENTIALS),
in the audit log (only which secrets changed) or in log lines.

A provider added later (``providers.py``) declares its fields in ``CHANNELS`` and
reads what it needs with ``merchant_credentials(name)``.
"""

import json
import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tenants import db
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.billing.models import MerchantSettings
from yk_saas.billing.services import BillingError
from yk_saas.models_base import utcnow


class MerchantKeyError(Exception):
    """``MERCHANT_SECRETS_KEY`` is malformed, or none of its keys opens a stored secret."""


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    #: What a valid value looks like (non-secret fields only).
    pattern: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Channel:
    """An online payment provider a firm can hold its own merchant account at."""

    name: str
    label: str
    fields: tuple[Field, ...]
    secrets: tuple[Field, ...]


CHANNELS = {
    channel.name: channel
    for channel in (
        Channel(
            "wechat_pay",
            _l("WeChat Pay"),
            fields=(
                Field("mch_id", _l("Merchant id (商户号)"), r"\d{8,12}", _l("8 to 12 digits")),
                Field("app_id", _l("AppID"), r"wx[0-9a-f]{16}", _l("wx followed by 16 characters")),
            ),
            secrets=(
                Field("api_v3_key", _l("APIv3 key")),
                Field("private_key", _l("Merchant API private key (PEM)")),
            ),
        ),
        Channel(
            "alipay",
            _l("Alipay"),
            fields=(Field("app_id", _l("AppID"), r"\d{16}", _l("16 digits")),),
            secrets=(
                Field("app_private_key", _l("Application private key")),
                Field("alipay_public_key", _l("Alipay public key")),
            ),
        ),
    )
}

#: Longest secret accepted (a 4096-bit PEM key is about 3,300 characters).
MAX_SECRET = 8000


def merchant_fernet() -> MultiFernet | None:
    """The keys of ``MERCHANT_SECRETS_KEY`` (first one encrypts), or None when not set."""
    raw = current_app.config.get("MERCHANT_SECRETS_KEY") or ""
    keys = [part.strip() for part in raw.split(",") if part.strip()]
    if not keys:
        return None
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise MerchantKeyError(
            "MERCHANT_SECRETS_KEY holds a value that is not a Fernet key (32 url-safe "
            "base64-encoded bytes); separate several keys with commas"
        ) from exc


def secrets_storable() -> bool:
    """Whether secrets can be stored (a usable key is configured)."""
    try:
        return merchant_fernet() is not None
    except MerchantKeyError:
        return False


def encrypt_secrets(values: dict[str, str]) -> str:
    fernet = merchant_fernet()
    if fernet is None:
        raise BillingError(_("Secrets cannot be stored: the platform has no encryption key set."))
    return fernet.encrypt(json.dumps(values).encode()).decode()


def decrypt_secrets(blob: str | None) -> dict[str, str]:
    if not blob:
        return {}
    fernet = merchant_fernet()
    if fernet is None:
        raise MerchantKeyError("MERCHANT_SECRETS_KEY is not set: stored secrets cannot be read")
    try:
        return json.loads(fernet.decrypt(blob.encode()))
    except InvalidToken as exc:
        raise MerchantKeyError(
            "no key in MERCHANT_SECRETS_KEY opens a stored merchant secret"
        ) from exc


def merchant_row(provider: str) -> MerchantSettings | None:
    return db.session.scalar(select(MerchantSettings).where(MerchantSettings.provider == provider))


def secret_hints(row: MerchantSettings | None) -> dict[str, str]:
    """The last four characters of each stored secret, for "set, ending …1234"."""
    if row is None or not row.secret_blob or not secrets_storable():
        return {}
    try:
        values = decrypt_secrets(row.secret_blob)
    except MerchantKeyError:
        return {}
    return {name: secret_tail(value) for name, value in values.items() if value}


def secret_tail(value: str) -> str:
    """The last four characters of a secret; of a PEM key, of its key material."""
    body = "".join(
        line.strip() for line in value.splitlines() if not line.strip().startswith("-----")
    )
    return (body or value.strip())[-4:]


def save_merchant_settings(
    provider: str, fields: dict[str, str], new_secrets: dict[str, str], by: User
) -> MerchantSettings:
    """Store a provider's identifiers and any secret typed anew; the caller commits.

    A secret left blank keeps the one stored. Identifiers are checked against their
    pattern; secrets need the encryption key.
    """
    channel = CHANNELS.get(provider)
    if channel is None:
        raise BillingError(_("Unknown payment provider."))
    cleaned = {}
    for spec in channel.fields:
        value = (fields.get(spec.name) or "").strip()
        if value and spec.pattern and not re.fullmatch(spec.pattern, value):
            raise BillingError(
                _("%(label)s: %(hint)s.", label=spec.label, hint=spec.hint), spec.name
            )
        cleaned[spec.name] = value
    typed = {}
    for spec in channel.secrets:
        value = (new_secrets.get(spec.name) or "").strip()
        if len(value) > MAX_SECRET:
            raise BillingError(_("This secret is too long."), spec.name)
        if value:
            typed[spec.name] = value
    row = merchant_row(provider)
    if typed and not secrets_storable():
        raise BillingError(
            _("Secrets cannot be stored: the platform has no encryption key set."),
            channel.secrets[0].name,
        )
    if row is None:
        row = MerchantSettings(provider=provider, fields={})
        db.session.add(row)
    stored = decrypt_secrets(row.secret_blob) if typed and row.secret_blob else {}
    if typed:
        row.secret_blob = encrypt_secrets({**stored, **typed})
    row.fields, row.updated_at, row.updated_by_id = cleaned, utcnow(), by.id
    db.session.flush()
    record_audit(
        "merchant_settings_changed",
        "merchant_settings",
        row.id,
        actor=by,
        provider=provider,
        fields=cleaned,
        secrets_changed=sorted(typed),
    )
    return row


def merchant_credentials(provider: str) -> tuple[dict, dict] | None:
    """(identifiers, secrets) of the firm's account at ``provider``, when complete and readable.

    None when the key is not configured, a field or secret is missing, or no key opens
    the secrets: the channel then stays off.
    """
    channel = CHANNELS.get(provider)
    row = merchant_row(provider)
    if channel is None or row is None or not secrets_storable():
        return None
    try:
        values = decrypt_secrets(row.secret_blob)
    except MerchantKeyError:
        return None
    if not all(row.fields.get(f.name) for f in channel.fields) or not all(
        values.get(f.name) for f in channel.secrets
    ):
        return None
    return dict(row.fields), values


def configured_channels() -> list[str]:
    """Providers whose merchant account is complete and readable (online channels on)."""
    return [name for name in CHANNELS if merchant_credentials(name) is not None]


def rotate_merchant_secrets() -> int:
    """Re-encrypt the bound firm's secrets with the first key; returns how many rows.

    Raises ``MerchantKeyError`` when no configured key opens a row (nothing is changed
    then: the caller rolls back).
    """
    fernet = merchant_fernet()
    if fernet is None:
        raise MerchantKeyError("MERCHANT_SECRETS_KEY is not set")
    rows = db.session.scalars(
        select(MerchantSettings).where(MerchantSettings.secret_blob.is_not(None)).with_for_update()
    ).all()
    for row in rows:
        try:
            row.secret_blob = fernet.rotate(row.secret_blob.encode()).decode()
        except InvalidToken as exc:
            raise MerchantKeyError(
                f"no key in MERCHANT_SECRETS_KEY opens the {row.provider} secrets"
            ) from exc
    db.session.flush()
    return len(rows)
