"""Money: contracts, invoices, payments, reminders, refunds and the firm's platform plan."""


def init_app(app) -> None:
    """Money's events, seeders, demo data, figures, order invoicing and the past-due guard."""
    from yk_saas import signals
    from yk_saas.billing import demo, dunning, events, read_only, receivers, reports, subscription
    from yk_saas.demo import add_demo_populator
    from yk_saas.notifications.services import register_events
    from yk_saas.reports import registry
    from yk_saas.seeding import add_firm_seeder

    register_events(*events.EVENT_TYPES)
    add_firm_seeder(dunning.seed_reminder_templates)
    add_firm_seeder(subscription.seed_subscription)
    add_demo_populator(demo.populate_money)
    registry.add_staff_provider(reports.staff_money, *reports.STAFF)
    registry.add_client_provider(reports.client_money, *reports.CLIENT)
    for card in reports.CARDS:
        registry.add_dashboard_card(card)
    signals.order_placed.connect(receivers.invoice_placed_order)
    app.before_request(read_only.refuse_staff_writes_while_past_due)
