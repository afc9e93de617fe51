"""The SMS/WeChat adapter: a signed JSON POST to the gateway URL the firm configured.

The receiver checks ``X-YK-Signature`` (``sha256=`` + hex HMAC-SHA256 of
``"<X-YK-Timestamp>.<raw body>"`` keyed with the shared secret) with
``verify_signature`` and refuses timestamps older than five minutes. The
request goes through ``yk_saas.outbound``: https to a public address only, no redirects.
"""

import hashlib
import hmac
import json
import secrets
import time

from yk_saas.outbound import OutboundError, post_json

SIGNATURE_HEADER = "X-YK-Signature"
TIMESTAMP_HEADER = "X-YK-Timestamp"
TOLERANCE_SECONDS = 300
TIMEOUT_SECONDS = 10


class WebhookError(RuntimeError):
    """The gateway did not accept the message; the job is retried."""


def new_secret() -> str:
    return secrets.token_hex(32)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None
) -> bool:
    """What a receiver runs: the signature matches and the timestamp is fresh."""
    try:
        age = abs((now or time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= TOLERANCE_SECONDS and hmac.compare_digest(
        sign(secret, timestamp, body), signature or ""
    )


def post_signed(url: str, secret: str, payload: dict) -> int:
    """POST ``payload`` as signed JSON; returns the HTTP status or raises ``WebhookError``.

    A URL the outbound rule refuses raises ``yk_saas.outbound.OutboundRefused`` (no retry).
    """
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        "User-Agent": "YK-Notifications/1",
    }
    try:
        return post_json(url, body, headers, timeout=TIMEOUT_SECONDS)
    except OutboundError as exc:
        raise WebhookError(f"gateway {exc}") from exc
