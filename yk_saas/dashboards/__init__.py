"""The firm dashboard and client value: cards built from every feature's figures."""


def init_app(app) -> None:
    """The dashboard cards this package owns."""
    from yk_saas.dashboards.cards import CARDS
    from yk_saas.reports import registry

    for card in CARDS:
        registry.add_dashboard_card(card)
