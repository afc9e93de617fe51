"""YK Cloud Accounting: the web application of accounting service firms."""

from flask import Flask

from yk_saas.config import (
    ROOT,
    apply_database_pooler,
    from_environment,
    refuse_unsafe_production,
)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, tenancy, blueprints, feature wiring, commands."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    refuse_unsafe_production(app.config)
    apply_database_pooler(app.config)
    trust_forwarding_proxies(app)
    from yk_saas.sessions import HostBoundSessionInterface

    app.session_interface = HostBoundSessionInterface()
    init_extensions(app)
    from yk_saas import bounded

    bounded.init_app(app)  # before the blueprints: their rules take the bounded converters
    register_blueprints(app)
    init_features(app)
    register_cli(app)
    from yk_saas import errors, templating

    errors.init_app(app)
    templating.init_app(app)
    check_access_declared(app)
    return app


def trust_forwarding_proxies(app: Flask) -> None:
    """Honour X-Forwarded-* from exactly the configured number of proxies (none by default)."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def init_extensions(app: Flask) -> None:
    from yk_saas import i18n, tenancy
    from yk_saas.accounts.services import may_manage
    from yk_saas.extensions import babel, csrf, db, htmx, login_manager

    db.init_app(app)
    tenancy.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    app.jinja_env.globals["may_manage"] = may_manage  # templates offer only allowed actions
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)


def register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from yk_saas.features import BLUEPRINT_MODULES

    for module_name in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(module_name).bp)


def init_features(app: Flask) -> None:
    from importlib import import_module

    from yk_saas.features import FEATURE_PACKAGES

    for package_name in FEATURE_PACKAGES:
        import_module(package_name).init_app(app)


def register_cli(app: Flask) -> None:
    from yk_saas.cli import register

    register(app)


def check_access_declared(app: Flask) -> None:
    from yk_saas.access import undeclared_views

    missing = undeclared_views(app)
    if missing:
        raise RuntimeError(f"views without an access declaration: {', '.join(missing)}")
