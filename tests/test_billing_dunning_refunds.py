"""Dunning with the clock in hand, refunds walked through, credit limits."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tenants import db, tenant_context
from tests.support.billing import new_company, new_invoice
from yk_saas.accounts.models import User
from yk_saas.billing import credit, dunning, refunds, services
from yk_saas.billing.models import Invoice, RefundRequest, ReminderSent
from yk_saas.mail.models import OutboxEmail
from yk_saas.notifications.models import Notification


def dun(now) -> int:
    """A dunning pass as its job runs it: the job's boundary commits."""
    sent = dunning.run_dunning(now)
    db.session.commit()
    return sent


@pytest.fixture
def alpha(app, firm_a):
    with app.app_context(), tenant_context("alpha"):
        yield firm_a


def at(day: date, hour_shanghai: int) -> datetime:
    """A UTC instant that is ``hour_shanghai`` o'clock in Asia/Shanghai on ``day``."""
    return datetime(
        day.year, day.month, day.day, hour_shanghai - 8 if hour_shanghai >= 8 else 0, tzinfo=UTC
    )


def steps_of(invoice_id):
    return db.session.scalars(
        select(ReminderSent.step_key)
        .where(ReminderSent.invoice_id == invoice_id)
        .order_by(ReminderSent.id)
    ).all()


def client_user(company_id: int) -> User:
    from tests.support import PASSWORD
    from tests.support.billing import unique
    from yk_saas.accounts.services import create_user

    email = unique("payer").replace(" ", "-") + "@money.example.com"
    user = create_user(email, "Payer", "client", PASSWORD, client_company_id=company_id)
    db.session.commit()
    return user


def test_each_step_is_sent_once_and_never_after_payment(alpha):
    company_id = new_company()
    client_user(company_id)
    invoice_id = new_invoice(company_id, 20000, due=date(2031, 3, 10), issued=date(2031, 3, 1))
    for day in (
        date(2031, 3, 1),
        date(2031, 3, 7),
        date(2031, 3, 7),
        date(2031, 3, 8),
        date(2031, 3, 10),
        date(2031, 3, 10),
        date(2031, 3, 14),
    ):
        dun(at(day, 10))
    assert steps_of(invoice_id) == ["d-3", "d0", "d3"]
    emails = db.session.scalars(
        select(OutboxEmail.subject).where(OutboxEmail.kind.like(f"reminder:{invoice_id}:%"))
    ).all()
    assert len(emails) == 3 and all(db.session.get(Invoice, invoice_id).number in s for s in emails)
    services.record_offline_payment(
        invoice_id,
        20000,
        "cash",
        "",
        date(2031, 3, 15),
        db.session.get(User, alpha["ids"]["admin"]),
    )
    db.session.commit()
    for day in (date(2031, 3, 17), date(2031, 3, 25), date(2031, 5, 1)):
        dun(at(day, 10))
    assert steps_of(invoice_id) == ["d-3", "d0", "d3"]


def test_late_steps_repeat_every_fifteen_days(alpha):
    assert [dunning.step_for(d) for d in (-4, -3, -1, 0, 2, 3, 7, 14, 15, 29, 30, 44, 45)] == [
        None,
        -3,
        -3,
        0,
        0,
        3,
        7,
        7,
        15,
        15,
        30,
        30,
        45,
    ]


def test_no_reminder_at_night_in_the_firms_time_zone(alpha):
    company_id = new_company()
    invoice_id = new_invoice(company_id, 20000, due=date(2032, 4, 10), issued=date(2032, 4, 1))
    night = datetime(2032, 4, 10, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    early = datetime(2032, 4, 10, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    assert dun(night) == 0 and dun(early) == 0
    assert steps_of(invoice_id) == []
    dun(datetime(2032, 4, 10, 2, 0, tzinfo=UTC))  # 10:00
    assert steps_of(invoice_id) == ["d0"]


def test_reminder_uses_the_firms_wording_with_variables(alpha):
    company_id = new_company()
    user = client_user(company_id)
    invoice_id = new_invoice(company_id, 123456, due=date(2033, 1, 10), issued=date(2033, 1, 1))
    dun(at(date(2033, 1, 10), 11))
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == user.email))
    assert "¥1,234.56" in email.subject and "2033-01-10" in email.body_text
    assert f"/portal/billing/invoices/{invoice_id}" in email.body_text
    assert db.session.scalar(
        select(Notification.id).where(
            Notification.user_id == user.id, Notification.event == "billing.reminder"
        )
    )


