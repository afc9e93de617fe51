"""Session cookies that are valid only on the host that issued them.

Cookies are host-only already; signing each with its host as salt also makes
a cookie copied from one firm's site worthless on another's.
"""

from flask import request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from tenants.resolve import normalize_host


class HostBoundSessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = [*(app.config.get("SECRET_KEY_FALLBACKS") or []), app.secret_key]
        return URLSafeTimedSerializer(
            keys,
            salt="yk-session@" + normalize_host(request.host),
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
