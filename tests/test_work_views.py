"""Orders, requests, the pool and the timeline through HTTP, as each role sees them."""

import io
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from tenants import db
from tests.support.work import firm, person, reset_staff
from yk_saas import signals

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% test\n"


@pytest.fixture
def signed_in(signed_in_en):
    """Signed in and reading English, whatever the firm's language (put back at teardown)."""
    return signed_in_en


@pytest.fixture
def roomy(app, firm_a):
    """Firm A's accountants on duty with room for plenty of work."""
    with firm(app, "alpha"):
        reset_staff(person(firm_a["accountant"]).id, person(firm_a["accountant2"]).id, capacity=500)
        from tests.support.work import configure

        configure(
            approval_threshold_cents=None,
            timeout_policy="escalate",
            request_types=["Business licence", "Tax invoices", "Other"],
        )
    return firm_a


@contextmanager
def captured(signal):
    seen = []

    def receiver(sender, **kw):
        seen.append(kw)

    signal.connect(receiver)
    try:
        yield seen
    finally:
        signal.disconnect(receiver)


def count(app, model, *where):
    with firm(app, "alpha"):
        return db.session.scalar(select(func.count(model.id)).where(*where))


def publish_service(admin, name, price="1200.00", published=True):
    data = {
        "name": name,
        "category_id": "0",
        "description": "<p>Done for you</p><script>x()</script>",
        "price": price,
        "billing_cycle": "monthly",
        "sort_order": "0",
    }
    if published:
        data["published"] = "y"
    response = admin.post("/desk/admin/catalog/services/new", data)
    assert response.status_code == 303, re.findall(
        r"alert\">([^<]*)", response.get_data(as_text=True)
    )
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def new_item_id(response):
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return int(re.search(r"/portal/work/(\d+)", response.headers["Location"]).group(1))


def file_request(client, title="Quarterly tax filing", **extra):
    data = {
        "title": title,
        "request_type": "Other",
        "description": "Q3",
        "urgency": "normal",
        **extra,
    }
    return client.post("/portal/work/new", data, content_type="multipart/form-data")


def test_admin_publishes_and_client_orders_with_the_order_placed_signal(app, roomy, signed_in):
    from yk_saas.work.models import WorkItem

    admin, client = signed_in(roomy, "admin"), signed_in(roomy, "client_x")
    service_id = publish_service(admin, "Monthly bookkeeping Plus")
    shop = client.get("/portal/catalog/?q=bookkeeping+plus").get_data(as_text=True)
    assert "Monthly bookkeeping Plus" in shop
    detail = client.get(f"/portal/catalog/{service_id}").get_data(as_text=True)
    assert "Done for you" in detail and "<script>" not in detail
    with captured(signals.order_placed) as placed, captured(signals.work_item_created) as created:
        item_id = new_item_id(
            client.post(
                f"/portal/catalog/{service_id}/order",
                {"note": "From next month", "urgency": "normal"},
            )
        )
    assert placed == [
        {"item_id": item_id, "client_company_id": 1, "amount_cents": 120000, "currency": "CNY"}
    ]
    assert created == [{"item_id": item_id}]
    page = client.get(f"/portal/work/{item_id}").get_data(as_text=True)
    assert "Monthly bookkeeping Plus" in page and "not yet claimed" in page
    pool = signed_in(roomy, "accountant").get("/desk/work/pool").get_data(as_text=True)
    assert f"#{item_id} Monthly bookkeeping Plus" in pool
    assert count(app, WorkItem, WorkItem.id == item_id, WorkItem.kind == "order") == 1


def test_unpublished_or_unknown_services_cannot_be_seen_or_ordered(app, roomy, signed_in):
    from yk_saas.work.models import WorkItem

    admin, client = signed_in(roomy, "admin"), signed_in(roomy, "client_x")
    hidden = publish_service(admin, "Secret draft service", published=False)
    assert "Secret draft service" not in client.get("/portal/catalog/").get_data(as_text=True)
    before = count(app, WorkItem)
    assert client.get(f"/portal/catalog/{hidden}").status_code == 404
    assert client.post(f"/portal/catalog/{hidden}/order", {"urgency": "normal"}).status_code == 404
    assert client.post("/portal/catalog/99999/order", {"urgency": "normal"}).status_code == 404
    assert count(app, WorkItem) == before


