"""Notifications, uploads, audit entries and money helpers that every feature uses."""

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tenants import db, tenant_context
from yk_saas.audit.models import AuditEntry
from yk_saas.files.services import UploadError, save_upload
from yk_saas.mail.models import OutboxEmail
from yk_saas.money import AmountError, format_money, parse_amount
from yk_saas.notifications import services as notifications
from yk_saas.notifications.jobs import send_notification_email

PDF = b"%PDF-1.4\n%test\n"


def upload(name, data):
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.mark.parametrize(
    "name, data",
    [
        ("evil.exe", b"MZ\x90\x00"),
        ("report.pdf.exe", PDF),
        ("fake.pdf", b"<script>alert(1)</script>"),
        ("image.png", PDF),
        ("noext", PDF),
        ("empty.pdf", b""),
        ("big.pdf", PDF + b"0" * 2048),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(app, firm_a, name, data):
    with app.test_request_context(), tenant_context("alpha"):
        with pytest.raises(UploadError):
            save_upload(
                upload(name, data),
                allowed=("pdf", "png"),
                max_bytes=1024,
                owner_type="test",
                owner_id=firm_a["ids"]["company_x"],
                uploaded_by_id=None,
            )
        assert not db.session.new


def test_upload_is_stored_under_a_random_name_with_a_safe_original_name(app, firm_a, tmp_path):
    with app.test_request_context(), tenant_context("alpha"):
        stored = save_upload(
            upload("../../etc/passwd.pdf", PDF),
            allowed=("pdf",),
            max_bytes=1024,
            owner_type="test",
            owner_id=firm_a["ids"]["company_x"],
            uploaded_by_id=None,
        )
        assert (
            stored.original_name == "passwd.pdf" and "/" not in stored.key and len(stored.key) >= 30
        )
        db.session.rollback()


def test_notification_reaches_the_badge_and_its_email_is_queued_once(app, firm_a, signed_in):
    from flask_babel import lazy_gettext

    notifications.register_events(notifications.EventType("test_ping", lazy_gettext("Ping")))
    with app.test_request_context(base_url="http://alpha.yk.test"), tenant_context("alpha"):
        (note_id,) = notifications.notify("test_ping", [firm_a["ids"]["accountant"]], link="/desk/")
        db.session.commit()
    client = signed_in(firm_a, "accountant")
    badge = client.get("/notifications/badge", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert (
        'id="notification-badge"' in badge
        and '<span class="count">' in badge
        and "<html" not in badge
    )
    with app.app_context():
        send_notification_email("alpha", note_id)
        send_notification_email("alpha", note_id)
        with tenant_context("alpha"):
            count = db.session.scalar(
                select(func.count(OutboxEmail.id)).where(
                    OutboxEmail.kind == f"notification:{note_id}"
                )
            )
    assert count == 1
    client.post("/notifications/read", headers={"HX-Request": "true"})
    assert '<span class="count">' not in client.get("/notifications/badge").get_data(as_text=True)


def test_another_users_notification_cannot_be_opened(app, firm_a, signed_in):
    with app.test_request_context(base_url="http://alpha.yk.test"), tenant_context("alpha"):
        (note_id,) = notifications.notify("test_ping", [firm_a["ids"]["admin"]], link="/desk/")
        db.session.commit()
    assert signed_in(firm_a, "accountant").post(f"/notifications/{note_id}/open").status_code == 404


def test_sign_in_is_audited(app, firm_a, signed_in):
    with app.app_context(), tenant_context("alpha"):
        before = db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "sign_in")
        )
    signed_in(firm_a, "admin")
    with app.app_context(), tenant_context("alpha"):
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sign_in").order_by(AuditEntry.id.desc())
        ).first()
        after = db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "sign_in")
        )
    assert after == before + 1 and entry.actor_label == firm_a["admin"] and entry.ip


@pytest.mark.parametrize(
    "text, cents", [("12", 1200), ("12.5", 1250), ("1,234.56", 123456), ("0", 0)]
)
def test_amounts_parse_to_exact_minor_units(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["-1", "1.234", "abc", "", "NaN", "Infinity", "1e3x"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_money_is_formatted_per_locale():
    assert format_money(123450, "CNY", "zh_CN") == "¥1,234.50"
    assert format_money(123450, "USD", "en") == "$1,234.50"
