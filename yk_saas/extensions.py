"""Extension objects, bound to the app in ``create_app``."""

from flask import current_app
from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from redis import Redis
from rq import Queue

from tenants.db import db

__all__ = ["babel", "csrf", "db", "htmx", "login_manager", "queue", "redis_conn"]

babel = Babel()
csrf = CSRFProtect()
htmx = HTMX()
login_manager = LoginManager()

#: In order of priority. ``deadlines`` holds claim deadlines only, so mail never delays them.
QUEUE_NAMES = ("deadlines", "high", "default", "low")
DEADLINES_QUEUE = "deadlines"


def redis_conn() -> Redis:
    """The app's Redis connection (one client per process, pooled)."""
    conn = current_app.extensions.get("yk_redis")
    if conn is None:
        conn = Redis.from_url(current_app.config["REDIS_URL"])
        current_app.extensions["yk_redis"] = conn
    return conn


def queue(name: str = "default") -> Queue:
    """An RQ queue on the app's Redis."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=redis_conn())
