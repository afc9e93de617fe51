"""Dunning (催费): reminders on a schedule, each step once per invoice, never at night.

Steps are days relative to the due date: −3, 0, +3, +7, +15, then every 15
days. A pass sends, for each open invoice, the latest step that has come and
has not been sent; the step's unique key (invoice, step) is inserted in the
same statement that picks who to remind, so two passes never send one step twice.
"""

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import String, func, select
from sqlalchemy.dialects.postgresql import insert

from tenants import current_tenant, db
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.billing.models import Invoice, ReminderSent, ReminderTemplate
from yk_saas.billing.services import BillingError, billing_settings
from yk_saas.billing.sms import queue_sms, sms_available
from yk_saas.models_base import utcnow
from yk_saas.money import format_money

FIXED_STEPS = (-3, 0, 3, 7, 15)
REPEAT_EVERY = 15
DEFAULT_TEMPLATES = {
    "zh_CN": (
        "付款提醒：账单 {number} 应付 {amount}",
        (
            "{client} 您好：\n\n账单 {number} 金额 {amount}，付款截止日 {due_date}。"
            "\n请通过以下链接查看并付款：{pay_link}\n\n如已付款，请忽略本提醒。"
        ),
    ),
    "en": (
        "Payment reminder: invoice {number}, {amount} due",
        (
            "Dear {client},\n\nInvoice {number} for {amount}, payment due date: {due_date}."
            "\nYou can see and pay it here: {pay_link}\n\nIf you have paid already, "
            "please ignore this reminder."
        ),
    ),
}
VARIABLES = ("client", "amount", "due_date", "number", "pay_link")


def seed_reminder_templates(session, firm) -> None:
    """zh-CN and English reminder wording for every new firm."""
    for locale, (subject, body) in DEFAULT_TEMPLATES.items():
        session.add(ReminderTemplate(locale=locale, subject=subject, body=body))


def step_for(days_after_due: int) -> int | None:
    """The latest schedule step reached ``days_after_due`` days after the due date."""
    if days_after_due < FIXED_STEPS[0]:
        return None
    if days_after_due < FIXED_STEPS[-1]:
        return max(s for s in FIXED_STEPS if s <= days_after_due)
    return FIXED_STEPS[-1] + (days_after_due - FIXED_STEPS[-1]) // REPEAT_EVERY * REPEAT_EVERY


def step_label(step_key: str) -> str:
    """A sent reminder's step in words: before, on or after the due date, or sent by staff."""
    if step_key.startswith("manual"):
        return _("Sent by staff")
    days = int(step_key.removeprefix("d"))
    if days < 0:
        return ngettext(
            "%(num)d day before the due date", "%(num)d days before the due date", -days
        )
    if days == 0:
        return _("On the due date")
    return ngettext("%(num)d day overdue", "%(num)d days overdue", days)


def in_quiet_hours(local: datetime, start_hour: int, end_hour: int) -> bool:
    """Whether a local time falls in [start, end), which may wrap past midnight."""
    if start_hour == end_hour:
        return False
    if start_hour < end_hour:
        return start_hour <= local.hour < end_hour
    return local.hour >= start_hour or local.hour < end_hour


def run_dunning(now: datetime | None = None) -> int:
    """Send the due reminder step of every open invoice; returns how many were sent."""
    now = now or utcnow()
    settings = billing_settings()
    local = now.astimezone(current_tenant().zone)
    if in_quiet_hours(local, settings.quiet_start_hour, settings.quiet_end_hour):
        return 0
    today = local.date()
    rows = db.session.execute(
        select(Invoice.id, Invoice.due_on).where(
            Invoice.status == "open", Invoice.due_on <= today - timedelta(days=FIXED_STEPS[0])
        )
    ).all()
    wanted = [
        {
            "invoice_id": i,
            "step_key": f"d{step_for((today - due).days)}",
            "channels": ["in_app", "email"],
            "sent_at": now,
        }
        for i, due in rows
    ]
    sent_ids = claim_steps(wanted)
    for start in range(0, len(sent_ids), 1000):
        send_reminders(sent_ids[start : start + 1000], today)
    charge_late_fees(settings, today)
    return len(sent_ids)


def late_fee_for(settings, invoice: Invoice) -> int:
    """The late fee of an overdue invoice under the firm's setting (0 when none)."""
    if settings.late_fee_kind == "fixed":
        return settings.late_fee_value
    if settings.late_fee_kind == "percent":
        return invoice.balance_cents * settings.late_fee_value // 10_000
    return 0


