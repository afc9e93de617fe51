"""Worker jobs of feedback: complaint follow-up checks, follow-up reminders, surveys.

Each is enqueued by the due-work index when its firm has something due, and
ends by writing the firm's next due time of its kind (``due.run_due_job``).
"""

from tenants.jobs import platform_job, tenant_job
from yk_saas import due
from yk_saas.feedback import complaints, followups, surveys
from yk_saas.jobs import for_each_firm


@platform_job
def complaint_followups_everywhere() -> int:
    """One complaint check job per firm, whatever the index says (kept for queued jobs)."""
    return for_each_firm(send_complaint_followups)


@tenant_job
def send_complaint_followups() -> int:
    """Send the "is it solved?" check of every complaint whose day has come (once each)."""
    return due.run_due_job(
        complaints.DUE_KIND, complaints.send_due_followups, complaints.next_followup_due
    )


@platform_job
def followup_reminders_everywhere() -> int:
    """One follow-up reminder job per firm, whatever the index says (kept for queued jobs)."""
    return for_each_firm(send_followup_reminders)


@tenant_job
def send_followup_reminders() -> int:
    """Remind each accountant once of each follow-up due by tomorrow."""
    return due.run_due_job(
        followups.DUE_KIND, followups.remind_due_followups, followups.next_reminder_due
    )


@platform_job
def surveys_everywhere() -> int:
    """One survey job per firm, whatever the index says (kept for queued jobs)."""
    return for_each_firm(send_satisfaction_surveys)


@tenant_job
def send_satisfaction_surveys() -> int:
    """Send this quarter's survey to client users not asked yet (idempotent per user and round)."""
    return due.run_due_job(surveys.DUE_KIND, surveys.send_surveys, surveys.next_survey_due)
