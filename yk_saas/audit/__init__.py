"""The audit log: who did what, when and from where; append-only in the database."""


def init_app(app) -> None:
    """Every new firm's audit log is append-only."""
    from yk_saas.audit.services import seed_append_only_audit
    from yk_saas.seeding import add_firm_seeder

    add_firm_seeder(seed_append_only_audit)