def test_send_reminder_now_has_a_cooldown(app, firm_a, signed_in):
    with app.app_context(), tenant_context("alpha"):
        invoice_id = new_invoice(firm_a["ids"]["company_x"], 1000)
    admin = signed_in(firm_a, "admin")
    admin.post(f"/desk/billing/invoices/{invoice_id}/remind")
    page = admin.get(f"/desk/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert "提醒已发送" in page
    admin.post(f"/desk/billing/invoices/{invoice_id}/remind")
    page = admin.get(f"/desk/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert "刚刚已发送过提醒" in page


def test_an_accountant_reminds_their_own_client_and_the_history_shows_it_in_words(
    app, firm_a, signed_in
):
    with app.app_context(), tenant_context("alpha"):
        company_id = new_company(accountant_id=firm_a["ids"]["accountant"])
        client_user(company_id)
        invoice_id = new_invoice(company_id, 1000, due=date(2026, 11, 3))
        dun(at(date(2026, 11, 10), 10))
    accountant = signed_in(firm_a, "accountant")
    assert "逾期 7 天" in accountant.get(f"/desk/billing/invoices/{invoice_id}").get_data(
        as_text=True
    )
    assert accountant.post(f"/desk/billing/invoices/{invoice_id}/remind").status_code == 302
    page = accountant.get(f"/desk/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert "提醒已发送" in page and "由工作人员发送" in page and "manual-" not in page
    # Someone else's client: the invoice does not exist for them, and nothing is sent.
    other = signed_in(firm_a, "accountant2")
    assert other.post(f"/desk/billing/invoices/{invoice_id}/remind").status_code == 404
    with app.app_context(), tenant_context("alpha"):
        assert len(steps_of(invoice_id)) == 2


def paid_invoice(amount=30000):
    company_id = new_company()
    client = client_user(company_id)
    invoice_id = new_invoice(company_id, amount)
    services.record_offline_payment(
        invoice_id, amount, "bank_transfer", "", date(2026, 11, 2), db.session.get(User, 2)
    )
    db.session.commit()
    return db.session.get(Invoice, invoice_id), client


def test_a_refund_above_what_was_paid_is_refused_with_a_clear_message(alpha):
    invoice, client = paid_invoice(30000)
    refund = refunds.request_refund(invoice, "Booked twice", client)
    db.session.commit()
    with pytest.raises(services.BillingError, match="退款不能超过已付金额"):
        refunds.move(refund, "propose", db.session.get(User, alpha["ids"]["admin"]), None, 30001)
    db.session.rollback()


def test_a_refund_walked_through_every_step_leaves_a_trail(alpha):
    invoice, client = paid_invoice(30000)
    admin = db.session.get(User, alpha["ids"]["admin"])
    refund = refunds.request_refund(invoice, "Wrong tax filing", client)
    refunds.move(refund, "ask_info", admin, "Which month?")
    refunds.move(refund, "add_info", client, "October")
    refunds.move(refund, "propose", admin, None, 10000)
    refunds.move(refund, "dispute", client, "Too little")
    refunds.move(refund, "propose", admin, None, 15000)
    refunds.move(refund, "accept", client)
    refunds.move(refund, "execute", admin)
    refunds.move(refund, "close", admin)
    db.session.commit()
    refund = db.session.get(RefundRequest, refund.id)
    assert [s.action for s in refund.steps] == [
        "request",
        "ask_info",
        "add_info",
        "propose",
        "dispute",
        "propose",
        "accept",
        "execute",
        "close",
    ]
    assert refund.state == "closed" and refund.agreed_cents == 15000
    assert db.session.get(Invoice, invoice.id).refunded_cents == 15000
    with pytest.raises(services.BillingError):
        refunds.move(refund, "execute", admin)
    db.session.rollback()


def test_crossing_the_credit_limit_warns_once_per_crossing(alpha):
    company_id = new_company(accountant_id=alpha["ids"]["accountant"])
    credit.set_credit_limit(company_id, 50000, "CNY")
    db.session.commit()

    def warnings():
        return len(
            db.session.scalars(
                select(Notification).where(
                    Notification.event == "billing.credit_limit",
                    Notification.user_id == alpha["ids"]["accountant"],
                    Notification.params["amount"].as_integer() > 0,
                    Notification.link == f"/desk/billing/clients/{company_id}",
                )
            ).all()
        )

    first = new_invoice(company_id, 40000)
    credit.check_credit_limit(company_id)
    db.session.commit()
    assert warnings() == 0
    new_invoice(company_id, 20000)
    credit.check_credit_limit(company_id)
    new_invoice(company_id, 1000)
    credit.check_credit_limit(company_id)
    db.session.commit()
    assert warnings() == 1
    services.record_offline_payment(
        first, 40000, "cash", "", date(2026, 11, 5), db.session.get(User, alpha["ids"]["admin"])
    )
    db.session.commit()
    new_invoice(company_id, 40000)
    credit.check_credit_limit(company_id)
    db.session.commit()
    assert warnings() == 2


def test_client_walks_a_refund_request_in_the_portal(app, firm_a, signed_in):
    with app.app_context(), tenant_context("alpha"):
        invoice_id = new_invoice(firm_a["ids"]["company_x"], 8000)
        services.record_offline_payment(
            invoice_id,
            8000,
            "cash",
            "",
            date(2026, 11, 2),
            db.session.get(User, firm_a["ids"]["admin"]),
        )
        db.session.commit()
    client = signed_in(firm_a, "client_x")
    response = client.post(f"/portal/billing/invoices/{invoice_id}", {"reason": "Double billed"})
    assert response.status_code == 302
    refund_path = response.headers["Location"]
    refund_id = int(refund_path.rstrip("/").rsplit("/", 1)[1])
    admin = signed_in(firm_a, "admin")
    too_much = admin.post(f"/desk/billing/refunds/{refund_id}/propose", {"amount": "80.01"})
    assert too_much.status_code == 422 and "退款不能超过已付金额" in too_much.get_data(as_text=True)
    admin.post(f"/desk/billing/refunds/{refund_id}/propose", {"amount": "80.00"})
    client.post(f"/portal/billing/refunds/{refund_id}/accept")
    admin.post(f"/desk/billing/refunds/{refund_id}/execute")
    page = client.get(f"/portal/billing/refunds/{refund_id}").get_data(as_text=True)
    assert "已退款" in page and "已接受方案" in page  # the firm works in Chinese


def test_a_late_fee_is_charged_once_when_the_firm_asks_for_it(alpha):
    settings = services.billing_settings()
    settings.late_fee_kind, settings.late_fee_value = "percent", 500  # 5 %
    db.session.commit()
    try:
        invoice_id = new_invoice(
            new_company(), 20000, due=date(2034, 2, 1), issued=date(2034, 1, 20)
        )
        for day in (date(2034, 2, 1), date(2034, 2, 2), date(2034, 2, 6)):
            dun(at(day, 10))
        fees = db.session.scalars(
            select(Invoice).where(
                Invoice.source == "late_fee", Invoice.source_key == str(invoice_id)
            )
        ).all()
        assert [f.amount_cents for f in fees] == [1000]
    finally:
        settings = services.billing_settings()
        settings.late_fee_kind, settings.late_fee_value = "none", 0
        db.session.commit()


def test_reminders_go_by_sms_through_the_webhook_adapter(app, alpha, monkeypatch, redis):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from rq import Queue

    from yk_saas.billing.sms import send_sms

    received = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(app.config, "SMS_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/sms")
    services.billing_settings().sms_enabled = True
    db.session.commit()
    try:
        company_id = new_company()
        user = client_user(company_id)
        user.phone = "+8613800138000"
        db.session.commit()
        invoice_id = new_invoice(company_id, 5000, due=date(2036, 5, 10), issued=date(2036, 5, 1))
        dun(at(date(2036, 5, 10), 11))
        jobs = [
            j
            for j in Queue("high", connection=redis).jobs
            if j.func_name.endswith("send_sms") and j.args[1] == "+8613800138000"
        ]
        assert len(jobs) == 1
        assert send_sms(*jobs[0].args) == 200
        number = db.session.get(Invoice, invoice_id).number
        assert received == [{"to": "+8613800138000", "text": received[0]["text"], "firm": "alpha"}]
        assert number in received[0]["text"]
    finally:
        server.shutdown()
        services.billing_settings().sms_enabled = False
        db.session.commit()


def test_a_reminder_template_with_an_unknown_variable_is_refused(app, firm_a, signed_in):
    """A typo such as {amout} would reach the client as typed: the template is not saved."""
    from yk_saas.billing.models import ReminderTemplate

    with app.app_context(), tenant_context("alpha"):
        template = db.session.scalar(
            select(ReminderTemplate).where(ReminderTemplate.locale == "zh_CN")
        )
        template_id, before = template.id, (template.subject, template.body)
    admin = signed_in(firm_a, "admin")
    refused = admin.post(
        f"/desk/admin/billing/templates/{template_id}",
        {"subject": "提醒 {number}", "body": "{client} 您好，请支付 {amout}。"},
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "{amout}" in body and "{amount}" in body
    with app.app_context(), tenant_context("alpha"):
        template = db.session.get(ReminderTemplate, template_id)
        assert (template.subject, template.body) == before
    saved = admin.post(
        f"/desk/admin/billing/templates/{template_id}",
        {"subject": "提醒 {number}", "body": "{client} 您好，请支付 {amount}。"},
    )
    assert saved.status_code in (302, 303)
    with app.app_context(), tenant_context("alpha"):
        template = db.session.get(ReminderTemplate, template_id)
        assert template.body == "{client} 您好，请支付 {amount}。"
        template.subject, template.body = before
        db.session.commit()
