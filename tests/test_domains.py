"""Custom domains: only verified ones route, one firm per domain, the primary one in links."""

import re

import pytest
from sqlalchemy import select

from tenants import db, tenant_context
from tenants.models import Domain
from yk_saas.domains import jobs as domain_jobs
from yk_saas.domains import services as domains


@pytest.fixture
def dns(monkeypatch):
    """A fake DNS: name → TXT strings."""
    records: dict[str, list[str]] = {}
    monkeypatch.setattr(domains, "txt_values", lambda name: records.get(name, []))
    return records


def add(client, host):
    return client.post("/desk/admin/domains/", {"host": host})


def domain_row(app, host):
    with app.app_context():
        return db.session.scalar(select(Domain).where(Domain.host == host))


def test_unverified_domain_is_404_and_verified_domain_serves_the_firm(
    app, firm_a, signed_in, host_client, dns
):
    owner = signed_in(firm_a, "owner")
    assert add(owner, "www.alpha-books.example").status_code == 303
    page = owner.get("/desk/admin/domains/").get_data(as_text=True)
    # Other tests leave unverified domains of their own on this firm: pick this one's record.
    name, value = re.search(
        r"<code>(_yk-verify\.www\.alpha-books\.example)</code> = <code>([^<]+)</code>", page
    ).groups()
    assert name == "_yk-verify.www.alpha-books.example"
    assert host_client("www.alpha-books.example").get("/").status_code == 404

    domain_id = domain_row(app, "www.alpha-books.example").id
    with app.app_context(), pytest.raises(domain_jobs.NotVerifiedYet):
        domain_jobs.verify_domain("alpha", domain_id)  # no record yet: the worker retries
    assert host_client("www.alpha-books.example").get("/").status_code == 404

    dns[name] = ["something-else", value]
    with app.app_context():
        assert domain_jobs.verify_domain("alpha", domain_id) == "verified"
    home = host_client("www.alpha-books.example").get("/")
    assert home.status_code == 200 and "Alpha Firm" in home.get_data(as_text=True)

    # The session cookie works on the custom domain.
    visitor = host_client("www.alpha-books.example")
    assert visitor.login(firm_a["accountant"]).status_code == 302
    assert visitor.get("/desk/").status_code == 200


def test_a_domain_verified_by_another_firm_is_refused(app, firm_a, firm_b, signed_in, dns):
    alpha = signed_in(firm_a, "owner")
    assert add(alpha, "claimed.alpha-only.example").status_code == 303
    row = domain_row(app, "claimed.alpha-only.example")
    with app.test_request_context(), tenant_context("alpha"):
        name, value = domains.txt_record(row)
    dns[name] = [value]
    assert alpha.post(f"/desk/admin/domains/{row.id}/verify").status_code == 303
    response = add(signed_in(firm_b, "owner"), "claimed.alpha-only.example")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and ("Another firm" in body or "其他公司" in body)
    assert domain_row(app, "claimed.alpha-only.example").tenant_id != 0
    with app.app_context(), tenant_context("bravo"):
        assert all(d.host != "claimed.alpha-only.example" for d in domains.firm_domains())


@pytest.mark.parametrize(
    "host", ["not a domain", "bravo.yk.test", "yk.test", "javascript:alert(1)"]
)
def test_platform_and_malformed_hosts_are_refused(firm_a, signed_in, host):
    assert add(signed_in(firm_a, "owner"), host).status_code == 422


def test_the_primary_domain_is_used_in_links(app, firm_a, signed_in, dns):
    from yk_saas.urls import firm_base_url

    owner = signed_in(firm_a, "owner")
    add(owner, "primary.alpha-links.example")
    row = domain_row(app, "primary.alpha-links.example")
    assert (
        owner.post(f"/desk/admin/domains/{row.id}/primary").status_code == 422
    )  # not verified yet
    with app.test_request_context(), tenant_context("alpha"):
        domain = domains.firm_domain(row.id)
        dns[domains.txt_record(domain)[0]] = [domains.txt_record(domain)[1]]
        assert domains.check_domain(domain)
        db.session.commit()
    assert owner.post(f"/desk/admin/domains/{row.id}/primary").status_code == 303
    with app.test_request_context(), tenant_context("alpha") as firm:
        assert firm_base_url(firm) == "http://primary.alpha-links.example"
    # Removing it falls back to the platform subdomain.
    assert owner.post(f"/desk/admin/domains/{row.id}/remove").status_code == 303
    with app.test_request_context(), tenant_context("alpha") as firm:
        assert firm_base_url(firm) == "http://alpha.yk.test"


def test_another_firms_domain_cannot_be_touched(app, firm_a, firm_b, signed_in):
    add(signed_in(firm_a, "owner"), "keep.alpha-own.example")
    row = domain_row(app, "keep.alpha-own.example")
    bravo = signed_in(firm_b, "owner")
    for action in ("verify", "primary", "remove"):
        assert bravo.post(f"/desk/admin/domains/{row.id}/{action}").status_code == 404
    assert domain_row(app, "keep.alpha-own.example") is not None
    assert signed_in(firm_a, "admin").get("/desk/admin/domains/").status_code == 403
