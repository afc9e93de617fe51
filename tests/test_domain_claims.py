"""Custom-domain claims cannot be squatted: a claim blocks nobody, the first verification wins.

Two firms claim the same host through the domains page; the one that proves
the DNS record first gets it, its verified row is the only one that routes,
the other claim is void and cannot be verified or made again. A claim left
unverified expires after ``DOMAIN_CLAIM_DAYS`` and can no longer be verified.
The database holds one verified row per host whatever the code does.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tenants import db, tenant_context
from tenants.models import Domain, Tenant
from yk_saas.domains import jobs as domain_jobs
from yk_saas.domains import services as domains
from yk_saas.models_base import utcnow


@pytest.fixture
def dns(monkeypatch):
    """The DNS the verification reads: name → TXT strings."""
    records: dict[str, list[str]] = {}
    monkeypatch.setattr(domains, "txt_values", lambda name: records.get(name, []))
    return records


def claims(app, host):
    """slug → (id, verified) of every claim on ``host``."""
    with app.app_context():
        rows = db.session.execute(
            select(Tenant.slug, Domain.id, Domain.verified)
            .join(Tenant, Tenant.id == Domain.tenant_id)
            .where(Domain.host == host)
        )
        return {slug: (domain_id, verified) for slug, domain_id, verified in rows}


def publish_record(app, dns, slug, domain_id):
    """The firm's owner creates the TXT record the domains page shows."""
    with app.test_request_context(), tenant_context(slug):
        name, value = domains.txt_record(domains.firm_domain(domain_id))
    dns[name] = [*dns.get(name, []), value]


def test_two_firms_claim_one_host_and_the_first_to_verify_wins(
    app, firm_a, firm_b, signed_in, host_client, dns
):
    host = "www.contested-books.example"
    alpha, bravo = signed_in(firm_a, "owner"), signed_in(firm_b, "owner")
    assert alpha.post("/desk/admin/domains/", {"host": host}).status_code == 303
    assert (
        bravo.post("/desk/admin/domains/", {"host": host}).status_code == 303
    )  # not blocked by alpha
    assert set(claims(app, host)) == {"alpha", "bravo"}
    assert host_client(host).get("/").status_code == 404  # nobody routes before a verification

    publish_record(app, dns, "alpha", claims(app, host)["alpha"][0])
    publish_record(app, dns, "bravo", claims(app, host)["bravo"][0])
    alpha_id = claims(app, host)["alpha"][0]
    assert (
        bravo.post(f"/desk/admin/domains/{claims(app, host)['bravo'][0]}/verify").status_code == 303
    )
    home = host_client(host).get("/")
    assert home.status_code == 200 and "Bravo Firm" in home.get_data(as_text=True)

    # Alpha's claim is void: gone from its list, it cannot verify or claim the host again.
    assert claims(app, host) == {"bravo": (claims(app, host)["bravo"][0], True)}
    assert host not in alpha.get("/desk/admin/domains/").get_data(as_text=True)
    assert alpha.post(f"/desk/admin/domains/{alpha_id}/verify").status_code == 404
    with app.app_context():
        assert domain_jobs.verify_domain("alpha", alpha_id) == "gone"
    again = alpha.post("/desk/admin/domains/", {"host": host})
    assert again.status_code == 422 and "其他公司" in again.get_data(as_text=True)
    assert "Bravo Firm" in host_client(host).get("/").get_data(as_text=True)


def test_a_claim_that_lost_a_race_cannot_verify(app, firm_a, firm_b, signed_in, dns):
    """Alpha's check starts, Bravo's verification commits meanwhile: Alpha's claim is void."""
    host = "race.contested-books.example"
    ids = {}
    for slug in ("alpha", "bravo"):
        with app.test_request_context(), tenant_context(slug):
            ids[slug] = domains.add_domain(host).id
            db.session.commit()
        publish_record(app, dns, slug, ids[slug])
    bravo = signed_in(firm_b, "owner")
    with app.test_request_context(), tenant_context("alpha"):
        late = domains.firm_domain(ids["alpha"])  # read before Bravo's verification
        db.session.expunge(late)
    # Bravo's request runs in its own context (a shared one would share the session).
    assert bravo.post(f"/desk/admin/domains/{ids['bravo']}/verify").status_code == 303
    with app.test_request_context(), tenant_context("alpha"):
        late = db.session.merge(late, load=False)  # Alpha's check goes on with what it read
        with pytest.raises(domains.DomainError) as lost:
            domains.check_domain(late)
        assert lost.value.code == "taken"
        db.session.rollback()
    assert claims(app, host) == {"bravo": (ids["bravo"], True)}


def test_the_database_holds_one_verified_row_per_host(app, firm_a, firm_b):
    with app.app_context():
        tenants = dict(db.session.execute(select(Tenant.slug, Tenant.id)).all())
        db.session.add_all(
            [
                Domain(host="twice.example.org", tenant_id=tenants["alpha"], verified=True),
                Domain(host="twice.example.org", tenant_id=tenants["bravo"], verified=True),
            ]
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_an_expired_claim_blocks_nothing_and_cannot_be_verified(
    app, firm_a, firm_b, signed_in, dns, monkeypatch
):
    host = "old.contested-books.example"
    alpha = signed_in(firm_a, "owner")
    assert alpha.post("/desk/admin/domains/", {"host": host}).status_code == 303
    alpha_id = claims(app, host)["alpha"][0]
    publish_record(app, dns, "alpha", alpha_id)
    with app.app_context():
        db.session.execute(
            update(Domain)
            .where(Domain.id == alpha_id)
            .values(created_at=utcnow() - timedelta(days=8))
        )
        db.session.commit()
    signed_in_en = signed_in(firm_a, "owner")
    signed_in_en.post("/lang", {"locale": "en", "next": "/"})
    refused = signed_in_en.post(f"/desk/admin/domains/{alpha_id}/verify")
    assert refused.status_code == 422 and "This claim has expired" in refused.get_data(as_text=True)
    with app.app_context():
        assert domain_jobs.verify_domain("alpha", alpha_id) == "expired"
    assert claims(app, host)["alpha"] == (alpha_id, False)

    # The next claim on any host clears expired ones away; a fresh claim lives its full time.
    monkeypatch.setitem(app.config, "DOMAIN_CLAIM_DAYS", 7)
    assert (
        signed_in(firm_b, "owner").post("/desk/admin/domains/", {"host": host}).status_code == 303
    )
    assert set(claims(app, host)) == {"bravo"}
