"""Work items: orders and business requests, claims, timeouts, progress and ratings."""


def init_app(app) -> None:
    """Work's notifications, settings seeder, demo data, figures, dashboard cards and to-dos."""
    from yk_saas.demo import add_demo_populator
    from yk_saas.notifications.services import register_events
    from yk_saas.reports import registry
    from yk_saas.seeding import add_firm_seeder
    from yk_saas.work import demo, events, reports, settings, todo

    register_events(*events.EVENT_TYPES)
    add_firm_seeder(settings.seed_work_settings)
    add_demo_populator(demo.populate_work)
    registry.add_staff_provider(reports.staff_work_figures, *reports.STAFF)
    registry.add_client_provider(reports.client_work_figures, *reports.CLIENT)
    registry.add_todo_provider(todo.my_work)
    for card in reports.CARDS:
        registry.add_dashboard_card(card)
