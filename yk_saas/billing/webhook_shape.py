"""The shape of a Stripe event, checked before it is handed on.

A correctly signed event can still be malformed (a test payload, a changed API
version, a hostile connected account): no ``data.object``, a string where a
number belongs, a number beyond a ``bigint``, an id missing. Such an event is
refused (400) before anything reads it, so routing never sees it.
"""

from yk_saas.bounded import BIGINT_MAX, INT_MAX

ID_MAX = 255
#: Fields of ``data.object`` read by the routing, and the type each must have when present.
OBJECT_FIELDS = {
    "id": str,
    "object": str,
    "status": str,
    "payment_status": str,
    "currency": str,
    "payment_intent": str,
    "subscription": str,
    "customer": str,
    "amount_total": int,
    "metadata": dict,
    "subscription_details": dict,
    "parent": dict,
}


class MalformedEvent(ValueError):
    """The event lacks a field the platform reads, or a field has the wrong type or size."""


def check_text(value, name: str, required: bool = False) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not value or len(value) > ID_MAX or "\x00" in value:
        raise MalformedEvent(name)


def check_number(value, name: str, high: int = BIGINT_MAX) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise MalformedEvent(name)


def check_metadata(meta, name: str) -> None:
    if meta is None:
        return
    if not isinstance(meta, dict) or not all(
        isinstance(v, str) and len(v) <= 500 for v in meta.values()
    ):
        raise MalformedEvent(name)
    invoice_id = meta.get("invoice_id")
    if invoice_id is not None and not (invoice_id.isdigit() and 0 < int(invoice_id) <= INT_MAX):
        raise MalformedEvent(f"{name}.invoice_id")


def check_object(obj) -> None:
    if not isinstance(obj, dict):
        raise MalformedEvent("data.object")
    for name, kind in OBJECT_FIELDS.items():
        value = obj.get(name)
        if kind is str:
            check_text(value, name)
        elif kind is int:
            check_number(value, name)
        elif value is not None and not isinstance(value, dict):
            raise MalformedEvent(name)
    check_metadata(obj.get("metadata"), "metadata")
    details = obj.get("subscription_details") or {}
    parent = (obj.get("parent") or {}).get("subscription_details")
    if parent is not None and not isinstance(parent, dict):
        raise MalformedEvent("parent.subscription_details")
    check_metadata(details.get("metadata"), "subscription_details.metadata")
    check_metadata((parent or {}).get("metadata"), "parent.subscription_details.metadata")


def check_event_shape(event) -> None:
    """Raise MalformedEvent unless ``event`` has the fields the platform reads, well typed."""
    if not isinstance(event, dict):
        raise MalformedEvent("event")
    check_text(event.get("id"), "id", required=True)
    check_text(event.get("type"), "type", required=True)
    check_text(event.get("account"), "account")
    check_number(event.get("created"), "created", INT_MAX * 4)
    data = event.get("data")
    if not isinstance(data, dict):
        raise MalformedEvent("data")
    check_object(data.get("object"))
