"""An accountant's desk overview is their own to-do list, never a colleague's nor firm-wide counts."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from tenants import current_tenant, db, tenant_context
from tests.support import work as work_factories
from yk_saas.accounts.models import User
from yk_saas.clients.models import ClientCompany
from yk_saas.feedback.models import FollowUp
from yk_saas.work.models import WorkItem


@pytest.fixture
def two_desks(app, fresh_firm):
    """Company X is Accountant's, Y is Accountant Two's; each has items, follow-ups, no books.

    Times are set around noon today (the firm's time zone) so that "due today" is exact.
    """
    ids = fresh_firm["ids"]
    mine, theirs = ids["accountant"], ids["accountant2"]
    with work_factories.firm(app, fresh_firm["slug"]):
        zone = current_tenant().zone
        today = current_tenant().today()
        noon = datetime.combine(today, time(12), tzinfo=zone).astimezone(UTC)
        db.session.get(ClientCompany, ids["company_x"]).dedicated_accountant_id = mine
        db.session.get(ClientCompany, ids["company_y"]).dedicated_accountant_id = theirs
        hours = timedelta(hours=1)
        # (who files, title, urgency, assignee, state, last progress); "stale after" is 24 h.
        plan = [
            ("client_x", "Mine stalled", "normal", mine, "in_progress", noon - 25 * hours),
            ("client_x", "Mine due this afternoon", "low", mine, "assigned", noon - 22 * hours),
            ("client_x", "Mine urgent", "urgent", mine, "in_progress", noon - hours),
            ("client_x", "Mine normal", "normal", mine, "assigned", noon - 2 * hours),
            ("client_x", "Mine waiting", "normal", mine, "waiting_on_client", noon - 30 * hours),
            ("client_y", "Theirs stalled", "urgent", theirs, "in_progress", noon - 25 * hours),
            ("client_y", "Theirs waiting", "normal", theirs, "waiting_on_client", noon - hours),
            ("client_x", "Nobody's yet", "urgent", None, "new", None),
        ]
        for who, title, urgency, assignee, state, progress in plan:
            item_id = work_factories.new_request(
                fresh_firm[who], title=title, urgency=urgency, now=noon - 40 * hours
            )
            if assignee:
                item = db.session.get(WorkItem, item_id)
                item.assignee_id, item.state = assignee, state
                item.claimed_at = item.last_progress_at = progress
                item.claim_deadline = None
        for accountant, company, day, purpose in (
            (mine, ids["company_x"], today, "Mine call today"),
            (mine, ids["company_x"], today - timedelta(days=2), "Mine call missed"),
            (mine, ids["company_x"], today + timedelta(days=1), "Mine call tomorrow"),
            (theirs, ids["company_y"], today, "Theirs call today"),
        ):
            db.session.add(
                FollowUp(
                    company_id=company, accountant_id=accountant, scheduled_for=day, purpose=purpose
                )
            )
    return {"firm": fresh_firm, "noon": noon}


def titles(entries):
    return [
        entry.title.split(" ", 1)[1] if entry.title.startswith("#") else entry.title
        for entry in entries
    ]


def test_the_to_do_list_holds_only_the_accountants_own_items_by_section(app, two_desks):
    from yk_saas.desk.services import my_todo, urgency_counts
    from yk_saas.ledgers.services import previous_period

    firm, noon = two_desks["firm"], two_desks["noon"]
    with app.test_request_context(base_url=f"http://{firm['host']}"), tenant_context(firm["slug"]):
        accountant = db.session.get(User, firm["ids"]["accountant"])
        todo = my_todo(accountant, noon)
        today = noon.astimezone(current_tenant().zone).date()
        assert titles(todo["overdue"]) == ["Mine call missed", "Mine stalled"]
        assert titles(todo["today"]) == ["Mine call today", "Mine due this afternoon"], "low last"
        assert titles(todo["open"]) == ["Mine urgent", "Mine normal"], "urgent first"
        assert titles(todo["waiting"]) == ["Mine waiting"]
        assert [(e.company, e.title) for e in todo["books"]] == [
            (f"{firm['marker']} Company X", previous_period(today))
        ]
        in_hand = todo["overdue"] + todo["today"] + todo["open"]
        # Follow-ups count as normal: 2 items and 2 calls.
        assert urgency_counts(in_hand) == {"urgent": 1, "normal": 4, "low": 1}
        everything = " ".join(t for entries in todo.values() for t in titles(entries))
        assert "Theirs" not in everything and "Nobody" not in everything
        assert "tomorrow" not in everything
        colleague = my_todo(db.session.get(User, firm["ids"]["accountant2"]), noon)
        assert titles(colleague["overdue"]) == ["Theirs stalled"]
        assert titles(colleague["today"]) == ["Theirs call today"]
        assert titles(colleague["waiting"]) == ["Theirs waiting"]


def test_the_accountants_overview_page_shows_their_list_and_no_firm_counts(
    app, two_desks, signed_in_en
):
    firm = two_desks["firm"]
    page = signed_in_en(firm, "accountant").get("/desk/").get_data(as_text=True)
    for mine in ("Mine stalled", "Mine urgent", "Mine waiting", "Mine call missed"):
        assert mine in page
    for other in ("Theirs stalled", "Theirs waiting", "Theirs call today", "Nobody"):
        assert other not in page
    for section in ("Overdue", "Due today", "My open items", "Waiting on client"):
        assert section in page
    assert "Clients missing this month" in page and f"{firm['marker']} Company X" in page
    assert f"{firm['marker']} Company Y" not in page
    assert "Client companies" not in page and "Client users" not in page
    # The managers' overview keeps the firm's figures and cards.
    admin = signed_in_en(firm, "admin").get("/desk/").get_data(as_text=True)
    assert "Client companies" in admin and 'id="overview-cards"' in admin
    with app.app_context(), tenant_context(firm["slug"]):
        assert db.session.scalar(select(WorkItem.id).where(WorkItem.title == "Mine urgent"))
