"""The tenancy layer on real schemas: naming, provisioning, binding, resolution."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError

from tenants import InvalidSchemaName, db, tenant_context, validate_schema_name
from tenants.models import Domain, Tenant
from tenants.naming import schema_for_slug
from tenants.provision import provision_tenant
from yk_saas.accounts.models import User


@pytest.mark.parametrize(
    "name",
    [
        't_a"; DROP SCHEMA public CASCADE; --',
        "t_a;b",
        "T_ACME",
        "t_Acme",
        "public",
        "pg_catalog",
        "pg_toast",
        "tenant",
        "information_schema",
        "t_" + "a" * 40,
        "",
        "t_a b",
        "t_a-b",
        "acme",
        "1t_acme",
        "t_ä",
    ],
)
def test_unsafe_schema_names_are_refused_before_any_sql(name):
    with pytest.raises(InvalidSchemaName):
        validate_schema_name(name)


def test_slugs_map_to_valid_schema_names():
    assert schema_for_slug("acme-tax") == "t_acme_tax"
    with pytest.raises(InvalidSchemaName):
        schema_for_slug("Acme")


def test_session_with_no_firm_bound_cannot_read_firm_tables(app_ctx, firm_a):
    with pytest.raises(ProgrammingError, match='relation "tenant.users" does not exist'):
        db.session.execute(select(User)).all()
    db.session.rollback()


def test_each_firm_sees_only_its_own_rows_with_identical_ids(app_ctx, firm_a, firm_b):
    owner_id = firm_a["ids"]["owner"]
    assert firm_b["ids"]["owner"] == owner_id
    with tenant_context("alpha"):
        alpha = db.session.get(User, owner_id).name
    with tenant_context("bravo"):
        bravo = db.session.get(User, owner_id).name
    assert alpha.startswith("ALPHASECRET") and bravo.startswith("BRAVOSECRET")


def test_tenant_context_gives_a_fresh_identity_map(app_ctx, firm_a, firm_b):
    owner_id = firm_a["ids"]["owner"]
    assert firm_b["ids"]["owner"] == owner_id
    with tenant_context("alpha"):
        first = db.session.get(User, owner_id)
        assert "ALPHA" in first.name
        with tenant_context("bravo"):
            assert "BRAVO" in db.session.get(User, owner_id).name
        assert "ALPHA" in db.session.get(User, owner_id).name


def test_failed_provisioning_leaves_no_schema_and_no_registry_row(app_ctx):
    def seed_that_fails(session, firm):
        session.add(User(email="x@example.com", name="x", role="owner", password_hash="x"))
        session.flush()
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        provision_tenant("halfway", "Halfway", host="halfway.yk.test", seed=seed_that_fails)
    assert db.session.scalar(select(Tenant).where(Tenant.slug == "halfway")) is None
    assert db.session.scalar(select(Domain).where(Domain.host == "halfway.yk.test")) is None
    schemas = db.session.scalars(
        text("SELECT nspname FROM pg_namespace WHERE nspname = 't_halfway'")
    )
    assert list(schemas) == []


def test_unknown_host_is_a_404_page(host_client, firm_a):
    response = host_client("nobody.yk.test").get("/")
    assert response.status_code == 404
    assert "ALPHASECRET" not in response.get_data(as_text=True)


def test_unverified_domain_does_not_route(app, host_client, firm_a):
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "alpha"))
        db.session.add(Domain(host="books.alpha-example.com", tenant_id=tenant_id, verified=False))
        db.session.commit()
    assert host_client("books.alpha-example.com").get("/").status_code == 404


def test_firm_areas_are_not_served_on_the_platform_domain(host_client):
    platform = host_client("yk.test")
    for path in ("/login", "/desk/", "/portal/", "/account/"):
        assert platform.get(path).status_code == 404


def test_platform_pages_are_not_served_on_a_firm_host(host_client, firm_a):
    assert host_client(firm_a["host"]).get("/signup").status_code == 404


def test_a_platform_job_commits_when_it_returns_and_rolls_back_when_it_raises(app, firm_a):
    from tenants.jobs import platform_job

    slug = firm_a["slug"]

    @platform_job
    def rename(name, fail=False):
        db.session.execute(
            text("UPDATE public.tenants SET name = :n WHERE slug = :s"), {"n": name, "s": slug}
        )
        if fail:
            raise RuntimeError("refused")
        return name

    def name_now():
        db.session.remove()
        return db.session.scalar(select(Tenant.name).where(Tenant.slug == slug))

    with app.app_context():
        before = name_now()
        try:
            assert rename("Renamed by a job") == "Renamed by a job"
            assert name_now() == "Renamed by a job"
            with pytest.raises(RuntimeError):
                rename("Never saved", fail=True)
            assert name_now() == "Renamed by a job"
        finally:
            rename(before)
        assert name_now() == before
