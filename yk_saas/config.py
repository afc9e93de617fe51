"""Settings from the environment, each with a safe default for local use."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(__file__).resolve().parent
DEV_SECRET = "dev-only-secret-not-for-production"


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver whatever scheme the URL came with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    """The app's configuration as read from the process environment."""
    env = os.environ.get("YK_ENV", "development")
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET),
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(
            os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/yk_saas")
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            # Backends that touched many firm schemas grow large: recycle them.
            "pool_recycle": 1800,
            "pool_size": int(os.environ.get("DB_POOL_SIZE", "5")),
        },
        # "pgbouncer" when DATABASE_URL reaches PostgreSQL through a transaction pooler.
        "DATABASE_POOLER": os.environ.get("DATABASE_POOLER", "").strip().lower(),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "PLATFORM_DOMAIN": os.environ.get("PLATFORM_DOMAIN", "localhost").lower(),
        "PREFERRED_URL_SCHEME": os.environ.get("URL_SCHEME", "http"),
        # Port of firm links in e-mails sent from jobs (no request to copy it from).
        "PUBLIC_PORT": os.environ.get("PUBLIC_PORT", ""),
        "STORAGE_DIR": os.environ.get("STORAGE_DIR", str(ROOT / "instance" / "files")),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": env_bool("SMTP_STARTTLS"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "YK Cloud Accounting <no-reply@localhost>"),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        # The platform's monthly plan (a Stripe Price id) for firms' subscriptions.
        "STRIPE_PRICE_MONTHLY": os.environ.get("STRIPE_PRICE_MONTHLY", ""),
        # Fernet keys (comma-separated, newest first) encrypting firms' merchant secrets.
        "MERCHANT_SECRETS_KEY": os.environ.get("MERCHANT_SECRETS_KEY", ""),
        # Reminders by SMS: JSON is posted here for an adapter to send (empty: no SMS).
        "SMS_WEBHOOK_URL": os.environ.get("SMS_WEBHOOK_URL", ""),
        # host:port listeners exempt from the public-https rule of firm URLs (tests, local only).
        "OUTBOUND_ALLOW_HOSTS": os.environ.get("OUTBOUND_ALLOW_HOSTS", ""),
        # Days an unverified custom-domain claim lives; it never blocks another firm's claim.
        "DOMAIN_CLAIM_DAYS": int(os.environ.get("DOMAIN_CLAIM_DAYS", "7")),
        # Off for a worker that should only drain its queues (one extra worker, tests).
        "PERIODIC_JOBS": env_bool("YK_PERIODIC_JOBS", True),
        # Names of periodic jobs this worker leaves out (a measurement of the others).
        "PERIODIC_SKIP": frozenset(
            name.strip()
            for name in os.environ.get("YK_PERIODIC_SKIP", "").split(",")
            if name.strip()
        ),
        # Items the claim-timeout sweep escalates or reminds per transaction.
        "WORK_SWEEP_BATCH": int(os.environ.get("YK_WORK_SWEEP_BATCH", "1000")),
        # The health page warns when a claim deadline was handled later than this.
        "CLAIM_LATENESS_WARN_SECONDS": float(os.environ.get("CLAIM_LATENESS_WARN_SECONDS", "30")),
        # Bearer token for /operators/metrics (empty: signed-in operators only).
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        "SESSION_COOKIE_NAME": "yk_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": ";".join(
            [str(PACKAGE / "translations"), *map(str, sorted(PACKAGE.glob("*/translations")))]
        ),
        "PUBLIC_MIGRATIONS": str(PACKAGE / "migrations" / "public"),
        "TENANT_MIGRATIONS": str(PACKAGE / "migrations" / "tenant"),
        # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: trust none).
        # Behind one load balancer set 1, so rate limits and the audit log see the client's address.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
    }


POOLERS = ("", "pgbouncer")


def pooler_connect_args(pooler: str) -> dict:
    """psycopg connect arguments for the pooler in front of PostgreSQL (none without one).

    In transaction pooling the next transaction may get another server
    connection, where a server-side prepared statement does not exist: psycopg
    must not prepare any.
    """
    if pooler not in POOLERS:
        raise RuntimeError(f"DATABASE_POOLER must be one of {POOLERS}, not {pooler!r}")
    return {"prepare_threshold": None} if pooler else {}


def apply_database_pooler(config) -> None:
    """Add the pooler's connect arguments to the engine options of the final config."""
    extra = pooler_connect_args(config.get("DATABASE_POOLER", ""))
    if extra:
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {**options.get("connect_args", {}), **extra}
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def refuse_unsafe_production(config) -> None:
    """Stop a production start-up that still runs on a development default."""
    if config.get("ENV_NAME") != "production":
        return
    if config.get("SECRET_KEY") in (None, "", DEV_SECRET) or len(config["SECRET_KEY"]) < 32:
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of 32+ characters in production"
        )
    if config.get("PLATFORM_DOMAIN") in ("localhost", ""):
        raise RuntimeError("PLATFORM_DOMAIN must be set in production")
    if config.get("OUTBOUND_ALLOW_HOSTS"):
        raise RuntimeError("OUTBOUND_ALLOW_HOSTS is for tests and local development only")
