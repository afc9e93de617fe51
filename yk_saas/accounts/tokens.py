"""One-time tokens: random secrets of which only a hash is stored."""

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from yk_saas.extensions import redis_conn

HANDOFF_SECONDS = 60


def new_token() -> tuple[str, str]:
    """A fresh secret for a link and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _handoff_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="yk-cross-host-login")


def make_handoff_token(slug: str, user_id: int) -> str:
    """A signed, short-lived token that signs a user in on the firm's host once."""
    return _handoff_serializer().dumps({"f": slug, "u": user_id, "n": secrets.token_hex(12)})


def redeem_handoff_token(token: str, slug: str) -> int | None:
    """The user id the token carries for firm ``slug``, at most once; else None."""
    try:
        data = _handoff_serializer().loads(token, max_age=HANDOFF_SECONDS)
    except (BadSignature, SignatureExpired):
        return None
    if data.get("f") != slug:
        return None
    first_use = redis_conn().set(f"yk:handoff:{data['n']}", 1, nx=True, ex=HANDOFF_SECONDS * 2)
    return int(data["u"]) if first_use else None
