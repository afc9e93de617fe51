"""Sign-in, signup and password resets slow down guessing and flooding."""

import pytest


@pytest.fixture
def limits_on(app, redis):
    for key in redis.scan_iter("yk:rl:*"):
        redis.delete(key)
    app.config["RATE_LIMITS"] = True
    yield
    app.config["RATE_LIMITS"] = False


def test_password_guessing_is_refused_with_429(firm_a, host_client, limits_on):
    client = host_client(firm_a["host"])
    responses = [
        client.post("/login", {"email": "guess@alpha.example.com", "password": f"x{i}"})
        for i in range(21)
    ]
    assert [r.status_code for r in responses[:20]] == [422] * 20
    assert responses[20].status_code == 429
    assert "请求过于频繁" in responses[20].get_data(as_text=True)  # the firm's language


def test_reset_requests_for_one_address_are_limited(firm_a, host_client, limits_on):
    client = host_client(firm_a["host"])
    statuses = [
        client.post("/password/forgot", {"email": "victim@alpha.example.com"}).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_signup_flood_from_one_address_is_limited(host_client, limits_on):
    client = host_client("yk.test")
    statuses = [client.post("/signup", {"slug": "x"}).status_code for _ in range(11)]
    assert statuses[-1] == 429 and 429 not in statuses[:10]
