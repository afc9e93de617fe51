"""Fixed-window rate limits in Redis for the doors people knock on: sign-in, signup, resets."""

import functools
import time

from flask import abort, current_app, g, request

from yk_saas.extensions import redis_conn


def hit(bucket: str, limit: int, per_seconds: int) -> bool:
    """Count one attempt in ``bucket``; False once more than ``limit`` fell in the window."""
    window = int(time.time() // per_seconds)
    key = f"yk:rl:{bucket}:{window}"
    pipe = redis_conn().pipeline()
    pipe.incr(key)
    pipe.expire(key, per_seconds + 1)
    count, _ = pipe.execute()
    return count <= limit


def rate_limited(name: str, limit: int, per_seconds: int, field: str | None = None):
    """Refuse a POST with 429 past ``limit`` per client address (and per ``field`` value)."""

    def decorator(view):
        @functools.wraps(view)
        def limited(*args, **kwargs):
            if request.method == "POST" and current_app.config.get("RATE_LIMITS", True):
                firm = getattr(g.get("tenant"), "slug", "-")
                buckets = [f"{name}:{firm}:ip:{request.remote_addr}"]
                if field and request.form.get(field):
                    buckets.append(
                        f"{name}:{firm}:{field}:{request.form[field].strip().lower()[:254]}"
                    )
                # Every bucket counts this request, even once one is over its limit.
                counted = [hit(b, limit, per_seconds) for b in buckets]
                if not all(counted):
                    abort(429)
            return view(*args, **kwargs)

        return limited

    return decorator
