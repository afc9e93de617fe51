"""Queueing and delivering e-mail. Sending happens in a job, never in a request.

A message is delivered by its own job; when Redis loses that job or SMTP fails,
the stuck-mail pass delivers it. The due-work index (kind ``mail``) says when a
firm's pass is worth running: a queued message marks the time it would count as
stuck, a failed one the time of its next try; the pass writes back the next such
time from the outbox, or removes the row when nothing waits.
"""

import contextlib
import smtplib
from contextvars import ContextVar
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from sqlalchemy import false, func, select

from tenants import current_tenant, db
from yk_saas import due
from yk_saas.bulk import insert_rows
from yk_saas.mail.models import FAILED, OUTBOX, QUEUED, SENT, OutboxEmail
from yk_saas.models_base import utcnow

MAX_ATTEMPTS = 5
DUE_KIND = "mail"
#: A message still queued this long after it was written lost its delivery job.
STUCK_AFTER = timedelta(minutes=2)
#: While messages wait for another try (or a pass was cut short), the pass runs this often.
RETRY_EVERY = timedelta(minutes=5)


MASK = "••••••"


def mask_link(url: str) -> str:
    """A link with its secret last segment hidden: ``…/reset/••••••``."""
    return url.rsplit("/", 1)[0] + "/" + MASK


def queue_email(
    to_address: str, kind: str, template: str, secret: dict | None = None, **context
) -> OutboxEmail:
    """Render ``emails/<template>`` into an outbox row; the caller commits, then enqueues.

    ``secret`` holds the context values only the recipient may read (links with a
    token, codes): the stored bodies show them masked; the full bodies are kept
    apart for delivery and for the recipient's own eyes.
    """
    context.setdefault("firm", current_tenant())
    subject = render_template(f"emails/{template}.subject.txt", **context).strip()
    masked = {key: mask_link(value) for key, value in (secret or {}).items()}
    text, html = _render_bodies(template, {**context, **masked})
    message = OutboxEmail(
        to_address=to_address,
        subject=subject,
        body_text=text,
        body_html=html,
        kind=kind,
        status=QUEUED,
    )
    if secret:
        message.secret_text, message.secret_html = _render_bodies(template, {**context, **secret})
    db.session.add(message)
    db.session.flush()
    due.mark_due(DUE_KIND, utcnow() + STUCK_AFTER)
    return message


def queue_emails(template: str, messages: list[tuple[str, str, dict]]) -> list[int]:
    """``queue_email`` for many (to address, kind, context) of one template, no secrets:
    the templates and the app's template context are looked up once and the rows
    go in one INSERT; returns the new ids. The caller commits."""
    if not messages:
        return []
    env = current_app.jinja_env
    subject_t, text_t, html_t = (
        env.get_template(f"emails/{template}.{suffix}") for suffix in ("subject.txt", "txt", "html")
    )
    shared = {"firm": current_tenant()}
    current_app.update_template_context(shared)
    now = utcnow()
    rows = []
    for to_address, kind, context in messages:
        values = {**shared, **context}
        rows.append(
            {
                "to_address": to_address,
                "subject": subject_t.render(values).strip(),
                "body_text": text_t.render(values),
                "body_html": html_t.render(values),
                "kind": kind,
                "status": QUEUED,
                "attempts": 0,
                "created_at": now,
            }
        )
    table = OutboxEmail.__table__
    ids = sorted(insert_rows(table, rows, returning=(table.c.id,)).scalars())
    due.mark_due(DUE_KIND, now + STUCK_AFTER)  # one mark for the batch, as for one message
    return ids


def _render_bodies(template: str, context: dict) -> tuple[str, str]:
    return (
        render_template(f"emails/{template}.txt", **context),
        render_template(f"emails/{template}.html", **context),
    )


def visible_emails_query(user):
    """The outbox messages ``user`` may read: managers all of them, others none."""
    query = select(OutboxEmail)
    return query if user.is_manager else query.where(false())


def get_visible_email(user, email_id: int) -> OutboxEmail | None:
    """One outbox message ``user`` may read, or None."""
    return db.session.scalar(visible_emails_query(user).where(OutboxEmail.id == email_id))


def readable_body(email: OutboxEmail, reader) -> str:
    """The text ``reader`` may see: in full only for the recipient's own account."""
    own = reader is not None and email.to_address.strip().lower() == reader.email.strip().lower()
    return email.secret_text if own and email.secret_text is not None else email.body_text


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def build_message(email: OutboxEmail) -> EmailMessage:
    firm = current_tenant()
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = email.to_address
    msg["Subject"] = email.subject
    msg["Message-ID"] = make_msgid(idstring=f"{firm.slug}.{email.id}")
    secret = email.secret_text is not None
    msg.set_content(email.secret_text if secret else email.body_text)
    html = email.secret_html if secret else email.body_html
    if html:
        msg.add_alternative(html, subtype="html")
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


