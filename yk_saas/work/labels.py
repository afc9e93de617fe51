"""Words the screens use for states, urgencies, policies and timeline events."""

from flask_babel import lazy_gettext as _l

STATE_LABELS = {
    "new": _l("New"),
    "assigned": _l("Assigned"),
    "in_progress": _l("In progress"),
    "waiting_on_client": _l("Waiting on client"),
    "done": _l("Done"),
    "cancelled": _l("Cancelled"),
}
URGENCY_LABELS = {"urgent": _l("Urgent"), "normal": _l("Normal"), "low": _l("Low")}
KIND_LABELS = {"order": _l("Order"), "request": _l("Request")}
APPROVAL_LABELS = {
    "auto": _l("Approved automatically"),
    "pending": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}
POLICY_LABELS = {
    "escalate": _l("Escalate to an admin for manual assignment"),
    "dedicated_first": _l("Client's dedicated accountant first"),
    "round_robin": _l("Round-robin among on-duty accountants"),
    "least_loaded": _l("Least-loaded on-duty accountant"),
}
OVERALL_LABELS = {"good": _l("Good"), "neutral": _l("Neutral"), "bad": _l("Bad")}
EVENT_LABELS = {
    "filed": _l("Request submitted"),
    "claimed": _l("Claimed from the pool"),
    "assigned": _l("Assigned by an admin"),
    "reassigned": _l("Reassigned by an admin"),
    "auto_assigned": _l("Assigned automatically after the claim timeout"),
    "escalated": _l("Nobody claimed it in time: escalated to the admins"),
    "approved": _l("Order approved"),
    "rejected": _l("Order rejected"),
    "reminded": _l("Reminder sent: no progress yet"),
    "stale_escalated": _l("Escalated: still no progress after a reminder"),
}

#: What the client reads of the events it is shown (``CLIENT_EVENTS``): no pools, claims,
#: timeouts or escalations, only who handles the work and what was decided.
CLIENT_EVENT_LABELS = {
    "filed": _l("Request submitted"),
    "claimed": _l("Handler assigned"),
    "assigned": _l("Handler assigned"),
    "auto_assigned": _l("Handler assigned"),
    "reassigned": _l("Handler changed"),
    "approved": _l("Order accepted"),
    "rejected": _l("Order declined"),
}
#: The events a client sees on its timeline; every other event is the firm's own business.
CLIENT_EVENTS = tuple(CLIENT_EVENT_LABELS)
#: Events whose line names the new handler (``details["to"]``, or the author who claimed).
HANDLER_EVENTS = ("claimed", "assigned", "auto_assigned", "reassigned")


def label_globals() -> dict:
    return {
        "state_labels": STATE_LABELS,
        "urgency_labels": URGENCY_LABELS,
        "kind_labels": KIND_LABELS,
        "approval_labels": APPROVAL_LABELS,
        "policy_labels": POLICY_LABELS,
        "overall_labels": OVERALL_LABELS,
        "event_labels": EVENT_LABELS,
        "client_event_labels": CLIENT_EVENT_LABELS,
        "handler_events": HANDLER_EVENTS,
    }
