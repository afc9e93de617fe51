"""The app's feature areas, registered in this order. One line per blueprint module."""

BLUEPRINT_MODULES = [
    "yk_saas.common_views",
    "yk_saas.platform.views",
    "yk_saas.site.views",
    "yk_saas.accounts.views",
    "yk_saas.accounts.account_views",
    "yk_saas.portal.views",
    "yk_saas.desk.views",
    "yk_saas.accounts.people_views",
    "yk_saas.clients.views",
    "yk_saas.mail.views",
    "yk_saas.notifications.views",
    "yk_saas.site.builder_views",
    "yk_saas.site.branding_views",
    "yk_saas.audit.views",
    "yk_saas.domains.views",
    "yk_saas.operators.views",
    "yk_saas.export.views",
]
