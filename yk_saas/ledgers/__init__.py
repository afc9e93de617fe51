"""Each client's monthly books: files, key figures, charts and tax-filing status."""


def init_app(app) -> None:
    """Ledger notifications, missing books on the to-do list, and the labels its templates use."""
    from yk_saas.ledgers import events, services
    from yk_saas.ledgers.forms import FIGURE_LABELS, FILING_LABELS, TAX_LABELS
    from yk_saas.notifications.services import register_events
    from yk_saas.reports import registry

    register_events(*events.EVENT_TYPES)
    registry.add_todo_provider(services.my_missing_books)
    app.context_processor(
        lambda: {
            "figure_labels": FIGURE_LABELS,
            "tax_labels": TAX_LABELS,
            "filing_labels": FILING_LABELS,
        }
    )
