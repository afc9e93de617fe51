"""Wrong passwords slow down one address for one account: the answer is the same for real and
unknown accounts, the person still signs in from elsewhere, and is told once by e-mail."""

import itertools
import re
import time

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from tenants import db, tenant_context
from tests.support import PASSWORD
from yk_saas.mail.models import OutboxEmail

_seq = itertools.count()
ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}


@pytest.fixture(autouse=True)
def fresh_throttles(redis):
    for pattern in ("yk:signin:*", "yk:signin-alert:*"):
        for key in redis.scan_iter(pattern):
            redis.delete(key)


def new_person(app) -> str:
    from yk_saas.accounts.services import create_user

    email = f"throttle{next(_seq)}@alpha.example.com"
    with app.app_context(), tenant_context("alpha"):
        create_user(email, "Throttle Person", "accountant", PASSWORD)
        db.session.commit()
    return email


def attempt(client, email, password="wrong-password-1", address=ATTACKER):
    client._csrf = None
    return client.post("/login", {"email": email, "password": password}, environ_base=address)


def message(response) -> str:
    return " ".join(
        re.findall(r'<p class="flash flash-error"[^>]*>(.*?)</p>', response.get_data(as_text=True))
    )


def wait_in(response) -> int:
    return int(re.search(r"(\d+)", message(response)).group(1))


def rewind(redis, email, seconds):
    """Move the last failure of ``email`` from the attacker's address back in time."""
    key = f"yk:signin:alpha:{ATTACKER['REMOTE_ADDR']}:{email}"
    redis.hset(key, "at", float(redis.hget(key, "at")) - seconds)


@pytest.fixture
def verify_calls(monkeypatch):
    """Counts Argon2 verifications (each still runs for real)."""
    calls = []
    real = PasswordHasher.verify

    def counting(hasher, password_hash, password):
        calls.append(password_hash)
        return real(hasher, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def test_real_and_unknown_accounts_get_the_same_answers_and_the_same_work(
    app, firm_a, host_client, verify_calls
):
    known, unknown = new_person(app), "nobody-here@alpha.example.com"
    answers = {}
    for email in (known, unknown):
        client = host_client(firm_a["host"])
        verify_calls.clear()
        failures = [attempt(client, email) for _ in range(app.config["LOGIN_MAX_FAILURES"])]
        assert len(verify_calls) == len(
            failures
        )  # an unknown account costs a real verification too
        throttled = attempt(client, email)
        answers[email] = (
            [(r.status_code, message(r)) for r in failures],
            (throttled.status_code, message(throttled).replace(email, "")),
        )
    assert answers[known] == answers[unknown]
    status, text = answers[known][1]
    assert status == 422 and ("Too many failed attempts" in text or "失败次数过多" in text)


def test_the_right_password_still_works_from_another_address(app, firm_a, host_client):
    email = new_person(app)
    attacker = host_client(firm_a["host"])
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 3):
        attempt(attacker, email)
    assert attempt(attacker, email, PASSWORD).status_code == 422  # that address waits
    person = host_client(firm_a["host"])
    response = attempt(person, email, PASSWORD, {"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 302 and response.headers["Location"] == "/desk/"


def test_the_wait_doubles_with_each_failure_and_then_the_right_password_works(
    app, firm_a, host_client, redis
):
    email = new_person(app)
    client = host_client(firm_a["host"])
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        attempt(client, email)
    waits = []
    for _ in range(4):
        waits.append(wait_in(attempt(client, email)))
        rewind(redis, email, waits[-1])  # as if the wait had passed
        assert attempt(client, email).status_code == 422  # one more wrong password
    assert waits == [2, 4, 8, 16]
    rewind(redis, email, 32)
    assert attempt(client, email, PASSWORD).status_code == 302


def test_the_wait_is_capped(app, firm_a, host_client, redis):
    email = new_person(app)
    key = f"yk:signin:alpha:{ATTACKER['REMOTE_ADDR']}:{email}"
    redis.hset(key, mapping={"n": 60, "at": time.time()})
    response = attempt(host_client(firm_a["host"]), email, PASSWORD)
    assert wait_in(response) == app.config["LOGIN_LOCK_MINUTES"] * 60


def test_the_person_is_told_once_by_e_mail(app, firm_a, host_client):
    email = new_person(app)
    for i in range(3 * app.config["LOGIN_MAX_FAILURES"]):  # from many addresses
        attempt(host_client(firm_a["host"]), email, address={"REMOTE_ADDR": f"192.0.2.{i % 4 + 1}"})
    attempt(host_client(firm_a["host"]), "ghost@alpha.example.com")
    with app.app_context(), tenant_context("alpha"):
        count = select(func.count(OutboxEmail.id)).where(OutboxEmail.kind == "sign_in_alert")
        assert db.session.scalar(count.where(OutboxEmail.to_address == email)) == 1
        assert (
            db.session.scalar(count.where(OutboxEmail.to_address == "ghost@alpha.example.com")) == 0
        )


def test_guessing_from_many_addresses_does_not_lock_the_person_out(app, firm_a, host_client, redis):
    """The per-address request limit stays on; no limit counts per account alone."""
    email = new_person(app)
    for key in redis.scan_iter("yk:rl:*"):
        redis.delete(key)
    app.config["RATE_LIMITS"] = True
    try:
        for i in range(25):
            attempt(
                host_client(firm_a["host"]), email, address={"REMOTE_ADDR": f"192.0.2.{100 + i}"}
            )
        response = attempt(
            host_client(firm_a["host"]), email, PASSWORD, {"REMOTE_ADDR": "198.51.100.9"}
        )
    finally:
        app.config["RATE_LIMITS"] = False
    assert response.status_code == 302
