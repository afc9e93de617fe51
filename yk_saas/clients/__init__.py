"""Client companies (CRM): contacts, tags, notes, dedicated accountants, import and export."""


def init_app(app) -> None:
    """Accountant-change history and notifications, client labels for templates, demo companies."""
    from yk_saas import signals
    from yk_saas.clients import demo, events, services
    from yk_saas.demo import add_demo_populator
    from yk_saas.notifications.services import register_events

    register_events(*events.EVENT_TYPES)
    signals.dedicated_accountant_changed.connect(services.record_accountant_change)
    app.context_processor(client_labels)
    add_demo_populator(demo.populate_clients)


def client_labels() -> dict:
    from yk_saas.clients.forms import SIZE_LABELS, SOURCE_LABELS, STATUS_LABELS, TAX_TYPE_LABELS

    return {
        "size_labels": SIZE_LABELS,
        "tax_type_labels": TAX_TYPE_LABELS,
        "source_labels": SOURCE_LABELS,
        "client_status_labels": STATUS_LABELS,
    }
