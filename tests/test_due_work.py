"""The due-work index: a tick enqueues jobs only for firms with something due, each job
writes back its firm's next due time, and a mark made meanwhile is never lost; for every
kind of background work (claims, billing periods, complaint checks, follow-up and ledger
reminders, surveys, mail retries), and a daily safety net in slices of the firms."""

from datetime import timedelta

import pytest
from flask import current_app
from rq import Queue
from sqlalchemy import select

from tenants import current_tenant, db, tenant_context
from tests.support.firms import provision_firm, unique_slug
from tests.support.work import firm, item, new_request
from yk_saas import due
from yk_saas.extensions import QUEUE_NAMES
from yk_saas.models_base import utcnow


def queued_jobs(redis):
    return [job for name in QUEUE_NAMES for job in Queue(name, connection=redis).get_jobs()]


def empty_queues(redis):
    for name in QUEUE_NAMES:
        Queue(name, connection=redis).empty()


def due_row(app, slug, kind):
    with app.app_context(), tenant_context(slug):
        return db.session.execute(
            select(due.due_work.c.due_at, due.due_work.c.version).where(
                due.due_work.c.tenant_id == current_tenant().id, due.due_work.c.kind == kind
            )
        ).first()


def test_idle_firms_get_no_job_and_the_due_one_gets_exactly_one(app, redis):
    idle = [settled_firm(app, "IDLE") for _ in range(5)]
    busy = settled_firm(app, "BUSY")
    with firm(app, busy["slug"]):
        item_id = new_request(busy["client_x"], now=utcnow() - timedelta(days=3))
    assert due_row(app, busy["slug"], "claims") is not None
    assert all(due_row(app, f["slug"], "claims") is None for f in idle)
    empty_queues(redis)  # the notices of the new item: only the index's jobs are counted

    enqueue_due(app, redis)
    assert all(jobs_of(redis, f["slug"]) == [] for f in idle)
    jobs = [j for j in queued_jobs(redis) if j.args == (busy["slug"],)]
    assert [j.func_name for j in jobs] == ["yk_saas.work.jobs.sweep_claim_timeouts_and_stale_work"]
    enqueue_due(app, redis)
    assert len([j for j in queued_jobs(redis) if j.args == (busy["slug"],)]) == 1  # not twice

    with app.app_context():
        jobs[0].perform()
    with firm(app, busy["slug"]):
        assert item(item_id).escalated_at is not None
    assert due_row(app, busy["slug"], "claims") is None  # nothing left: the row is gone
    empty_queues(redis)


def test_a_job_writes_back_the_next_due_time(app):
    slug = provision_firm(app, unique_slug("next"), "NEXT")
    with firm(app, slug["slug"]):
        new_request(slug["client_x"], now=utcnow() - timedelta(days=3))
        later_id = new_request(slug["client_x"], now=utcnow() + timedelta(days=1))
    from yk_saas.work.jobs import sweep_claim_timeouts_and_stale_work

    with app.app_context():
        sweep_claim_timeouts_and_stale_work(slug["slug"])
    with firm(app, slug["slug"]):
        deadline = item(later_id).claim_deadline
    assert due_row(app, slug["slug"], "claims").due_at == deadline


def test_a_mark_made_while_a_job_runs_is_not_lost(app):
    slug = provision_firm(app, unique_slug("race"), "RACE")["slug"]
    soon = utcnow() + timedelta(minutes=5)
    with app.app_context(), tenant_context(slug):
        due.mark_due("claims", soon + timedelta(hours=1))
        db.session.commit()
        version = due.read_due("claims")
        db.session.commit()
    with app.app_context(), tenant_context(slug):  # another transaction marks new work
        due.mark_due("claims", soon)
        db.session.commit()
    with app.app_context(), tenant_context(slug):  # the job, unaware of it, found nothing due
        due.reschedule("claims", version, None)
        db.session.commit()
    assert due_row(app, slug, "claims").due_at == soon
    with app.app_context(), tenant_context(slug):  # the earlier time wins an upsert
        due.mark_due("claims", soon + timedelta(days=1))
        db.session.commit()
    assert due_row(app, slug, "claims").due_at == soon


# Every other kind of the index: billing periods, complaint checks, follow-up reminders,
# surveys, ledger reminders, mail retries. Each scenario writes work through the product's
# own services (``add``), makes it due now as time passing would (``age``), and counts what
# the kind's job did (``done``).


