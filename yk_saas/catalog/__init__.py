"""Service catalog: categories and the services a firm sells."""


def init_app(app) -> None:
    """Billing-cycle labels for every template that shows a service."""
    from yk_saas.catalog.forms import CYCLE_LABELS

    app.context_processor(lambda: {"cycle_labels": CYCLE_LABELS})
