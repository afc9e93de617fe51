"""Dunning by batches and through the due-work index: two passes at once still send each
step once; a new open invoice marks its first step due; a pass writes the firm's next
step time (out of the quiet hours); the per-firm fan-out is only a daily net."""

import threading
import time
from datetime import UTC, date, datetime, timedelta

from rq import Queue
from sqlalchemy import func, select, text

from tenants import current_tenant, db, tenant_context
from tests.support.billing import new_company, new_invoice, open_invoices_for_dunning
from tests.support.firms import provision_firm, unique_slug
from tests.support.work import firm
from yk_saas import due
from yk_saas.billing import dunning
from yk_saas.billing.models import ReminderSent
from yk_saas.extensions import QUEUE_NAMES
from yk_saas.jobs import PERIODIC_JOBS
from yk_saas.mail.models import OutboxEmail
from yk_saas.models_base import utcnow
from yk_saas.notifications.models import Notification


def dunning_row(slug):
    return db.session.execute(
        select(due.due_work.c.due_at, due.due_work.c.version).where(
            due.due_work.c.tenant_id == current_tenant().id, due.due_work.c.kind == "dunning"
        )
    ).first()


def reminders_left(app, slug):
    """Steps, notices and reminder e-mails of the firm, and the most of each per key."""
    with firm(app, slug):
        notices = select(Notification.user_id, Notification.link).where(
            Notification.event == "billing.reminder"
        )
        mails = select(OutboxEmail.kind).where(OutboxEmail.kind.like("reminder:%"))
        return {
            "steps": db.session.scalar(select(func.count()).select_from(ReminderSent)),
            "notices": db.session.scalar(select(func.count()).select_from(notices.subquery())),
            "distinct_notices": db.session.scalar(
                select(func.count()).select_from(notices.distinct().subquery())
            ),
            "emails": db.session.scalar(select(func.count()).select_from(mails.subquery())),
            "distinct_emails": db.session.scalar(
                select(func.count()).select_from(mails.distinct().subquery())
            ),
        }


def waiting_on_a_lock(app, database_pids) -> bool:
    """Whether one of these backends waits for another transaction's lock."""
    with app.app_context():
        return bool(
            db.session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids) "
                    "AND wait_event_type = 'Lock'"
                ),
                {"pids": list(database_pids)},
            )
        )


def test_two_passes_at_once_send_each_step_once(app, monkeypatch):
    """The first pass is held after claiming its first batch; the second, started then, waits
    on the first one's claimed steps and, once the first commits, finds nothing left."""
    slug = unique_slug("dunrace")
    provision_firm(app, slug, "DUNRACE")
    owed = open_invoices_for_dunning(app, slug, companies=100, per_company=25)
    assert owed > dunning.BATCH
    now = utcnow()
    first_claimed, release = threading.Event(), threading.Event()
    real_send = dunning.send_reminders
    pids, sent, errors = {}, {}, []

    def held_send(invoice_ids, today):
        if threading.current_thread().name == "first" and not first_claimed.is_set():
            first_claimed.set()
            assert release.wait(60)
        real_send(invoice_ids, today)

    monkeypatch.setattr(dunning, "send_reminders", held_send)

    def run_pass():
        try:
            with app.app_context(), tenant_context(slug):
                pids[threading.current_thread().name] = db.session.scalar(
                    text("SELECT pg_backend_pid()")
                )
                sent[threading.current_thread().name] = dunning.run_dunning(now)
                db.session.commit()
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
            raise

    first = threading.Thread(target=run_pass, name="first")
    second = threading.Thread(target=run_pass, name="second")
    first.start()
    assert first_claimed.wait(60)
    second.start()
    deadline = time.monotonic() + 60
    while not waiting_on_a_lock(app, [pids.get("second", 0)]):
        assert time.monotonic() < deadline, "the second pass never met the first one's steps"
        time.sleep(0.05)
    release.set()
    first.join(120)
    second.join(120)
    assert not errors
    assert sent == {"first": owed, "second": 0}
    counts = reminders_left(app, slug)
    assert counts == {
        "steps": owed,
        "notices": owed,
        "distinct_notices": owed,
        "emails": owed,
        "distinct_emails": owed,
    }


