"""Sign-in throttling per (client address, account e-mail), in Redis.

The first ``LOGIN_MAX_FAILURES`` wrong passwords from one address for one
account cost nothing; after that each failure doubles the wait before that
address may try that account again, up to ``LOGIN_LOCK_MINUTES``. The person
is never locked out from their own addresses by someone else's guessing, and an
address that does not exist is throttled exactly like one that does, so the
answer tells nothing about which accounts exist.
"""

import math
import time

from flask import current_app

from yk_saas.extensions import redis_conn

BASE_DELAY_SECONDS = 2
#: A throttle is forgotten a day after its last failure.
KEEP_SECONDS = 86400
#: Failures on one account, from any address, counted per window for the warning e-mail.
ALERT_WINDOW_SECONDS = 3600


def _key(firm: str, address: str, email: str) -> str:
    return f"yk:signin:{firm}:{address}:{email.strip().lower()[:254]}"


def delay_after(failures: int) -> int:
    """Seconds an address waits after ``failures`` failures in a row (0 while they are free)."""
    free = current_app.config["LOGIN_MAX_FAILURES"]
    if failures < free:
        return 0
    cap = current_app.config["LOGIN_LOCK_MINUTES"] * 60
    return min(BASE_DELAY_SECONDS * 2 ** min(failures - free, 20), cap)


def wait_seconds(firm: str, address: str, email: str) -> int:
    """Seconds before ``address`` may try ``email`` again; 0 means now."""
    state = redis_conn().hgetall(_key(firm, address, email))
    failures, last = int(state.get(b"n", 0)), float(state.get(b"at", 0))
    return max(0, math.ceil(last + delay_after(failures) - time.time()))


def record_failure(firm: str, address: str, email: str) -> None:
    """Count one failed attempt from ``address`` on ``email``."""
    key = _key(firm, address, email)
    pipe = redis_conn().pipeline()
    pipe.hincrby(key, "n", 1)
    pipe.hset(key, "at", time.time())
    pipe.expire(key, KEEP_SECONDS)
    pipe.execute()


def forget(firm: str, address: str, email: str) -> None:
    """A successful sign-in from ``address`` clears its throttle on that account."""
    redis_conn().delete(_key(firm, address, email))


def should_alert(firm: str, user_id: int) -> bool:
    """Count a failure on the account from any address; True once per window, at the threshold."""
    key = f"yk:signin-alert:{firm}:{user_id}"
    conn = redis_conn()
    count = conn.incr(key)
    if count == 1:
        conn.expire(key, ALERT_WINDOW_SECONDS)
    return count == current_app.config["LOGIN_MAX_FAILURES"]
