"""Worker jobs of feedback: complaint follow-up checks, follow-up reminders, surveys."""

from tenants.jobs import platform_job, tenant_job
from yk_saas.feedback import complaints, followups, surveys
from yk_saas.jobs import for_each_firm


@platform_job
def complaint_followups_everywhere() -> int:
    """Periodic: ask clients whether their closed complaints are solved, in every firm."""
    return for_each_firm(send_complaint_followups)


@tenant_job
def send_complaint_followups() -> int:
    """Send the "is it solved?" check of every complaint whose day has come (once each)."""
    return complaints.send_due_followups()


@platform_job
def followup_reminders_everywhere() -> int:
    """Periodic: remind accountants of follow-up visits due by tomorrow, in every firm."""
    return for_each_firm(send_followup_reminders)


@tenant_job
def send_followup_reminders() -> int:
    """Remind each accountant once of each follow-up due by tomorrow."""
    return followups.remind_due_followups()


@platform_job
def surveys_everywhere() -> int:
    """Periodic: send this quarter's satisfaction survey in every firm."""
    return for_each_firm(send_satisfaction_surveys)


@tenant_job
def send_satisfaction_surveys() -> int:
    """Send this quarter's survey to client users not asked yet (idempotent per user and round)."""
    return surveys.send_surveys()
