"""Dunning (催费): reminders on a schedule, each step once per invoice, never at night.

Steps are days relative to the due date: −3, 0, +3, +7, +15, then every 15
days. A pass sends, for each open invoice, the latest step that has come and
has not been sent; the step's unique key (invoice, step) is inserted in the
same statement that picks who to remind, so two passes never send one step twice.
It works by batches of invoices (steps, notices and e-mails each one INSERT).

A pass runs when the due-work index (``yk_saas.due``, kind ``dunning``) says a
step is due: a new open invoice marks its first step, and each pass writes the
firm's next step time (``next_dunning_at``); a daily pass over every firm is the net.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Date, String, case, cast, func, literal, select

from tenants import current_tenant, db
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.billing.models import Invoice, ReminderSent, ReminderTemplate
from yk_saas.billing.services import BillingError, billing_settings
from yk_saas.billing.sms import queue_sms, sms_available
from yk_saas.bulk import insert_rows
from yk_saas.clients.models import ClientCompany
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


def step_key_sql(today: date):
    """``"d" + step_for(today - due_on)`` as SQL, for invoices at a step already."""
    days = literal(today, Date) - Invoice.due_on
    last = FIXED_STEPS[-1]
    step = case(
        *[(days < after, step) for step, after in pairwise(FIXED_STEPS)],
        else_=last + (days - last) // REPEAT_EVERY * REPEAT_EVERY,
    )
    return literal("d") + cast(step, String)


def in_quiet_hours(local: datetime, start_hour: int, end_hour: int) -> bool:
    """Whether a local time falls in [start, end), which may wrap past midnight."""
    if start_hour == end_hour:
        return False
    if start_hour < end_hour:
        return start_hour <= local.hour < end_hour
    return local.hour >= start_hour or local.hour < end_hour


#: Invoices claimed and reminded per round of a pass (one INSERT of steps, one of notices,
#: one of e-mails each).
BATCH = 1000
#: The kind of the firm's row in the due-work index (``yk_saas.due``).
DUE_KIND = "dunning"


def run_dunning(now: datetime | None = None) -> int:
    """Send the due reminder step of every open invoice; returns how many were sent.

    By batches of invoices: the steps are claimed by one ``INSERT … ON CONFLICT DO
    NOTHING RETURNING``, and only the invoices it returns are reminded, in the same
    transaction, so a concurrent or retried pass never sends a step twice.
    """
    now = now or utcnow()
    settings = billing_settings()
    local = now.astimezone(current_tenant().zone)
    if in_quiet_hours(local, settings.quiet_start_hour, settings.quiet_end_hour):
        return 0
    today = local.date()
    step_key = step_key_sql(today)
    # Invoices whose current step is sent already are left out here (an index look-up
    # each), so a pass that finds little new costs little; the INSERT still decides.
    sent_already = (
        select(ReminderSent.id)
        .where(ReminderSent.invoice_id == Invoice.id, ReminderSent.step_key == step_key)
        .exists()
    )
    rows = db.session.execute(
        select(Invoice.id, step_key)
        .where(
            Invoice.status == "open",
            Invoice.due_on <= today - timedelta(days=FIXED_STEPS[0]),
            ~sent_already,
        )
        .order_by(Invoice.id)
    ).all()
    sent = 0
    for start in range(0, len(rows), BATCH):
        wanted = [
            {"invoice_id": i, "step_key": key, "channels": ["in_app", "email"], "sent_at": now}
            for i, key in rows[start : start + BATCH]
        ]
        sent_ids = claim_steps(wanted)
        if sent_ids:
            send_reminders(sent_ids, today)
            sent += len(sent_ids)
    charge_late_fees(settings, today)
    return sent


def next_step_after(days_after_due: int) -> int:
    """The first schedule step after ``days_after_due`` days past the due date."""
    for step in FIXED_STEPS:
        if step > days_after_due:
            return step
    passed = (days_after_due - FIXED_STEPS[-1]) // REPEAT_EVERY + 1
    return FIXED_STEPS[-1] + passed * REPEAT_EVERY


def outside_quiet_hours(local: datetime, start_hour: int, end_hour: int) -> datetime:
    """``local``, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(local, start_hour, end_hour):
        return local
    end = local.replace(hour=end_hour, minute=0, second=0, microsecond=0)
    return end if end > local else end + timedelta(days=1)


def next_dunning_at(now: datetime | None = None) -> datetime | None:
    """When the firm next has dunning work: the first day an open invoice reaches a new
    step (or becomes overdue, when the firm charges late fees), moved out of the quiet
    hours; or a trial's end. None when there is nothing ahead.

    Read after a pass: every step reached by today has been claimed then, except in
    the quiet hours, when the pass did nothing and the end of them is next.
    """
    from yk_saas.billing.models import PlatformSubscription
    from yk_saas.billing.providers import stripe_configured

    now = now or utcnow()
    settings = billing_settings()
    zone = current_tenant().zone
    local = now.astimezone(zone)
    quiet = (settings.quiet_start_hour, settings.quiet_end_hour)
    today = local.date()
    due_dates = db.session.scalars(
        select(Invoice.due_on).where(Invoice.status == "open").distinct()
    ).all()
    days = []
    for due in due_dates:
        days.append(due + timedelta(days=next_step_after((today - due).days)))
        if settings.late_fee_kind != "none" and due >= today:
            days.append(due + timedelta(days=1))
    candidates = [
        outside_quiet_hours(datetime.combine(day, time(0), tzinfo=zone), *quiet) for day in days
    ]
    if in_quiet_hours(local, *quiet) and any(
        (today - due).days >= FIXED_STEPS[0] for due in due_dates
    ):
        candidates.append(outside_quiet_hours(local, *quiet))
    if stripe_configured():
        row = db.session.scalar(select(PlatformSubscription).limit(1))
        if (
            row is not None
            and row.status == "trialing"
            and row.trial_ends_at
            and not row.stripe_subscription_id
        ):
            candidates.append(row.trial_ends_at)
    return min(candidates).astimezone(UTC) if candidates else None


