"""Property tests: random sequences through the real services keep the books and states right.

Work items: any sequence of progress, assignment and cancellation attempts
leaves an item in a valid state, and exactly the allowed steps succeed.
Money: any sequence of offline payments, credit notes and refunds on an
invoice keeps paid − refunded ≥ 0, refunds ≤ paid, and the balance equal to
the amount less credit notes and payments recorded (the ledger of rows).
"""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tenants import db
from tests.support.work import firm, item, new_request, person

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

STATES = ("new", "assigned", "in_progress", "waiting_on_client", "done", "cancelled")
work_step = st.one_of(
    st.tuples(st.just("progress"), st.sampled_from(STATES)),
    st.tuples(st.just("assign"), st.sampled_from(("accountant", "accountant2"))),
)


def expected_after(state, assignee, step, transitions):
    """(allowed, new state, new assignee) of one step, as the rules say."""
    kind, arg = step
    if kind == "assign":
        if state in ("done", "cancelled") or assignee == arg:
            return False, state, assignee
        return True, "assigned" if state == "new" else state, arg
    if arg == state:
        return state not in ("new", "done", "cancelled"), state, assignee
    return arg in transitions[state], arg if arg in transitions[state] else state, assignee


@PROPERTY_SETTINGS
@given(steps=st.lists(work_step, min_size=1, max_size=8))
def test_work_items_only_take_allowed_steps(app, firm_a, steps):
    from yk_saas.work.services import TRANSITIONS, WorkError, assign_items, post_progress

    with firm(app, "alpha"):
        admin = person(firm_a["admin"])
        people = {
            "accountant": person(firm_a["accountant"]),
            "accountant2": person(firm_a["accountant2"]),
        }
        item_id = new_request(firm_a["client_x"], title="Property run")
        state, assignee = "new", None
        for step in steps:
            allowed, state_after, assignee_after = expected_after(
                state, assignee, step, TRANSITIONS
            )
            try:
                if step[0] == "assign":
                    changed = assign_items([item_id], people[step[1]].id, admin)
                    succeeded = changed == 1
                else:
                    post_progress(item(item_id), admin, "note", new_state=step[1])
                    succeeded = True
            except WorkError:
                db.session.rollback()
                succeeded = False
            else:
                db.session.commit()  # each step is one request: committed when it went through
            assert succeeded == allowed, (state, step)
            state, assignee = state_after, assignee_after
            current = item(item_id)
            assert current.state in TRANSITIONS
            assert current.state == state
            assert current.assignee_id == (people[assignee].id if assignee else None)
            if current.state == "done":
                assert current.completed_at is not None


money_step = st.one_of(
    st.tuples(st.just("pay"), st.integers(min_value=-100, max_value=12000)),
    st.tuples(st.just("refund"), st.integers(min_value=-100, max_value=12000)),
    st.tuples(st.just("credit"), st.integers(min_value=-100, max_value=6000)),
)


def refund_now(invoice_id, amount, client, admin):
    from yk_saas.billing import refunds
    from yk_saas.billing.models import Invoice

    refund = refunds.request_refund(db.session.get(Invoice, invoice_id), "Property refund", client)
    refunds.move(refund, "propose", admin, None, amount)
    refunds.move(refund, "accept", client)
    payout = refunds.Payout("bank_transfer", date(2026, 11, 20), "PROPERTY-TRANSFER")
    refunds.move(refund, "execute", admin, payout=payout)


def ledger_of(invoice_id):
    from yk_saas.billing.models import Payment, RefundRequest

    paid = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.invoice_id == invoice_id
        )
    )
    refunded = db.session.scalar(
        select(func.coalesce(func.sum(RefundRequest.agreed_cents), 0)).where(
            RefundRequest.invoice_id == invoice_id, RefundRequest.state == "executed"
        )
    )
    return int(paid), int(refunded)


@PROPERTY_SETTINGS
@given(steps=st.lists(money_step, min_size=1, max_size=8))
def test_payments_and_refunds_keep_the_invoice_balanced(app, firm_a, steps):
    from tests.support.billing import new_company, new_invoice
    from yk_saas.billing import services
    from yk_saas.billing.models import Invoice
    from yk_saas.billing.services import BillingError

    amount = 10000
    with firm(app, "alpha"):
        admin, client = person(firm_a["admin"]), person(firm_a["client_x"])
        invoice_id = new_invoice(new_company(), amount=amount)
        paid = refunded = credited = 0
        for kind, cents in steps:
            balance = amount - credited - paid
            if kind in ("pay", "credit"):
                allowed = 0 < cents <= balance
            else:
                allowed = 0 < cents <= paid - refunded
            try:
                if kind == "pay":
                    services.record_offline_payment(
                        invoice_id, cents, "bank_transfer", "ref", date(2026, 11, 20), admin
                    )
                elif kind == "credit":
                    services.issue_credit_note(invoice_id, cents, "Property credit", admin)
                else:
                    refund_now(invoice_id, cents, client, admin)
                db.session.commit()
                succeeded = True
            except BillingError:
                db.session.rollback()
                succeeded = False
            assert succeeded == allowed, (kind, cents, paid, refunded, credited)
            if succeeded:
                paid += cents if kind == "pay" else 0
                credited += cents if kind == "credit" else 0
                refunded += cents if kind == "refund" else 0
            db.session.expire_all()
            invoice = db.session.get(Invoice, invoice_id)
            assert (invoice.paid_cents, invoice.refunded_cents, invoice.credited_cents) == (
                paid,
                refunded,
                credited,
            )
            assert ledger_of(invoice_id) == (paid, refunded)
            assert invoice.paid_cents - invoice.refunded_cents >= 0
            assert invoice.refunded_cents <= invoice.paid_cents
            assert invoice.balance_cents == amount - credited - paid >= 0
            assert invoice.status == ("paid" if invoice.balance_cents == 0 else "open")
