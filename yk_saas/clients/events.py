"""The client notifications: a change of dedicated accountant, told to both sides."""

from flask_babel import lazy_gettext as _l

from yk_saas.notifications.services import EventType

EVENT_TYPES = (
    EventType("client_assigned", _l("You are now the dedicated accountant of %(company)s")),
    EventType("client_accountant_changed", _l("%(accountant)s is now your dedicated accountant")),
)
