"""Each client's monthly books: files, key figures, charts and tax-filing status."""


def init_app(app) -> None:
    """Ledger notifications and the labels its templates use."""
    from yk_saas.ledgers import events, jobs
    from yk_saas.ledgers.forms import FIGURE_LABELS, FILING_LABELS, TAX_LABELS
    from yk_saas.notifications.services import register_events
    from yk_saas.signals import person_activated

    register_events(*events.EVENT_TYPES)
    person_activated.connect(jobs.accountant_added)
    app.context_processor(
        lambda: {
            "figure_labels": FIGURE_LABELS,
            "tax_labels": TAX_LABELS,
            "filing_labels": FILING_LABELS,
        }
    )