def scenario_company(slug_marker: str, accountant_id: int | None = None) -> int:
    from yk_saas.clients.models import ClientCompany

    company = ClientCompany(
        name=f"Due {slug_marker} {utcnow().timestamp()}", dedicated_accountant_id=accountant_id
    )
    db.session.add(company)
    db.session.flush()
    return company.id


def set_due_at(kind, when):
    db.session.execute(
        due.due_work.update()
        .where(due.due_work.c.tenant_id == current_tenant().id, due.due_work.c.kind == kind)
        .values(due_at=when)
    )


class Billing:
    kind = "billing"

    def add(self, info, monkeypatch):
        """A monthly contract whose current period began on the 1st: billable at once."""
        from yk_saas.billing.services import create_contract

        today = current_tenant().today()
        create_contract(
            scenario_company("bill"), "Bookkeeping", "monthly", 30000, "CNY", today.replace(day=1)
        )
        return due.start_of_day(today.replace(day=1), current_tenant().zone)

    def age(self, monkeypatch):
        pass

    def done(self):
        from yk_saas.billing.models import Invoice

        return db.session.scalar(
            select(db.func.count(Invoice.id)).where(Invoice.source == "contract")
        )


class ComplaintChecks:
    kind = "complaint-followups"

    def add(self, info, monkeypatch):
        """A complaint resolved now: the client is asked three days later."""
        from tests.support.work import person
        from yk_saas.feedback.complaints import FOLLOWUP_AFTER, file_complaint, set_state

        complaint = file_complaint(person(info["client_x"]), "Late books", "Still late")
        set_state(complaint, "resolved", person(info["admin"]), "Delivered today")
        return utcnow() + FOLLOWUP_AFTER

    def age(self, monkeypatch):
        from yk_saas.feedback.models import Complaint

        db.session.execute(
            Complaint.__table__.update()
            .where(Complaint.followup_sent_at.is_(None), Complaint.followup_due_at.is_not(None))
            .values(followup_due_at=utcnow() - timedelta(minutes=1))
        )

    def done(self):
        return notifications("complaint_followup")


class FollowUpReminders:
    kind = "followup-reminders"

    def add(self, info, monkeypatch):
        """A follow-up planned for tomorrow: its reminder is due from the start of today."""
        from tests.support.work import person
        from yk_saas.clients.models import ClientCompany
        from yk_saas.feedback.followups import schedule_followup

        company = db.session.get(ClientCompany, scenario_company("visit"))
        tomorrow = utcnow().date() + timedelta(days=1)
        schedule_followup(company, tomorrow, "phone", "Year end", person(info["admin"]))
        return due.start_of_day(utcnow().date())

    def age(self, monkeypatch):
        pass

    def done(self):
        return notifications("followup_due")


class Surveys:
    kind = "surveys"

    def add(self, info, monkeypatch):
        """A new client user: not asked this quarter yet."""
        from tests.support import PASSWORD
        from yk_saas.accounts.services import create_user

        email = f"new{utcnow().timestamp()}@{info['slug']}.example.com"
        create_user(
            email, "New client", "client", PASSWORD, client_company_id=info["ids"]["company_x"]
        )
        return utcnow()

    def age(self, monkeypatch):
        pass

    def done(self):
        from yk_saas.feedback.models import SurveyResponse

        return db.session.scalar(select(db.func.count(SurveyResponse.id)))


class LedgerReminders:
    kind = "ledger-reminders"
    #: A day when reminders go out (the job reads the date from its module's clock).
    clock = None

    def add(self, info, monkeypatch):
        """A new accountant with a company whose books are missing: reminded from the 10th."""
        from tests.support import PASSWORD
        from yk_saas.accounts.services import create_user
        from yk_saas.ledgers.jobs import REMIND_FROM_DAY

        email = f"acc{utcnow().timestamp()}@{info['slug']}.example.com"
        accountant = create_user(email, "New accountant", "accountant", PASSWORD)
        scenario_company("books", accountant.id)
        today = utcnow().date()
        if today.day >= REMIND_FROM_DAY:
            return due.spread(due.start_of_day(today + timedelta(days=1)))
        return due.spread(due.start_of_day(today.replace(day=REMIND_FROM_DAY)))

    def age(self, monkeypatch):
        import yk_saas.ledgers.jobs as ledger_jobs

        today = utcnow()
        reminder_day = today.replace(day=12) if today.day < 12 else today
        monkeypatch.setattr(ledger_jobs, "utcnow", lambda: reminder_day)

    def done(self):
        return notifications("ledger_missing")


