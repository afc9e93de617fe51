"""The ledger notifications."""

from flask_babel import lazy_gettext as _l

from yk_saas.notifications.services import EventType

EVENT_TYPES = (
    EventType("ledger_ready", _l("Your books for %(period)s are ready")),
    EventType("ledger_missing", _l("%(count)s clients still lack their books for %(period)s")),
)
