"""Each client's monthly books: files, key figures, charts and tax-filing status."""


def init_app(app) -> None:
    """Ledger notifications, missing books on the to-do list, reminders for a newly active
    accountant, and the labels its templates use."""
    from yk_saas.ledgers import events, jobs, services
    from yk_saas.ledgers.forms import FIGURE_LABELS, FILING_LABELS, TAX_LABELS
    from yk_saas.notifications.services import register_events
    from yk_saas.reports import registry
    from yk_saas.signals import person_activated

    register_events(*events.EVENT_TYPES)
    registry.add_todo_provider(services.my_missing_books)
    person_activated.connect(jobs.accountant_added)
    app.context_processor(
        lambda: {
            "figure_labels": FIGURE_LABELS,
            "tax_labels": TAX_LABELS,
            "filing_labels": FILING_LABELS,
        }
    )
