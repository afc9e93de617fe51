"""The staff directory, duty and capacity, and performance by period."""


def init_app(app) -> None:
    """The ``metric`` template filter the performance pages use."""
    from yk_saas.dashboards.formatting import format_metric

    app.add_template_filter(format_metric, "metric")
