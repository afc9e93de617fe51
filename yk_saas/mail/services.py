"""Queueing and delivering e-mail. Sending happens in a job, never in a request."""

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from sqlalchemy import select

from tenants import current_tenant, db
from yk_saas.mail.models import FAILED, OUTBOX, QUEUED, SENT, OutboxEmail
from yk_saas.models_base import utcnow

MAX_ATTEMPTS = 5


def queue_email(to_address: str, kind: str, template: str, **context) -> OutboxEmail:
    """Render ``emails/<template>`` into an outbox row; the caller commits, then enqueues."""
    firm = current_tenant()
    context.setdefault("firm", firm)
    subject = render_template(f"emails/{template}.subject.txt", **context).strip()
    message = OutboxEmail(
        to_address=to_address,
        subject=subject,
        body_text=render_template(f"emails/{template}.txt", **context),
        body_html=render_template(f"emails/{template}.html", **context),
        kind=kind,
        status=QUEUED,
    )
    db.session.add(message)
    db.session.flush()
    return message


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def build_message(email: OutboxEmail) -> EmailMessage:
    firm = current_tenant()
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = email.to_address
    msg["Subject"] = email.subject
    msg["Message-ID"] = make_msgid(idstring=f"{firm.slug}.{email.id}")
    msg.set_content(email.body_text)
    if email.body_html:
        msg.add_alternative(email.body_html, subtype="html")
    return msg


def claim_for_delivery(email_id: int) -> OutboxEmail | None:
    """Lock a queued or failed message for sending; None if it is handled or taken."""
    email = db.session.scalar(
        select(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.status.in_([QUEUED, FAILED]))
        .with_for_update(skip_locked=True)
    )
    if email is not None:
        email.attempts += 1
    return email


def deliver_email(email_id: int) -> str:
    """Send one queued message over SMTP, or keep it in the outbox with no SMTP set.

    Runs once per message: a message already sent or kept is left alone. An
    SMTP failure is recorded and re-raised, so the job is retried.
    """
    email = claim_for_delivery(email_id)
    if email is None:
        db.session.rollback()
        return "skipped"
    if not smtp_configured():
        email.status = OUTBOX
        db.session.commit()
        return OUTBOX
    try:
        send_over_smtp(build_message(email))
    except (OSError, smtplib.SMTPException) as exc:
        email.status = FAILED
        email.last_error = f"{type(exc).__name__}: {exc}"[:500]
        db.session.commit()
        raise
    email.status, email.sent_at, email.last_error = SENT, utcnow(), None
    db.session.commit()
    return SENT


def send_over_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=15) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)


def stuck_email_ids(older_than_minutes: int = 2) -> list[int]:
    """Messages that should have been sent by now: queued long ago, or failed with tries left."""
    cutoff = utcnow() - timedelta(minutes=older_than_minutes)
    return list(db.session.scalars(
        select(OutboxEmail.id).where(
            OutboxEmail.created_at < cutoff,
            OutboxEmail.status.in_([QUEUED, FAILED]),
            OutboxEmail.attempts < MAX_ATTEMPTS,
        ).order_by(OutboxEmail.id).limit(500)
    ))
