"""Events one feature raises and others react to, without importing each other.

Receivers get ``sender`` (the app) and keyword arguments; they run inside the
sender's transaction, after its flush and before its commit, with the firm bound.
"""

from blinker import Namespace

_events = Namespace()

#: A client placed a paid catalog order: kwargs item_id, client_company_id, amount_cents, currency.
order_placed = _events.signal("order-placed")
#: Any work item (order or business request) was created: kwargs item_id.
work_item_created = _events.signal("work-item-created")
#: A work item reached the "done" state: kwargs item_id.
work_item_completed = _events.signal("work-item-completed")
#: A client company's dedicated accountant changed: kwargs company_id, old_id, new_id, by_id.
dedicated_accountant_changed = _events.signal("dedicated-accountant-changed")
#: The firm's catalog changed (a service or category saved, flagged or deleted), after commit.
catalog_changed = _events.signal("catalog-changed")
#: A person can now be asked or reminded of things: an account created or enabled, or given
#: another role: kwargs user_id, role.
person_activated = _events.signal("person-activated")
#: A client company was marked lost or active again: kwargs company_id, status.
client_company_status_changed = _events.signal("client-company-status-changed")