def test_orders_above_the_approval_amount_wait_for_an_admin(app, roomy, signed_in):
    from tests.support.work import configure
    from yk_saas.work.models import WorkItem

    admin, client = signed_in(roomy, "admin"), signed_in(roomy, "client_x")
    with firm(app, "alpha"):
        configure(approval_threshold_cents=100000)
    small = publish_service(admin, "Small job", price="1000")
    large = publish_service(admin, "Large audit", price="8000")
    with captured(signals.order_placed) as placed:
        small_id = new_item_id(client.post(f"/portal/catalog/{small}/order", {"urgency": "normal"}))
        large_id = new_item_id(client.post(f"/portal/catalog/{large}/order", {"urgency": "normal"}))
    assert [p["item_id"] for p in placed] == [small_id]
    pool = signed_in(roomy, "accountant").get("/desk/work/pool").get_data(as_text=True)
    assert f"#{small_id} " in pool and f"#{large_id} " not in pool
    assert "Large audit" in admin.get("/desk/work/board").get_data(as_text=True)
    with captured(signals.order_placed) as placed:
        assert (
            admin.post(f"/desk/work/{large_id}/approval", {"decision": "approve"}).status_code
            == 303
        )
    assert [p["item_id"] for p in placed] == [large_id]
    with firm(app, "alpha"):
        row = db.session.get(WorkItem, large_id)
        assert row.approval == "approved" and row.claim_deadline is not None
        configure(approval_threshold_cents=None)


def test_request_with_bad_input_is_refused_and_nothing_is_written(app, roomy, signed_in):
    from yk_saas.files.models import StoredFile
    from yk_saas.work.models import WorkItem

    client = signed_in(roomy, "client_x")
    items, files = count(app, WorkItem), count(app, StoredFile)
    missing = file_request(client, title="  ")
    assert (
        missing.status_code == 422
        and "A title is required." in missing.get_data(as_text=True)
        or "This field is required." in missing.get_data(as_text=True)
    )
    exe = file_request(client, files=[(io.BytesIO(b"MZ\x90\x00"), "tool.exe")])
    assert exe.status_code == 422 and "not accepted" in exe.get_data(as_text=True)
    big = file_request(
        client,
        files=[
            (io.BytesIO(PDF), "ok.pdf"),
            (io.BytesIO(b"%PDF-" + b"0" * (10 * 1024 * 1024)), "big.pdf"),
        ],
    )
    assert big.status_code == 422 and "larger than 10 MB" in big.get_data(as_text=True)
    bad_type = file_request(client, request_type="Not a type")
    assert bad_type.status_code == 422 and "Choose a type" in bad_type.get_data(as_text=True)
    bad_urgency = file_request(client, urgency="yesterday")
    assert bad_urgency.status_code == 422
    unknown_service = file_request(client, service_id="999999")
    assert unknown_service.status_code == 422
    assert "This service is not available." in unknown_service.get_data(as_text=True)
    assert count(app, WorkItem) == items and count(app, StoredFile) == files


def test_a_request_linked_to_a_service_records_what_is_owed(app, roomy, signed_in):
    from yk_saas.work.models import WorkItem

    service_id = publish_service(signed_in(roomy, "admin"), "Invoice issuing", price="150")
    client = signed_in(roomy, "client_x")
    assert "Invoice issuing" in client.get("/portal/work/new").get_data(as_text=True)
    with captured(signals.order_placed) as placed:
        item_id = new_item_id(
            file_request(client, title="Ten invoices", service_id=str(service_id))
        )
    with firm(app, "alpha"):
        row = db.session.get(WorkItem, item_id)
        assert (row.kind, row.service_id, row.price_cents) == ("request", service_id, 15000)
    assert placed[0]["amount_cents"] == 15000


