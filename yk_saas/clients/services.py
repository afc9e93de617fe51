"""Client companies: the part the accounts layer needs; the CRM builds on it."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from tenants import db
from yk_saas.accounts.models import User
from yk_saas.clients.models import ClientCompany


class ClientError(ValueError):
    """A problem the user can fix."""


def create_company(name: str) -> ClientCompany:
    name = name.strip()
    if db.session.scalar(select(ClientCompany.id).where(func.lower(ClientCompany.name) == name.lower())):
        raise ClientError(_("A client company with this name already exists."))
    company = ClientCompany(name=name)
    db.session.add(company)
    db.session.commit()
    return company


def list_companies_with_user_counts():
    """(company, number of client users) for the desk's list, in one query."""
    users = (
        select(User.client_company_id, func.count(User.id).label("n"))
        .group_by(User.client_company_id).subquery()
    )
    return db.session.execute(
        select(ClientCompany, func.coalesce(users.c.n, 0))
        .outerjoin(users, users.c.client_company_id == ClientCompany.id)
        .order_by(ClientCompany.name)
    ).all()


def company_users(company_id: int):
    return db.session.scalars(
        select(User).where(User.client_company_id == company_id).order_by(User.name)
    ).all()