def mark_settings_changed() -> None:
    """Quiet hours or late fees changed: let the next tick recompute the firm's next time."""
    from yk_saas.due import mark_due

    mark_due(DUE_KIND, utcnow())


def mark_invoice_open(due_on: date) -> None:
    """A new open invoice: its first reminder step is due in the index (same transaction).

    Once per transaction unless earlier: a billing run opening thousands of invoices
    writes the firm's row a few times, not once per invoice.
    """
    from yk_saas.due import mark_due

    first = datetime.combine(
        due_on + timedelta(days=FIXED_STEPS[0]), time(0), tzinfo=current_tenant().zone
    )
    session = db.session()
    transaction = session.get_transaction()
    marked = session.info.get("yk_dunning_marked")
    if marked is not None and marked[0] is transaction and marked[1] <= first:
        return
    mark_due(DUE_KIND, first)
    session.info["yk_dunning_marked"] = (transaction, first)


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
    table = ReminderSent.__table__
    claimed = insert_rows(
        table, wanted, returning=(table.c.invoice_id,), unique_key=("invoice_id", "step_key")
    )
    return [] if claimed is None else list(claimed.scalars())


@dataclass(frozen=True)
class Reminded:
    """What a reminder says about its invoice (read as plain columns, thousands at a time)."""

    id: int
    company_id: int
    company_name: str
    number: str
    balance_cents: int
    currency: str
    due_on: date


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    locale: str | None
    phone: str | None


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
        self.users: dict[int, list[Recipient]] = {}
        for company_id, *user in db.session.execute(
            select(User.client_company_id, User.id, User.email, User.locale, User.phone).where(
                User.client_company_id.in_(set(company_ids)), User.is_active.is_(True)
            )
        ):
            self.users.setdefault(company_id, []).append(Recipient(*user))

    def wording(self, locale: str) -> tuple[str, str]:
        return (
            self.templates.get(locale)
            or next(iter(self.templates.values()), None)
            or DEFAULT_TEMPLATES["en"]
        )

    def render(self, invoice: Reminded, locale: str, pay_link: str) -> tuple[str, str]:
        """Subject and body of the firm's wording in ``locale``, variables filled in."""
        subject, body = self.wording(locale)
        values = {
            "client": invoice.company_name,
            "number": invoice.number,
            "amount": format_money(invoice.balance_cents, invoice.currency, locale),
            "due_date": invoice.due_on.isoformat(),
            "pay_link": pay_link,
        }
        for name in VARIABLES:
            subject = subject.replace("{" + name + "}", values[name])
            body = body.replace("{" + name + "}", values[name])
        return subject, body

    def send(self, invoices: list[Reminded], today: date) -> None:
        """In-app notices plus an e-mail in the firm's wording to each of the clients' users:
        one INSERT of the notices, one of the e-mails, a delivery job per batch of e-mails."""
        from yk_saas.mail.jobs import enqueue_deliveries
        from yk_saas.mail.services import queue_emails
        from yk_saas.notifications.services import notify_many

        firm = current_tenant()
        notices, messages = [], []
        for invoice in invoices:
            link = f"/portal/billing/invoices/{invoice.id}"
            users = self.users.get(invoice.company_id, [])
            params = {"number": invoice.number, "due_date": invoice.due_on.isoformat()}
            notices.append(([u.id for u in users], link, params))
            for user in users:
                subject, body = self.render(
                    invoice, user.locale or firm.locale, self.base_url + link
                )
                messages.append(
                    (
                        user.email,
                        f"reminder:{invoice.id}:{today}:{user.id}",
                        {"subject": subject, "body": body},
                    )
                )
                if self.sms and user.phone:
                    queue_sms(user.phone, subject)
        notify_many("billing.reminder", notices)
        enqueue_deliveries(queue_emails("billing_reminder", messages))


def send_reminders(invoice_ids: list[int], today: date) -> None:
    """Send the reminders of these invoices, loading what they share once."""
    balance = func.greatest(Invoice.amount_cents - Invoice.credited_cents - Invoice.paid_cents, 0)
    invoices = [
        Reminded(*row)
        for row in db.session.execute(
            select(
                Invoice.id,
                Invoice.company_id,
                ClientCompany.name,
                Invoice.number,
                balance,
                Invoice.currency,
                Invoice.due_on,
            )
            .join(ClientCompany, ClientCompany.id == Invoice.company_id)
            .where(Invoice.id.in_(invoice_ids))
            .order_by(Invoice.id)
        )
    ]
    ReminderWriter(i.company_id for i in invoices).send(invoices, today)


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