def charge_late_fees(settings, today: date) -> int:
    """One late-fee invoice per overdue invoice, if the firm charges late fees."""
    from yk_saas.billing.services import NewInvoice, create_invoice

    if settings.late_fee_kind == "none":
        return 0
    charged = select(Invoice.source_key).where(Invoice.source == "late_fee")
    overdue = db.session.scalars(
        select(Invoice).where(
            Invoice.status == "open",
            Invoice.due_on < today,
            Invoice.source != "late_fee",
            func.cast(Invoice.id, String).not_in(charged),
        )
    ).all()
    count = 0
    for invoice in overdue:
        fee = late_fee_for(settings, invoice)
        if fee > 0 and create_invoice(
            NewInvoice(
                company_id=invoice.company_id,
                amount_cents=fee,
                currency=invoice.currency,
                description=_("Late fee for invoice %(number)s", number=invoice.number),
                source="late_fee",
                source_key=str(invoice.id),
                issued_on=today,
                due_on=today + timedelta(days=7),
            )
        ):
            count += 1
    return count


def claim_steps(wanted: list[dict]) -> list[int]:
    """Insert the step keys; the ids returned are the invoices whose step is new."""
    claimed = []
    table = ReminderSent.__table__
    for start in range(0, len(wanted), 2000):
        claimed += db.session.scalars(
            insert(table)
            .values(wanted[start : start + 2000])
            .on_conflict_do_nothing(index_elements=["invoice_id", "step_key"])
            .returning(table.c.invoice_id)
        ).all()
    return claimed


class ReminderWriter:
    """What every reminder of a pass needs, loaded once: wording per language, the
    firm's address, the clients' users."""

    def __init__(self, company_ids):
        from yk_saas.urls import firm_base_url

        self.templates = {
            t.locale: (t.subject, t.body) for t in db.session.scalars(select(ReminderTemplate))
        }
        self.base_url = firm_base_url()
        self.sms = billing_settings().sms_enabled and sms_available()
        self.users: dict[int, list[User]] = {}
        for user in db.session.scalars(
            select(User).where(
                User.client_company_id.in_(set(company_ids)), User.is_active.is_(True)
            )
        ):
            self.users.setdefault(user.client_company_id, []).append(user)

    def wording(self, locale: str) -> tuple[str, str]:
        return (
            self.templates.get(locale)
            or next(iter(self.templates.values()), None)
            or DEFAULT_TEMPLATES["en"]
        )

    def render(self, invoice: Invoice, locale: str, pay_link: str) -> tuple[str, str]:
        """Subject and body of the firm's wording in ``locale``, variables filled in."""
        subject, body = self.wording(locale)
        values = {
            "client": invoice.company.name,
            "number": invoice.number,
            "amount": format_money(invoice.balance_cents, invoice.currency, locale),
            "due_date": invoice.due_on.isoformat(),
            "pay_link": pay_link,
        }
        for name in VARIABLES:
            subject = subject.replace("{" + name + "}", values[name])
            body = body.replace("{" + name + "}", values[name])
        return subject, body

    def send(self, invoice: Invoice, today: date) -> None:
        """In-app notice plus an e-mail in the firm's wording to each of the client's users."""
        from yk_saas.jobs import enqueue_after_commit
        from yk_saas.mail.jobs import deliver_email
        from yk_saas.mail.services import queue_email
        from yk_saas.notifications.services import notify

        link = f"/portal/billing/invoices/{invoice.id}"
        users = self.users.get(invoice.company_id, [])
        notify(
            "billing.reminder",
            [u.id for u in users],
            link=link,
            number=invoice.number,
            due_date=invoice.due_on.isoformat(),
        )
        firm = current_tenant()
        for user in users:
            subject, body = self.render(invoice, user.locale or firm.locale, self.base_url + link)
            email = queue_email(
                user.email,
                f"reminder:{invoice.id}:{today}:{user.id}",
                "billing_reminder",
                subject=subject,
                body=body,
            )
            enqueue_after_commit("high", deliver_email, firm.slug, email.id)
            if self.sms and user.phone:
                queue_sms(user.phone, subject)


def send_reminders(invoice_ids: list[int], today: date) -> None:
    """Send the reminders of these invoices, loading what they share once."""
    from sqlalchemy.orm import joinedload

    invoices = db.session.scalars(
        select(Invoice).options(joinedload(Invoice.company)).where(Invoice.id.in_(invoice_ids))
    ).all()
    writer = ReminderWriter(i.company_id for i in invoices)
    for invoice in invoices:
        writer.send(invoice, today)


def remind_now(invoice_id: int, by: User) -> None:
    """Staff's "send reminder now", refused within the firm's cooldown; caller commits."""
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id).with_for_update())
    if invoice is None or invoice.status != "open":
        raise BillingError(_("Only open invoices get reminders."))
    cooldown = timedelta(hours=billing_settings().reminder_cooldown_hours)
    last = invoice.last_manual_reminder_at
    if last is not None and utcnow() - last < cooldown:
        raise BillingError(_("A reminder was sent recently; try again later."))
    now = utcnow()
    invoice.last_manual_reminder_at = now
    # Kept beside the scheduled steps so that the invoice's reminder history shows it at once.
    db.session.add(
        ReminderSent(
            invoice_id=invoice.id,
            step_key=f"manual-{int(now.timestamp())}",
            channels=["in_app", "email"],
            sent_at=now,
        )
    )
    send_reminders([invoice.id], now.date())
    record_audit("reminder_sent", "invoice", invoice.id, actor=by)