def deliver_email(email_id: int, mark_retry: bool = True) -> str:
    """Send one queued message over SMTP, or keep it in the outbox with no SMTP set.

    Runs once per message: a message already sent or kept is left alone. An
    SMTP failure is recorded and re-raised, so the job is retried; ``mark_retry``
    also marks the firm's stuck-mail pass due then (the pass itself, which
    writes back its own next time, passes False).
    """
    email = claim_for_delivery(email_id)
    if email is None:
        db.session.rollback()
        return "skipped"
    if not smtp_configured():
        email.status = OUTBOX
        return OUTBOX
    try:
        send_over_smtp(build_message(email))
    except (OSError, smtplib.SMTPException) as exc:
        email.status = FAILED
        email.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if mark_retry and email.attempts < MAX_ATTEMPTS:
            due.mark_due(DUE_KIND, utcnow() + RETRY_EVERY)
        # Kept although the job fails: the attempt counts and the outbox shows the error.
        db.session.commit()
        raise
    email.status, email.sent_at, email.last_error = SENT, utcnow(), None
    # Delivered: the recipient has the link; nobody needs our copy of it.
    email.secret_text = email.secret_html = None
    return SENT


#: The open connection of the current ``smtp_batch()`` (a one-item list), None outside one.
_batch: ContextVar[list | None] = ContextVar("yk_smtp_batch", default=None)


def connect_smtp() -> smtplib.SMTP:
    """A new SMTP connection to the configured server, signed in."""
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=15)
    try:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


@contextlib.contextmanager
def smtp_batch():
    """Every message sent inside goes over one SMTP connection, opened on first use.

    A send that fails drops the connection (the next message opens a new one);
    the connection is closed when the batch ends.
    """
    holder = [None]
    token = _batch.set(holder)
    try:
        yield
    finally:
        _batch.reset(token)
        _close(holder)


def _close(holder: list) -> None:
    smtp, holder[0] = holder[0], None
    if smtp is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()
        smtp.close()


def send_over_smtp(message: EmailMessage) -> None:
    """Send one message: over the batch's connection inside ``smtp_batch()``, else its own."""
    holder = _batch.get()
    if holder is None:
        with connect_smtp() as smtp:
            smtp.send_message(message)
        return
    if holder[0] is None:
        holder[0] = connect_smtp()
    try:
        holder[0].send_message(message)
    except BaseException:
        _close(holder)
        raise


def deliver_emails(email_ids: list[int]) -> int:
    """Deliver these messages over one SMTP connection; returns how many were handled.

    Each message is claimed, sent and committed on its own, as a single delivery
    is, so a crash half-way sends none twice. An SMTP failure (recorded on its
    message) is raised: the job is retried and skips the messages already handled.
    """
    handled = 0
    with smtp_batch():
        for email_id in email_ids:
            outcome = deliver_email(email_id)
            # Per-message commit: a message must be marked sent before the next one goes out.
            db.session.commit()
            handled += outcome != "skipped"
    return handled


def deliver_stuck_mail() -> int:
    """Deliver the firm's stuck messages over one SMTP connection; returns how many went out.

    Each message is claimed, sent and committed on its own, as a single delivery
    is: a crash half-way leaves the sent ones marked sent and the rest stuck for
    the next pass. The first SMTP failure (recorded on its message) ends the
    batch: the server is unwell, the next pass tries again.
    """
    handled = 0
    with smtp_batch():
        for email_id in stuck_email_ids():
            try:
                outcome = deliver_email(email_id, mark_retry=False)
            except (OSError, smtplib.SMTPException):
                break
            # Per-message commit: a message must be marked sent before the next one goes out.
            db.session.commit()
            handled += outcome != "skipped"
    return handled


def waiting_mail():
    """A select of the messages not delivered yet that have tries left."""
    return select(OutboxEmail.id).where(
        OutboxEmail.status.in_([QUEUED, FAILED]), OutboxEmail.attempts < MAX_ATTEMPTS
    )


def stuck_email_ids() -> list[int]:
    """Messages that should have been sent by now: queued long ago, or failed with tries left."""
    cutoff = utcnow() - STUCK_AFTER
    query = waiting_mail().where(OutboxEmail.created_at < cutoff)
    return list(db.session.scalars(query.order_by(OutboxEmail.id).limit(500)))


def next_stuck_mail_due():
    """When the stuck-mail pass should run next, from the outbox (None: nothing waits).

    Messages that were stuck or failed and are still waiting (the pass stopped at
    an SMTP failure or at its batch size) are tried again after ``RETRY_EVERY``;
    otherwise the oldest queued message counts as stuck ``STUCK_AFTER`` after it
    was written.
    """
    now = utcnow()
    if db.session.execute(
        waiting_mail().where(OutboxEmail.created_at < now - STUCK_AFTER).limit(1)
    ).first():
        return now + RETRY_EVERY
    oldest = db.session.scalar(waiting_mail().with_only_columns(func.min(OutboxEmail.created_at)))
    return None if oldest is None else oldest + STUCK_AFTER