def test_a_new_open_invoice_marks_its_first_step_and_the_tick_runs_the_pass(app, redis):
    slug = unique_slug("dundue")
    provision_firm(app, slug, "DUNDUE")
    with firm(app, slug):
        assert dunning_row(slug) is None  # a firm with no invoice has no dunning work
        due_on = current_tenant().today() - timedelta(days=1)
        new_invoice(new_company(), 20000, due=due_on, issued=due_on - timedelta(days=15))
        row = dunning_row(slug)
        first_step = datetime.combine(
            due_on - timedelta(days=3), datetime.min.time(), tzinfo=current_tenant().zone
        )
        assert row is not None and row.due_at == first_step
    for name in QUEUE_NAMES:
        Queue(name, connection=redis).empty()
    redis.delete(f"yk:due:{slug}:dunning")
    with app.app_context():
        due.tick()
    jobs = [job for name in QUEUE_NAMES for job in Queue(name, connection=redis).get_jobs()]
    # Other kinds a new firm has due (its welcome mail, its first survey…) run too; one pass.
    passes = [j for j in jobs if j.args == (slug,) and j.func_name.endswith(".dunning_pass")]
    assert len(passes) == 1
    with app.app_context():
        passes[0].perform()
    with firm(app, slug):
        row = dunning_row(slug)
        # Whether the pass ran in the quiet hours or not, the next time is in the future
        # and is the one the firm's invoices and settings give.
        assert row is not None and row.due_at > utcnow() - timedelta(minutes=1)
        assert row.due_at == dunning.next_dunning_at(utcnow())


def test_the_next_time_is_the_next_step_out_of_the_quiet_hours(app):
    slug = unique_slug("dunnext")
    provision_firm(app, slug, "DUNNEXT")
    zone_hours = 8  # the test firms are in Asia/Shanghai
    with firm(app, slug):
        assert current_tenant().zone.key == "Asia/Shanghai"
        due_on = date(2034, 5, 20)
        new_invoice(new_company(), 20000, due=due_on, issued=date(2034, 5, 1))

        def shanghai(day: date, hour: int) -> datetime:
            return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
                hours=hour - zone_hours
            )

        # Quiet hours 21:00-09:00 (the default): the step days begin at 09:00.
        ten_days_before = shanghai(due_on - timedelta(days=10), 12)
        assert dunning.next_dunning_at(ten_days_before) == shanghai(due_on - timedelta(days=3), 9)
        assert dunning.run_dunning(shanghai(due_on - timedelta(days=3), 10)) == 1
        assert dunning.next_dunning_at(shanghai(due_on - timedelta(days=3), 10)) == shanghai(
            due_on, 9
        )
        # At night the pass sends nothing; the end of the quiet hours is next.
        night = shanghai(due_on, 23)
        assert dunning.run_dunning(night) == 0
        assert dunning.next_dunning_at(night) == shanghai(due_on + timedelta(days=1), 9)
        # Late fees make the day after the due date a time of its own.
        settings = dunning.billing_settings()
        settings.late_fee_kind, settings.late_fee_value = "fixed", 500
        assert dunning.next_dunning_at(shanghai(due_on - timedelta(days=3), 10)) == shanghai(
            due_on, 9
        )
        assert dunning.next_dunning_at(shanghai(due_on, 10)) == shanghai(
            due_on + timedelta(days=1), 9
        )
        settings.late_fee_kind = "none"
        assert dunning.next_dunning_at(shanghai(due_on, 10)) == shanghai(
            due_on + timedelta(days=3), 9
        )
        db.session.rollback()


def test_dunning_has_no_per_firm_fan_out_only_the_index_and_its_daily_net():
    """Dunning runs for a firm when its index row is due; the index's daily slice of firms
    is the net (``due.mark_slice_due`` marks every kind), not a periodic job per firm."""
    assert [job.name for job in PERIODIC_JOBS] == ["due-work"]
    assert due.DUE_KINDS["dunning"].target == "yk_saas.billing.jobs.dunning_pass"


def test_the_step_in_sql_is_the_step_in_python(app):
    """The pass picks invoices by the step computed in SQL; it must be ``step_for``'s."""
    from yk_saas.billing.models import Invoice

    slug = unique_slug("dunstep")
    provision_firm(app, slug, "DUNSTEP")
    today = date(2035, 6, 1)
    with firm(app, slug):
        company_id = new_company()
        for days in range(-3, 80):
            due_on = today - timedelta(days=days)
            new_invoice(company_id, 1000, due=due_on, issued=due_on - timedelta(days=1))
        rows = db.session.execute(select(Invoice.due_on, dunning.step_key_sql(today))).all()
    assert len(rows) == 83
    for due_on, key in rows:
        assert key == f"d{dunning.step_for((today - due_on).days)}", due_on