class MailRetries:
    kind = "mail"

    def add(self, info, monkeypatch):
        """A message queued now whose delivery job is lost: it counts as stuck in two minutes."""
        from yk_saas.mail.services import STUCK_AFTER, queue_email

        with current_app.test_request_context(base_url=f"http://{info['host']}"):
            queue_email(
                f"due{utcnow().timestamp()}@example.com",
                "test",
                "password_reset",
                user={"name": "R"},
                link="x",
                minutes=60,
            )
        return utcnow() + STUCK_AFTER

    def age(self, monkeypatch):
        from yk_saas.mail.models import FAILED, QUEUED, OutboxEmail

        db.session.execute(
            OutboxEmail.__table__.update()
            .where(OutboxEmail.status.in_([QUEUED, FAILED]))
            .values(created_at=OutboxEmail.created_at - timedelta(minutes=10))
        )

    def done(self):
        from yk_saas.mail.models import OUTBOX, OutboxEmail

        return db.session.scalar(
            select(db.func.count(OutboxEmail.id)).where(
                OutboxEmail.status == OUTBOX, OutboxEmail.to_address.like("due%@example.com")
            )
        )


def notifications(event):
    from yk_saas.notifications.models import Notification

    return db.session.scalar(
        select(db.func.count(Notification.id)).where(Notification.event == event)
    )


SCENARIOS = [Billing(), ComplaintChecks(), FollowUpReminders(), Surveys(), LedgerReminders()]
SCENARIOS.append(MailRetries())
BY_KIND = pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.kind)


def run_job(app, kind, slug):
    """Run the kind's job for the firm as the worker would (its dotted path, the slug)."""
    from rq.utils import import_attribute

    with app.app_context():
        return import_attribute(due.DUE_KINDS[kind].target)(slug)


def settled_firm(app, marker):
    """A new firm after each kind's job ran once: only what its data holds for later is left."""
    info = provision_firm(app, unique_slug(marker.lower()), marker)
    for kind in due.DUE_KINDS:
        run_job(app, kind, info["slug"])
    return info


def jobs_of(redis, slug):
    """(job path, kind) of this firm's queued jobs of the index (not its notices' e-mails)."""
    by_target = {spec.target: kind for kind, spec in due.DUE_KINDS.items()}
    return sorted(
        (job.func_name, by_target[job.func_name])
        for job in queued_jobs(redis)
        if job.args[:1] == (slug,) and job.func_name in by_target
    )


def kinds_queued(redis, slug, kind):
    """Paths of this firm's queued jobs of ``kind``."""
    return [path for path, queued_kind in jobs_of(redis, slug) if queued_kind == kind]


def enqueue_due(app, redis):
    with app.app_context():
        due.enqueue_due_work(redis)


def outcome(app, slug, scenario):
    with app.app_context(), tenant_context(slug):
        return scenario.done()


@BY_KIND
def test_work_is_marked_due_in_the_transaction_that_writes_it(app, scenario, monkeypatch):
    info = provision_firm(app, unique_slug("mark"), "MARK")
    before = due_row(app, info["slug"], scenario.kind)
    with app.app_context(), tenant_context(info["slug"]):
        expected = scenario.add(info, monkeypatch)
        db.session.flush()
        inside = db.session.execute(
            select(due.due_work.c.due_at, due.due_work.c.version).where(
                due.due_work.c.tenant_id == current_tenant().id,
                due.due_work.c.kind == scenario.kind,
            )
        ).first()
        assert inside is not None and inside.due_at <= expected + timedelta(seconds=5)
        assert before is None or inside.version != before.version
        db.session.rollback()  # the work is not written: neither is its mark
    assert due_row(app, info["slug"], scenario.kind) == before


def test_a_firm_with_nothing_due_gets_no_job(app, redis):
    info = settled_firm(app, "CALM")
    enqueue_due(app, redis)
    assert jobs_of(redis, info["slug"]) == []
    rows = {kind: due_row(app, info["slug"], kind) for kind in due.DUE_KINDS}
    assert all(row is None or row.due_at > utcnow() for row in rows.values()), rows


