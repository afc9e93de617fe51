"""Staff performance and dashboards show every registered figure; our own figures are exact."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from flask_babel import lazy_gettext

from tenants import db, tenant_context
from yk_saas.clients.models import ClientCompany
from yk_saas.feedback.models import Complaint, FollowUp, SurveyResponse
from yk_saas.reports import registry


@pytest.fixture
def fake_registry(firm_a):
    """Register a fake provider and card for one test, then put the registry back as it was."""
    saved = (
        dict(registry.STAFF_METRICS),
        list(registry.STAFF_PROVIDERS),
        dict(registry.CLIENT_METRICS),
        list(registry.CLIENT_PROVIDERS),
        dict(registry.DASHBOARD_CARDS),
    )

    def fake_staff(start, end):
        return {
            firm_a["ids"]["accountant"]: {
                "fake_claimed": 17,
                "fake_claim_time": 5400,
                "fake_revenue": 1234500,
            }
        }

    def fake_client(start, end):
        return {firm_a["ids"]["company_x"]: {"fake_late": 4}}

    registry.add_staff_provider(
        fake_staff,
        registry.Metric("fake_claimed", lazy_gettext("Claimed"), "count", 1),
        registry.Metric("fake_claim_time", lazy_gettext("Median time to claim"), "seconds", 2),
        registry.Metric("fake_revenue", lazy_gettext("Revenue of clients"), "money", 3),
    )
    registry.add_client_provider(
        fake_client, registry.Metric("fake_late", lazy_gettext("Late payments"), "count", 1)
    )
    registry.add_dashboard_card(
        registry.DashboardCard("fake_card", "Fake card", "dashboards_admin.card_complaints", 1)
    )
    yield
    # In place: the report pages hold these very objects.
    for current, before in zip(
        (
            registry.STAFF_METRICS,
            registry.STAFF_PROVIDERS,
            registry.CLIENT_METRICS,
            registry.CLIENT_PROVIDERS,
            registry.DASHBOARD_CARDS,
        ),
        saved,
        strict=True,
    ):
        current.clear()
        current.update(before) if isinstance(current, dict) else current.extend(before)


def test_pages_show_whatever_is_registered(app, firm_a, signed_in_en, fake_registry):
    admin = signed_in_en(firm_a, "admin")
    page = admin.get("/desk/staff/performance").get_data(as_text=True)
    assert "Claimed" in page and ">17<" in page and "1 h 30 min" in page and "¥12,345.00" in page
    csv_text = admin.get("/desk/staff/performance.csv").get_data(as_text=True)
    assert "fake_claimed" in csv_text and ",17," in csv_text and "12345.00" in csv_text
    mine = signed_in_en(firm_a, "accountant2").get("/desk/staff/performance").get_data(as_text=True)
    assert "ALPHASECRET Accountant Two" in mine and "ALPHASECRET Admin" not in mine

    dashboard = admin.get("/desk/admin/dashboards/").get_data(as_text=True)
    assert dashboard.count('class="card dash-card"') == len(registry.DASHBOARD_CARDS)
    for card in registry.DASHBOARD_CARDS.values():
        assert f'id="card-{card.key.replace("_", "-")}"' in dashboard
        fragment = admin.get(
            app.url_map.bind("alpha.yk.test").build(card.endpoint), headers={"HX-Request": "true"}
        )
        assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    risk = admin.get("/desk/admin/dashboards/cards/client-risk").get_data(as_text=True)
    assert "Late payments" in risk and ">4<" in risk
    assert (
        signed_in_en(firm_a, "accountant")
        .get("/desk/admin/dashboards/cards/client-risk")
        .status_code
        == 403
    )


def at(day, hour=10):
    return datetime(2021, 5, day, hour, tzinfo=UTC)


@pytest.fixture(scope="module")
def fixed_data(app, firm_a):
    """May 2021: a small, known set of complaints, follow-ups and survey answers."""
    ids = firm_a["ids"]
    acc, acc2 = ids["accountant"], ids["accountant2"]
    with app.app_context(), tenant_context(firm_a["slug"]):
        a = ClientCompany(name="Perf Alpha Co", dedicated_accountant_id=acc)
        b = ClientCompany(name="Perf Beta Co", dedicated_accountant_id=acc2)
        db.session.add_all([a, b])
        db.session.flush()
        complaint = {"title": "t", "description": "d", "state": "new"}
        db.session.add_all(
            [
                Complaint(company_id=a.id, created_at=at(3), **complaint),
                Complaint(company_id=a.id, about_accountant_id=acc2, created_at=at(4), **complaint),
                Complaint(company_id=b.id, created_at=at(5), **complaint),
                Complaint(
                    company_id=b.id, created_at=datetime(2021, 6, 2, tzinfo=UTC), **complaint
                ),
            ]
        )
        done = {"scheduled_for": at(1).date(), "outcome": "ok"}
        db.session.add_all(
            [
                FollowUp(company_id=a.id, accountant_id=acc, done_at=at(6), satisfaction=5, **done),
                FollowUp(company_id=a.id, accountant_id=acc, done_at=at(7), satisfaction=4, **done),
                FollowUp(
                    company_id=a.id, accountant_id=acc, done_at=at(8), satisfaction=None, **done
                ),
                FollowUp(
                    company_id=b.id, accountant_id=acc2, done_at=at(9), satisfaction=2, **done
                ),
            ]
        )
        for user_offset, (company, accountant, score) in enumerate(
            [(a, acc, 10), (a, acc, 9), (a, acc, 6), (b, acc2, 7)]
        ):
            db.session.add(
                SurveyResponse(
                    round=f"P{user_offset}",
                    company_id=company.id,
                    user_id=ids["client_x"],
                    accountant_id=accountant,
                    score=score,
                    answered_at=at(10),
                )
            )
        db.session.commit()
        return a.id, b.id


def test_real_providers_on_a_fixed_data_set_equal_hand_computed_values(
    app, firm_a, fixed_data, signed_in_en
):
    from yk_saas.dashboards.periods import parse_period
    from yk_saas.feedback.metrics import client_feedback, staff_feedback

    a, b = fixed_data
    with app.test_request_context(base_url="http://alpha.yk.test"), tenant_context("alpha"):
        period = parse_period("2021-05")
        staff = staff_feedback(datetime(2021, 5, 1, tzinfo=UTC), datetime(2021, 6, 1, tzinfo=UTC))
        clients = client_feedback(
            datetime(2021, 5, 1, tzinfo=UTC), datetime(2021, 6, 1, tzinfo=UTC)
        )
    assert staff[firm_a["ids"]["accountant"]] == {
        "complaints": 1,
        "followups_done": 3,
        "followup_satisfaction": Decimal("4.5"),
        "survey_answers": 3,
        "survey_score": Decimal("8.3"),
        "survey_nps": 33,
    }
    assert staff[firm_a["ids"]["accountant2"]] == {
        "complaints": 2,
        "followups_done": 1,
        "followup_satisfaction": Decimal("2.0"),
        "survey_answers": 1,
        "survey_score": Decimal("7.0"),
        "survey_nps": 0,
    }
    assert clients[a]["complaints"] == 2 and clients[b]["complaints"] == 1
    assert clients[a]["followup_satisfaction"] == Decimal("4.5") and clients[b][
        "survey_score"
    ] == Decimal("7.0")
    assert period.key == "2021-05"
    page = (
        signed_in_en(firm_a, "admin")
        .get("/desk/staff/performance?period=2021-05")
        .get_data(as_text=True)
    )
    assert "8.3" in page and "4.5" in page and "33" in page


def test_churn_risk_combines_the_signals(app, firm_a, fixed_data):
    from yk_saas.dashboards.cards import risk_level, risk_score

    assert risk_score({"complaints": 2, "survey_score": Decimal("5.0")}) == 6
    assert risk_level(6) == "high" and risk_level(0) == "low"
    assert risk_score({"complaints": 0, "months_without_books": 1, "days_since_followup": 30}) == 0


def test_fake_registrations_are_gone_after_the_test(app, firm_a, signed_in_en):
    assert (
        "fake_claimed" not in registry.STAFF_METRICS and "fake_card" not in registry.DASHBOARD_CARDS
    )
    assert "complaints" in registry.STAFF_METRICS and "client_risk" in registry.DASHBOARD_CARDS
