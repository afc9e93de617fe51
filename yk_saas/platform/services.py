"""Firm signup: validate, provision the schema, create the owner."""

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants import TenantInfo, db
from tenants.models import Domain, Tenant
from tenants.naming import slug_problem
from tenants.provision import SlugTaken, provision_tenant
from yk_saas.access import OWNER
from yk_saas.accounts.models import User
from yk_saas.accounts.passwords import hash_password, password_problem
from yk_saas.errors import UserError
from yk_saas.seeding import seed_new_firm


@dataclass
class FirmSignup:
    firm_name: str
    slug: str
    owner_name: str
    email: str
    password: str
    locale: str = "zh_CN"


def firm_host(slug: str) -> str:
    return f"{slug}.{current_app.config['PLATFORM_DOMAIN']}"


def subdomain_problem(slug: str) -> str | None:
    """Why a subdomain cannot be had, in the user's language, or None."""
    problem = slug_problem(slug)
    if problem == "length":
        return _("Use 3 to 32 characters.")
    if problem == "charset":
        return _("Use lower-case letters, digits and single hyphens; start with a letter.")
    if problem == "reserved":
        return _("This subdomain is reserved.")
    taken = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) or db.session.scalar(
        select(Domain.id).where(Domain.host == firm_host(slug))
    )
    return _("This subdomain is taken.") if taken else None


def signup_problems(form: FirmSignup) -> dict[str, str]:
    """Every problem with a signup, keyed by field; empty when it can go ahead."""
    problems = {}
    if not 2 <= len(form.firm_name.strip()) <= 120:
        problems["firm_name"] = _("Enter the firm's name (2 to 120 characters).")
    if problem := subdomain_problem(form.slug):
        problems["slug"] = problem
    if not 1 <= len(form.owner_name.strip()) <= 100:
        problems["owner_name"] = _("Enter your name.")
    try:
        validate_email(form.email, check_deliverability=False)
    except EmailNotValidError:
        problems["email"] = _("Enter a valid e-mail address.")
    if problem := password_problem(form.password, form.email):
        problems["password"] = problem
    return problems


def signup_firm(form: FirmSignup) -> tuple[TenantInfo, int]:
    """Provision the firm and its owner in one transaction; returns (firm, owner id)."""
    owner_ids = []

    def seed(session: Session, firm: TenantInfo) -> None:
        owner = User(
            email=form.email.strip(),
            name=form.owner_name.strip(),
            role=OWNER,
            password_hash=hash_password(form.password),
            locale=None,
        )
        session.add(owner)
        session.flush()
        owner_ids.append(owner.id)
        seed_new_firm(session, firm)

    try:
        firm = provision_tenant(
            form.slug,
            form.firm_name.strip(),
            host=firm_host(form.slug),
            seed=seed,
            locale=form.locale,
        )
    except SlugTaken as exc:
        raise UserError(_("This subdomain is taken."), field="slug") from exc
    return firm, owner_ids[0]
