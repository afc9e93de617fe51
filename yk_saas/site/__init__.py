"""The firm's public site: branding, the home page builder, pages and announcements."""


def init_app(app) -> None:
    """The firm's branding on every page; demo home pages."""
    from yk_saas.demo import add_demo_populator
    from yk_saas.site import branding, demo

    app.context_processor(branding.branding_globals)
    add_demo_populator(demo.populate_site)
