"""The firm's public site: branding, the home page builder, pages and announcements."""


def init_app(app) -> None:
    """The firm's branding on every page; demo home pages; the home page follows the catalog."""
    from yk_saas.demo import add_demo_populator
    from yk_saas.signals import catalog_changed
    from yk_saas.site import branding, demo, services

    app.context_processor(branding.branding_globals)
    catalog_changed.connect(services.on_catalog_changed)
    add_demo_populator(demo.populate_site)
