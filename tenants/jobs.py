"""Jobs that carry their firm: the slug is the first argument of every job.

The wrapper binds the firm's schema before the job body runs and releases it
afterwards, so a worker serving many firms never mixes them up.
"""

import functools
from collections.abc import Callable
from contextlib import nullcontext

from flask import Flask, has_app_context

from tenants.binding import tenant_context
from tenants.db import db

_app_factory: Callable[[], Flask] | None = None
_worker_app: Flask | None = None


def set_app_factory(factory: Callable[[], Flask]) -> None:
    """Tell jobs how to build the app when they run outside an app context."""
    global _app_factory
    _app_factory = factory


def _app_context():
    global _worker_app
    if has_app_context():
        return nullcontext()
    if _worker_app is None:
        if _app_factory is None:
            raise RuntimeError("tenant job run with no app and no app factory")
        _worker_app = _app_factory()
    return _worker_app.app_context()


def tenant_job(fn):
    """Make ``fn(*args)`` a job called as ``job(slug, *args)`` with the firm bound.

    The job is one transaction boundary: what ``fn`` wrote is committed when it
    returns, and rolled back (by ``tenant_context``) when it raises.
    """

    @functools.wraps(fn)
    def run_for_tenant(slug: str, *args, **kwargs):
        with _app_context(), tenant_context(slug):
            result = fn(*args, **kwargs)
            db.session.commit()
            return result

    run_for_tenant.unbound = fn
    return run_for_tenant


def platform_job(fn):
    """A job about the platform as a whole: it gets an app context, no firm.

    Like a firm's job it is one transaction boundary: committed when ``fn``
    returns, rolled back when it raises.
    """

    @functools.wraps(fn)
    def run_on_platform(*args, **kwargs):
        with _app_context():
            try:
                result = fn(*args, **kwargs)
            except BaseException:
                db.session.rollback()
                raise
            db.session.commit()
            return result

    return run_on_platform