def test_service_images_are_served_for_published_services_only(app, roomy, signed_in):
    admin, client = signed_in(roomy, "admin"), signed_in(roomy, "client_x")
    service_id = publish_service(admin, "Pictured service", published=False)
    saved = admin.post(
        f"/desk/admin/catalog/services/{service_id}",
        {
            "name": "Pictured service",
            "category_id": "0",
            "price": "10",
            "billing_cycle": "one_off",
            "image": (io.BytesIO(PNG), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert saved.status_code == 303
    assert admin.get(f"/portal/catalog/{service_id}/image").data == PNG
    assert client.get(f"/portal/catalog/{service_id}/image").status_code == 404  # unpublished
    refused = admin.post(
        f"/desk/admin/catalog/services/{service_id}",
        {
            "name": "Pictured service",
            "category_id": "0",
            "price": "10",
            "billing_cycle": "one_off",
            "image": (io.BytesIO(PDF), "doc.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "not accepted" in refused.get_data(as_text=True)
    admin.post(f"/desk/admin/catalog/services/{service_id}/toggle", {"flag": "published"})
    assert client.get(f"/portal/catalog/{service_id}/image").data == PNG


def test_negative_price_in_the_catalog_is_refused(app, roomy, signed_in):
    from yk_saas.catalog.models import ServiceItem

    admin = signed_in(roomy, "admin")
    before = count(app, ServiceItem)
    response = admin.post(
        "/desk/admin/catalog/services/new",
        {"name": "Negative", "category_id": "0", "price": "-5", "billing_cycle": "one_off"},
    )
    assert response.status_code == 422 and "zero or more" in response.get_data(as_text=True)
    assert count(app, ServiceItem) == before


def test_the_whole_life_of_a_request_with_files_progress_reply_and_rating(app, roomy, signed_in):
    from yk_saas.work.models import Rating

    client, acc, admin = (signed_in(roomy, w) for w in ("client_x", "accountant", "admin"))
    item_id = new_item_id(
        file_request(
            client, title="Change registered address", files=[(io.BytesIO(PDF), "lease.pdf")]
        )
    )
    assert acc.post(f"/desk/work/{item_id}/claim").status_code == 303
    live = client.get(f"/portal/work/{item_id}/timeline").get_data(as_text=True)
    assert "ALPHASECRET Accountant" in live and "Claimed from the pool" in live
    # Invalid transition: an assigned item cannot go back to new.
    bad = acc.post(
        f"/desk/work/{item_id}/progress",
        {"body": "x", "new_state": "new"},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "cannot go from this state" in bad.get_data(as_text=True)
    asked = acc.post(
        f"/desk/work/{item_id}/progress",
        {
            "body": "Please send the signed lease",
            "new_state": "waiting_on_client",
            "files": [(io.BytesIO(PNG), "form.png")],
        },
        content_type="multipart/form-data",
    )
    assert asked.status_code == 303
    live = client.get(f"/portal/work/{item_id}/timeline").get_data(as_text=True)
    assert "Please send the signed lease" in live and "form.png" in live
    file_id = int(re.search(r"/portal/work/files/(\d+)", live).group(1))
    assert client.get(f"/portal/work/files/{file_id}").data == PNG
    reply = client.post(
        f"/portal/work/{item_id}/reply",
        {"body": "Attached, signed"},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 303
    assert "Attached, signed" in acc.get(f"/desk/work/{item_id}/timeline").get_data(as_text=True)
    assert client.get(f"/portal/work/{item_id}/rate").status_code == 404  # not done yet
    acc.post(
        f"/desk/work/{item_id}/progress",
        {"body": "Filed", "new_state": "done"},
        content_type="multipart/form-data",
    )
    assert "Rate this work" in client.get(f"/portal/work/{item_id}").get_data(as_text=True)
    bad_rating = client.post(
        f"/portal/work/{item_id}/rate",
        {"overall": "superb", "attitude": "9", "speed": "5", "quality": "5"},
    )
    assert bad_rating.status_code == 422 and count(app, Rating, Rating.work_item_id == item_id) == 0
    rated = client.post(
        f"/portal/work/{item_id}/rate",
        {"overall": "good", "attitude": "5", "speed": "4", "quality": "5", "comment": "Fast"},
    )
    assert rated.status_code == 303
    client.post(
        f"/portal/work/{item_id}/rate",
        {"overall": "neutral", "attitude": "4", "speed": "3", "quality": "4"},
    )
    assert count(app, Rating, Rating.work_item_id == item_id) == 1
    for staff in (admin, acc):
        page = staff.get(f"/desk/work/{item_id}").get_data(as_text=True)
        assert "Client rating" in page and "Speed 3/5" in page


def test_a_rating_can_be_changed_for_seven_days_only(app, roomy):
    from datetime import timedelta

    from tests.support.work import item, new_request
    from yk_saas.models_base import utcnow
    from yk_saas.work.services import WorkError, claim_item, post_progress, rate_item

    with firm(app, "alpha"):
        item_id = new_request(roomy["client_x"], now=utcnow())
        claim_item(item_id, person(roomy["accountant"]))
        post_progress(item(item_id), person(roomy["accountant"]), "done", "done")
        client = person(roomy["client_x"])
        rate_item(item(item_id), client, "bad", 1, 1, 1, "Slow")
        rate_item(item(item_id), client, "neutral", 3, 3, 3, now=utcnow() + timedelta(days=6))
        with pytest.raises(WorkError, match="seven days"):
            rate_item(item(item_id), client, "good", 5, 5, 5, now=utcnow() + timedelta(days=8))
        with pytest.raises(WorkError):
            rate_item(item(item_id), person(roomy["client_y"]), "good", 5, 5, 5)


def test_who_sees_which_items(app, roomy, signed_in):
    from yk_saas.clients.models import ClientCompany

    x, y = signed_in(roomy, "client_x"), signed_in(roomy, "client_y")
    acc, acc2, owner = (signed_in(roomy, w) for w in ("accountant", "accountant2", "owner"))
    x_item = new_item_id(
        file_request(x, title="X private matter", files=[(io.BytesIO(PDF), "x-secret.pdf")])
    )
    y_item = new_item_id(file_request(y, title="Y private matter"))
    x_file = int(
        re.search(
            r"/portal/work/files/(\d+)", x.get(f"/portal/work/{x_item}").get_data(as_text=True)
        ).group(1)
    )
    # Clients: own company only, direct URLs too.
    assert y.get(f"/portal/work/{x_item}").status_code == 404
    assert y.get(f"/portal/work/{x_item}/timeline").status_code == 404
    assert y.get(f"/portal/work/files/{x_file}").status_code == 404
    assert y.post(f"/portal/work/{x_item}/reply", {"body": "hi"}).status_code == 404
    assert "X private matter" not in y.get("/portal/work/").get_data(as_text=True)
    assert x.get(f"/desk/work/{x_item}").status_code == 403
    # Accountants: pool items, their own, their clients'.
    assert acc2.get(f"/desk/work/{x_item}").status_code == 200  # in the pool
    acc.post(f"/desk/work/{x_item}/claim")
    assert acc2.get(f"/desk/work/{x_item}").status_code == 404  # now someone else's
    assert acc2.get(f"/desk/work/files/{x_file}").status_code == 404
    assert acc.get(f"/desk/work/files/{x_file}").data == PDF
    with firm(app, "alpha"):
        db.session.get(ClientCompany, 1).dedicated_accountant_id = person(roomy["accountant2"]).id
        db.session.commit()
    assert acc2.get(f"/desk/work/{x_item}").status_code == 200  # X is acc2's client now
    assert (
        acc2.post(
            f"/desk/work/{x_item}/progress", {"body": "mine?"}, content_type="multipart/form-data"
        ).status_code
        == 422
    )
    acc.post(f"/desk/work/{y_item}/claim")
    assert acc2.get(f"/desk/work/{y_item}").status_code == 404
    assert acc2.get("/desk/work/board").status_code == 403
    # Managers see everything.
    board = owner.get("/desk/work/board").get_data(as_text=True)
    assert "X private matter" in board and "Y private matter" in board
    with firm(app, "alpha"):
        db.session.get(ClientCompany, 1).dedicated_accountant_id = None
        db.session.commit()


def test_board_filters_assign_in_bulk_and_change_a_dedicated_accountant(app, roomy, signed_in):
    from yk_saas.audit.models import AuditEntry
    from yk_saas.work.models import WorkItem

    admin, client = signed_in(roomy, "admin"), signed_in(roomy, "client_x")
    ids = [
        new_item_id(file_request(client, title=f"Bulk item {n}", urgency="low")) for n in range(3)
    ]
    acc2 = person_id(app, roomy["accountant2"])
    fragment = admin.get("/desk/work/board?urgency=low&state=new", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert (
        body.lstrip().startswith('<section class="card" id="work-board">') and "Bulk item 2" in body
    )
    response = admin.post(
        "/desk/work/board/assign", {"item_id": [str(i) for i in ids], "assignee_id": str(acc2)}
    )
    assert response.status_code == 303
    with firm(app, "alpha"):
        assert {db.session.get(WorkItem, i).assignee_id for i in ids} == {acc2}
    assert "Bulk item 1" in admin.get(f"/desk/work/board?assignee_id={acc2}").get_data(as_text=True)
    with captured(signals.dedicated_accountant_changed) as changed:
        admin.post("/desk/work/clients/2/dedicated", {"accountant_id": str(acc2)})
        admin.post("/desk/work/clients/2/dedicated", {"accountant_id": ""})
    assert [(c["company_id"], c["old_id"], c["new_id"]) for c in changed] == [
        (2, None, acc2),
        (2, acc2, None),
    ]
    assert count(app, AuditEntry, AuditEntry.action == "dedicated_accountant_changed") >= 2


def person_id(app, email):
    with firm(app, "alpha"):
        return person(email).id


def test_report_figures_and_dashboard_cards(app, roomy, signed_in):
    from datetime import timedelta

    from yk_saas.models_base import utcnow
    from yk_saas.reports.registry import CLIENT_PROVIDERS, STAFF_PROVIDERS, collect

    admin = signed_in(roomy, "admin")
    assert "In progress" in admin.get("/desk/work/cards/states").get_data(as_text=True)
    assert "Median" in admin.get("/desk/work/cards/claim-time").get_data(as_text=True)
    assert signed_in(roomy, "accountant").get("/desk/work/cards/states").status_code == 403
    with firm(app, "alpha"):
        end = utcnow() + timedelta(minutes=1)
        staff = collect(STAFF_PROVIDERS, end - timedelta(days=1), end)
        clients = collect(CLIENT_PROVIDERS, end - timedelta(days=1), end)
        acc = person(roomy["accountant"]).id
    assert staff[acc]["work_claimed"] >= 1 and staff[acc]["work_median_claim_seconds"] is not None
    assert clients[1]["work_items"] >= 1


def test_duty_toggle_and_settings_page(app, roomy, signed_in):
    acc, admin = signed_in(roomy, "accountant"), signed_in(roomy, "admin")
    acc.post("/desk/work/duty", {"on_duty": "0"})
    assert "Go on duty" in acc.get("/desk/work/pool").get_data(as_text=True)
    acc.post("/desk/work/duty", {"on_duty": "1"})
    bad = admin.post(
        "/desk/admin/work/settings",
        {
            "timeout_policy": "round_robin",
            "timeout_urgent_minutes": "0",
            "timeout_normal_minutes": "120",
            "timeout_low_minutes": "480",
            "stale_after_hours": "24",
            "default_capacity": "10",
            "request_types": "Other",
        },
    )
    assert bad.status_code == 422
    good = admin.post(
        "/desk/admin/work/settings",
        {
            "timeout_policy": "escalate",
            "timeout_urgent_minutes": "10",
            "timeout_normal_minutes": "120",
            "timeout_low_minutes": "480",
            "stale_after_hours": "24",
            "default_capacity": "10",
            "approval_threshold": "",
            "request_types": "Business licence\nTax invoices\nOther",
        },
    )
    assert good.status_code == 303
    assert 'value="10"' in admin.get("/desk/admin/work/settings").get_data(as_text=True)