@BY_KIND
def test_the_job_runs_once_per_due_time(app, redis, scenario, monkeypatch):
    info = settled_firm(app, "ONCE")
    slug, target = info["slug"], due.DUE_KINDS[scenario.kind].target
    with app.app_context(), tenant_context(slug):
        scenario.add(info, monkeypatch)
        scenario.age(monkeypatch)
        set_due_at(scenario.kind, utcnow())  # time has passed: the work is due now
        db.session.commit()
    first = outcome(app, slug, scenario)

    enqueue_due(app, redis)
    assert kinds_queued(redis, slug, scenario.kind) == [target]
    empty_queues(redis)
    enqueue_due(app, redis)
    assert kinds_queued(redis, slug, scenario.kind) == []  # enqueued already: not twice

    run_job(app, scenario.kind, slug)
    assert outcome(app, slug, scenario) == first + 1
    row = due_row(app, slug, scenario.kind)
    assert row is None or row.due_at > utcnow()  # the next time, from the firm's own tables
    enqueue_due(app, redis)
    assert kinds_queued(redis, slug, scenario.kind) == []
    run_job(app, scenario.kind, slug)  # run again anyway (the safety net): nothing twice
    assert outcome(app, slug, scenario) == first + 1


@BY_KIND
def test_work_marked_while_the_job_runs_keeps_the_firm_due(app, redis, scenario, monkeypatch):
    from rq.utils import import_attribute

    info = settled_firm(app, "RACE")
    slug = info["slug"]
    with app.app_context(), tenant_context(slug):
        scenario.add(info, monkeypatch)
        scenario.age(monkeypatch)
        set_due_at(scenario.kind, utcnow())
        db.session.commit()
    first = outcome(app, slug, scenario)
    job = import_attribute(due.DUE_KINDS[scenario.kind].target)
    real_reschedule = due.reschedule

    def meanwhile(kind, version, next_due):
        # Another transaction writes new work after the job read its tables, before it wrote
        # back its next due time (which knows nothing of the new work).
        with app.app_context(), tenant_context(slug):
            scenario.add(info, monkeypatch)
            scenario.age(monkeypatch)
            db.session.commit()
        real_reschedule(kind, version, next_due)

    monkeypatch.setattr(due, "reschedule", meanwhile)
    with app.app_context():
        job(slug)
    monkeypatch.setattr(due, "reschedule", real_reschedule)
    assert outcome(app, slug, scenario) == first + 1
    row = due_row(app, slug, scenario.kind)
    assert row is not None and row.due_at <= utcnow()  # still due: the new work is not lost

    empty_queues(redis)
    enqueue_due(app, redis)
    assert len(kinds_queued(redis, slug, scenario.kind)) == 1
    run_job(app, scenario.kind, slug)
    assert outcome(app, slug, scenario) == first + 2


def test_the_safety_net_marks_each_firm_once_a_day_in_its_own_minute(app, redis):
    info = settled_firm(app, "NET")
    slug = info["slug"]
    with app.app_context(), tenant_context(slug):
        tenant_id = current_tenant().id
    minute = due.slice_of(tenant_id)
    day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    its_minute = day + timedelta(minutes=minute)
    other_minute = day + timedelta(minutes=(minute + 1) % due.SLICES_PER_DAY)
    with app.app_context():
        due.mark_slice_due(other_minute)
        db.session.commit()
    assert all(
        due_row(app, slug, kind) is None or due_row(app, slug, kind).due_at > other_minute
        for kind in due.DUE_KINDS
    )
    with app.app_context():
        due.mark_slice_due(its_minute)
        db.session.commit()
    assert all(due_row(app, slug, kind).due_at <= its_minute for kind in due.DUE_KINDS)
    empty_queues(redis)
    enqueue_due(app, redis)
    assert sorted(kind for _path, kind in jobs_of(redis, slug)) == sorted(due.DUE_KINDS)
    for kind in due.DUE_KINDS:
        run_job(app, kind, slug)
    assert all(
        due_row(app, slug, kind) is None or due_row(app, slug, kind).due_at > utcnow()
        for kind in due.DUE_KINDS
    )
    empty_queues(redis)
