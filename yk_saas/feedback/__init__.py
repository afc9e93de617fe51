"""Complaints, follow-up visits and satisfaction surveys."""


def init_app(app) -> None:
    """Feedback's notifications, staff and client figures, to-dos and template labels."""
    from yk_saas.feedback import complaints, followups, metrics, surveys
    from yk_saas.feedback.forms import METHOD_LABELS, STATE_LABELS
    from yk_saas.notifications.services import register_events
    from yk_saas.reports import registry
    from yk_saas.signals import client_company_status_changed, person_activated

    register_events(*complaints.EVENT_TYPES, *followups.EVENT_TYPES, *surveys.EVENT_TYPES)
    person_activated.connect(surveys.someone_to_ask)
    client_company_status_changed.connect(surveys.someone_to_ask)
    registry.add_staff_provider(metrics.staff_feedback, *metrics.STAFF.values())
    registry.add_client_provider(metrics.client_feedback, *metrics.CLIENT.values())
    registry.add_todo_provider(followups.my_followups)
    app.context_processor(
        lambda: {"complaint_state_labels": STATE_LABELS, "method_labels": METHOD_LABELS}
    )
