"""The operator console: platform operators only, on the platform domain only."""

import re

import pyotp
import pytest
from sqlalchemy import select

from tenants import db, tenant_context
from tests.support import PASSWORD, PLATFORM
from yk_saas.audit.models import AuditEntry
from yk_saas.operators.services import create_operator

OPERATOR = "ops@platform.example.com"


@pytest.fixture(scope="module")
def operator(app):
    with app.app_context():
        from yk_saas.operators.models import PlatformOperator

        if not db.session.scalar(
            select(PlatformOperator.id).where(PlatformOperator.email == OPERATOR)
        ):
            create_operator(OPERATOR, PASSWORD, "Ops")
            db.session.commit()
    return OPERATOR


@pytest.fixture
def console(host_client, operator):
    client = host_client(PLATFORM)
    assert (
        client.post("/operators/login", {"email": operator, "password": PASSWORD}).status_code
        == 303
    )
    client._csrf = None  # signing in starts a fresh session
    return client


def test_firm_users_and_firm_hosts_never_reach_the_console(
    app, firm_a, signed_in, host_client, operator
):
    owner = signed_in(firm_a, "owner")
    for path in ("/operators/", "/operators/health", "/operators/login"):
        assert owner.get(path).status_code == 404
    # A firm user's credentials are not an operator's.
    platform = host_client(PLATFORM)
    assert (
        platform.post(
            "/operators/login", {"email": firm_a["owner"], "password": PASSWORD}
        ).status_code
        == 422
    )
    assert platform.get("/operators/").status_code == 302
    # An operator's platform session is worthless on a firm host.
    console = host_client(PLATFORM)
    console.post("/operators/login", {"email": operator, "password": PASSWORD})
    stolen = host_client(firm_a["host"])
    stolen.set_cookie(console.cookie())
    assert stolen.get("/operators/").status_code == 404
    assert stolen.get("/desk/").status_code == 302


def test_firms_list_shows_plan_status_users_and_storage(app, firm_a, console):
    page = console.get("/operators/").get_data(as_text=True)
    row = re.search(r'<tr data-firm="alpha">.*?</tr>', page, re.DOTALL).group(0)
    assert "trial" in row and "active" in row and "MB" in row
    assert int(re.findall(r"<td>(\d+)</td>", row)[0]) >= 6  # the six people every test firm has


def test_suspend_and_resume_a_firm(app, console, host_client):
    from tests.support.firms import provision_firm

    firm = provision_firm(app, "opsuspend", "OPSUSPEND")
    assert console.post("/operators/firms/opsuspend/suspend").status_code == 303
    assert host_client(firm["host"]).get("/").status_code == 503
    assert console.post("/operators/firms/opsuspend/resume").status_code == 303
    assert host_client(firm["host"]).get("/").status_code == 200
    with app.app_context(), tenant_context("opsuspend"):
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.actor_label == f"operator:{OPERATOR}")
        ).all()
    assert actions == ["firm_suspended", "firm_resumed"]


def test_support_sign_in_needs_the_owners_consent_and_is_audited(
    app, console, signed_in, host_client
):
    from tests.support.firms import provision_firm

    firm = provision_firm(app, "opsupport", "OPSUPPORT")
    refused = console.post("/operators/firms/opsupport/support")
    assert refused.status_code == 303 and "/operators/" in refused.headers["Location"]
    owner = signed_in(firm, "owner")
    owner.post(
        "/desk/admin/site/branding/",
        {"primary": "#1d5fd1", "accent": "#0f2f66", "support_consent": "y"},
    )
    allowed = console.post("/operators/firms/opsupport/support")
    assert allowed.headers["Location"].startswith(f"http://{firm['host']}/auth/handoff?token=")
    helper = host_client(firm["host"])
    path = allowed.headers["Location"].split(firm["host"], 1)[1]
    assert helper.get(path).status_code == 302 and helper.get("/desk/").status_code == 200
    with app.app_context(), tenant_context("opsupport"):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "support_sign_in"))
    assert entry.actor_label == f"operator:{OPERATOR}" and entry.ip


def test_health_page_shows_queues_workers_and_schemas(console):
    page = console.get("/operators/health").get_data(as_text=True)
    assert 'id="queues"' in page and "high" in page and 'id="schema-count"' in page


def test_operator_with_totp_needs_the_code(app, host_client):
    with app.app_context():
        operator = create_operator("totp-ops@platform.example.com", PASSWORD, with_totp=True)
        db.session.commit()
        secret = operator.totp_secret
    client = host_client(PLATFORM)
    assert (
        client.post(
            "/operators/login", {"email": "totp-ops@platform.example.com", "password": PASSWORD}
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/operators/login",
            {
                "email": "totp-ops@platform.example.com",
                "password": PASSWORD,
                "code": pyotp.TOTP(secret).now(),
            },
        ).status_code
        == 303
    )


def test_cli_creates_an_operator(app):
    result = app.test_cli_runner().invoke(
        args=["operators", "create", "cli-ops@platform.example.com", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert "created operator" in result.output


def test_health_page_and_metrics_show_the_heartbeat(app, console, host_client, redis):
    from yk_saas import heartbeat

    with app.app_context():
        redis.delete(heartbeat.CLAIM_LATENESS, heartbeat.EMAIL_DELAY)
        heartbeat.record(heartbeat.EMAIL_DELAY, "alpha-1", 4.0)
        heartbeat.record(heartbeat.CLAIM_LATENESS, "alpha-7", 2.0)
    page = console.get("/operators/health").get_data(as_text=True)
    assert 'id="heartbeat"' in page and "deadlines" in page
    assert 'id="lateness-warning"' not in page
    with app.app_context():
        heartbeat.record(heartbeat.CLAIM_LATENESS, "alpha-8", 95.0)  # threshold is 30 s
    page = console.get("/operators/health").get_data(as_text=True)
    assert 'id="lateness-warning"' in page
    # The metrics: an operator session, or the bearer token; nobody else.
    metrics = console.get("/operators/metrics").get_data(as_text=True)
    assert 'yk_queue_depth{queue="deadlines"}' in metrics
    assert 'yk_claim_lateness_seconds{stat="max"} 95.0' in metrics
    assert "yk_claim_lateness_warning 1.0" in metrics
    stranger = host_client(PLATFORM)
    assert stranger.get("/operators/metrics").status_code == 401
    app.config["METRICS_TOKEN"] = "s3cret-token"
    try:
        headers = {"Authorization": "Bearer s3cret-token"}
        assert stranger.get("/operators/metrics", headers=headers).status_code == 200
        wrong = {"Authorization": "Bearer guess"}
        assert stranger.get("/operators/metrics", headers=wrong).status_code == 401
    finally:
        app.config["METRICS_TOKEN"] = ""
    with app.app_context():
        redis.delete(heartbeat.CLAIM_LATENESS, heartbeat.EMAIL_DELAY)
