"""X-Forwarded-For is believed only from the configured number of trusted proxies."""

from flask import request

from yk_saas import create_app


def client_address(app_config, trusted: int, forwarded: str | None) -> str:
    app = create_app({**app_config, "TRUSTED_PROXIES": trusted})
    seen = {}

    @app.before_request
    def remember_address():
        seen["address"] = request.remote_addr

    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    app.test_client().get(
        "/", base_url="http://yk.test", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.5"}
    )
    return seen["address"]


def test_without_trusted_proxies_a_forwarded_address_is_ignored(app_config):
    assert client_address(app_config, 0, "203.0.113.9") == "10.0.0.5"


def test_behind_one_proxy_the_clients_address_is_the_last_hop_it_added(app_config):
    assert client_address(app_config, 1, "203.0.113.9") == "203.0.113.9"
    # A client cannot pick its own address by sending the header itself: only the last hop counts.
    assert client_address(app_config, 1, "198.51.100.1, 203.0.113.9") == "203.0.113.9"
