"""Complaints, follow-up checks, follow-up visits and surveys."""

import io
import re
from datetime import date, timedelta

from sqlalchemy import select

from tenants import db, tenant_context
from yk_saas.audit.models import AuditEntry
from yk_saas.feedback.models import Complaint, FollowUp, SurveyResponse
from yk_saas.notifications.models import Notification

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 20


def file_complaint(client, title):
    response = client.post(
        "/portal/feedback/complaints/",
        {
            "title": title,
            "description": "The VAT was filed late.",
            "about_accountant": "y",
            "about_item": "R-1001",
            "files": (io.BytesIO(PNG), "proof.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_complaint_flow_with_followup_check(app, firm_a, signed_in_en):
    client = signed_in_en(firm_a, "client_x")
    complaint_id = file_complaint(client, "Late VAT filing")
    with app.app_context(), tenant_context("alpha"):
        assert db.session.scalar(
            select(Notification.id).where(
                Notification.event == "complaint_filed",
                Notification.user_id == firm_a["ids"]["admin"],
                Notification.link == f"/desk/feedback/complaints/{complaint_id}",
            )
        )
    admin = signed_in_en(firm_a, "admin")
    assert "Late VAT filing" in admin.get("/desk/feedback/complaints/").get_data(as_text=True)
    admin.post(
        f"/desk/feedback/complaints/{complaint_id}/notes",
        {"body": "Internal: check the filing log"},
    )
    no_text = admin.post(
        f"/desk/feedback/complaints/{complaint_id}/state", {"state": "resolved", "resolution": ""}
    )
    assert no_text.status_code == 422
    admin.post(
        f"/desk/feedback/complaints/{complaint_id}/state",
        {"state": "resolved", "resolution": "We paid the late fee for you."},
    )
    page = client.get(f"/portal/feedback/complaints/{complaint_id}").get_data(as_text=True)
    assert "We paid the late fee for you." in page and "Internal: check" not in page
    # The promised follow-up is on the 回访 list, due the day the client is asked.
    followups = admin.get("/desk/feedback/followups/").get_data(as_text=True)
    assert "Complaint follow-up: &#34;Late VAT filing&#34;" in followups
    key = re.search(r"/portal/feedback/complaints/files/([\w-]+)", page).group(1)
    assert client.get(f"/portal/feedback/complaints/files/{key}").data == PNG
    other = signed_in_en(firm_a, "client_y")
    assert other.get(f"/portal/feedback/complaints/{complaint_id}").status_code == 404
    assert other.get(f"/portal/feedback/complaints/files/{key}").status_code == 404
    assert (
        signed_in_en(firm_a, "accountant2")
        .get(f"/desk/feedback/complaints/{complaint_id}")
        .status_code
        == 404
    )

    from yk_saas.feedback.complaints import send_due_followups

    with app.test_request_context(base_url="http://alpha.yk.test"), tenant_context("alpha"):
        complaint = db.session.get(Complaint, complaint_id)
        assert send_due_followups(now=complaint.resolved_at) == 0  # not due yet
        later = complaint.followup_due_at + timedelta(minutes=1)
        assert send_due_followups(now=later) >= 1
        assert send_due_followups(now=later) == 0
        asked = db.session.scalars(
            select(Notification).where(
                Notification.event == "complaint_followup",
                Notification.link == f"/portal/feedback/complaints/{complaint_id}",
            )
        ).all()
        assert len(asked) == 1 and asked[0].user_id == firm_a["ids"]["client_x"]
        assert db.session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.action == "complaint_resolved", AuditEntry.target_id == complaint_id
            )
        )
    client.post(f"/portal/feedback/complaints/{complaint_id}/answer", {"solved": "no"})
    with app.app_context(), tenant_context("alpha"):
        assert db.session.get(Complaint, complaint_id).state == "investigating"


def test_followups_are_planned_logged_and_reminded_once(app, firm_a, signed_in_en):
    from yk_saas.feedback.followups import remind_due_followups

    company_y = firm_a["ids"]["company_y"]
    admin = signed_in_en(firm_a, "admin")
    day = date.today() + timedelta(days=1)
    assert (
        admin.post(
            f"/desk/feedback/followups/company/{company_y}",
            {"scheduled_for": day.isoformat(), "method": "visit", "purpose": "Quarterly review"},
        ).status_code
        == 302
    )
    with app.test_request_context(base_url="http://alpha.yk.test"), tenant_context("alpha"):
        followup = db.session.scalars(
            select(FollowUp).where(FollowUp.company_id == company_y).order_by(FollowUp.id.desc())
        ).first()
        followup.accountant_id = firm_a["ids"]["accountant2"]
        followup_id = followup.id
        db.session.commit()
        assert remind_due_followups(today=date.today()) >= 1
        assert remind_due_followups(today=date.today()) == 0
    admin.post(
        f"/desk/feedback/followups/{followup_id}/log",
        {"outcome": "Happy with the service", "satisfaction": "4"},
    )
    page = admin.get(f"/desk/feedback/followups/company/{company_y}").get_data(as_text=True)
    assert "Happy with the service" in page and "★★★★" in page


def test_survey_is_sent_once_per_round_and_answered_by_the_client(app, firm_a, signed_in_en):
    from yk_saas.feedback.surveys import send_surveys

    with app.test_request_context(base_url="http://alpha.yk.test"), tenant_context("alpha"):
        first = send_surveys("2020-Q1")
        assert first >= 2 and send_surveys("2020-Q1") == 0
        db.session.commit()  # the job's boundary commits
        survey_id = db.session.scalar(
            select(SurveyResponse.id).where(
                SurveyResponse.round == "2020-Q1",
                SurveyResponse.user_id == firm_a["ids"]["client_x"],
            )
        )
    client = signed_in_en(firm_a, "client_x")
    assert 'id="open-survey"' in client.get("/portal/").get_data(as_text=True)
    assert client.post(f"/portal/feedback/surveys/{survey_id}", {"score": "11"}).status_code == 422
    assert (
        client.post(
            f"/portal/feedback/surveys/{survey_id}", {"score": "9", "comment": "Quick answers"}
        ).status_code
        == 302
    )
    assert (
        signed_in_en(firm_a, "client_y").get(f"/portal/feedback/surveys/{survey_id}").status_code
        == 404
    )
    results = (
        signed_in_en(firm_a, "admin")
        .get("/desk/feedback/surveys/?round=2020-Q1")
        .get_data(as_text=True)
    )
    assert "Quick answers" in results and "1 of" in results


def test_index_jobs_run_per_firm_and_a_second_run_sends_nothing(app, firm_a):
    from yk_saas.due import DUE_KINDS
    from yk_saas.feedback.jobs import (
        send_complaint_followups,
        send_followup_reminders,
        send_satisfaction_surveys,
    )

    names = {spec.target for spec in DUE_KINDS.values()}
    assert {
        "yk_saas.feedback.jobs.send_complaint_followups",
        "yk_saas.feedback.jobs.send_satisfaction_surveys",
        "yk_saas.feedback.jobs.send_followup_reminders",
        "yk_saas.ledgers.jobs.send_ledger_reminders",
    } <= names
    with app.test_request_context(base_url="http://alpha.yk.test"):
        for job in (send_complaint_followups, send_followup_reminders, send_satisfaction_surveys):
            job("alpha")
            assert job("alpha") == 0
