"""Client companies (K1, K2): profile, dedicated accountant, and who may see which company."""

from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from tenants import db
from yk_saas import signals
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.clients.creditcode import CreditCodeError, normalize_credit_code, validate_credit_code
from yk_saas.clients.models import AccountantChange, ClientCompany, ClientTag
from yk_saas.errors import UserError
from yk_saas.models_base import utcnow
from yk_saas.notifications.services import notify
from yk_saas.search import matches

PROFILE_FIELDS = ("name", "credit_code", "industry", "size", "tax_type", "address", "source")


class ClientError(UserError):
    """A problem the user can fix."""


def credit_code_message(reason: str) -> str:
    return {
        "length": _("A unified social credit code has 18 characters."),
        "characters": _("The code contains characters a unified social credit code cannot have."),
        "check": _("The check digit does not match: please check the code for typos."),
    }[reason]


def clean_credit_code(text: str | None) -> str | None:
    """The validated code, None when empty; raises ClientError with the reason."""
    if not normalize_credit_code(text):
        return None
    try:
        return validate_credit_code(text)
    except CreditCodeError as exc:
        raise ClientError(credit_code_message(str(exc)), field="credit_code") from exc


def check_unique(company_id: int | None, name: str, credit_code: str | None) -> None:
    """Refuse a name or credit code another company of the firm already has."""
    others = select(ClientCompany.id).where(ClientCompany.id != (company_id or 0))
    if db.session.scalar(others.where(func.lower(ClientCompany.name) == name.lower())):
        raise ClientError(_("A client company with this name already exists."), field="name")
    if credit_code and db.session.scalar(others.where(ClientCompany.credit_code == credit_code)):
        raise ClientError(_("Another client company has this credit code."), field="credit_code")


def create_company(name: str, **profile) -> ClientCompany:
    """Add a company with its profile; raises ClientError when a value is wrong."""
    company = ClientCompany(name=name.strip())
    apply_profile(company, {"name": name, **profile})
    db.session.add(company)
    db.session.flush()
    return company


def apply_profile(company: ClientCompany, values: dict) -> None:
    """Validate and set the profile fields given in ``values``."""
    name = (values.get("name") or company.name or "").strip()
    code = (
        clean_credit_code(values.get("credit_code"))
        if "credit_code" in values
        else company.credit_code
    )
    check_unique(company.id, name, code)
    company.name, company.credit_code = name, code
    for key in PROFILE_FIELDS[2:]:
        if key in values:
            setattr(company, key, (values[key] or "").strip() or None)


def update_company(company: ClientCompany, values: dict, by: User) -> None:
    """Change a company's profile; audited."""
    apply_profile(company, values)
    record_audit("client_updated", "client_company", company.id, actor=by)


def set_company_status(company: ClientCompany, status: str, by: User) -> None:
    """Mark a company lost (it left the firm) or active again; audited."""
    company.status = status
    company.lost_at = utcnow() if status == "lost" else None
    record_audit("client_status", "client_company", company.id, actor=by, status=status)
    signals.client_company_status_changed.send(
        current_app._get_current_object(), company_id=company.id, status=status
    )


def accountant_choices() -> list[User]:
    return db.session.scalars(
        select(User).where(User.role == "accountant", User.is_active.is_(True)).order_by(User.name)
    ).all()


def change_dedicated_accountant(company: ClientCompany, new_id: int | None, by: User) -> bool:
    """A manager assigns an active member of staff (or nobody) to a company.

    Returns whether it changed; history and audit follow from the signal. The one
    place the dedicated accountant changes (the desk's client pages and work pages).
    """
    if by is None or not by.is_manager:
        raise ClientError(_("Only a manager can change the dedicated accountant."))
    if new_id is not None:
        user = db.session.get(User, new_id)
        if user is None or not user.is_active or user.role not in ("accountant", "admin", "owner"):
            raise ClientError(_("Choose a member of staff."))
    old_id = company.dedicated_accountant_id
    if old_id == new_id:
        return False
    company.dedicated_accountant_id = new_id
    db.session.flush()
    signals.dedicated_accountant_changed.send(
        current_app._get_current_object(),
        company_id=company.id,
        old_id=old_id,
        new_id=new_id,
        by_id=by.id,
    )
    record_audit(
        "dedicated_accountant_changed",
        "client_company",
        company.id,
        actor=by,
        old_id=old_id,
        new_id=new_id,
    )
    if new_id is not None:
        tell_about_new_accountant(company, db.session.get(User, new_id), by)
    return True


def tell_about_new_accountant(company: ClientCompany, accountant: User, by: User) -> None:
    """The new accountant hears of their client (unless they made the change themselves), and
    the client's people of their new accountant.

    The accountant's link is their client list searched for the company: it still opens (empty)
    after the company has gone to someone else, where the company's own page would not.
    """
    if accountant.id != by.id:
        notify(
            "client_assigned",
            [accountant.id],
            link=f"/desk/clients/?q={quote(company.name[:100])}",
            company=company.name,
        )
    client_users = db.session.scalars(
        select(User.id).where(
            User.role == "client", User.client_company_id == company.id, User.is_active.is_(True)
        )
    ).all()
    if client_users:
        notify(
            "client_accountant_changed", client_users, link="/portal/", accountant=accountant.name
        )


def record_accountant_change(sender, company_id, old_id, new_id, by_id=None, **_kw):
    """Keep the history row for every change, whoever made it (desk, orders, imports)."""
    db.session.add(
        AccountantChange(company_id=company_id, old_id=old_id, new_id=new_id, by_id=by_id)
    )


def accountant_history(company_id: int):
    return db.session.scalars(
        select(AccountantChange)
        .where(AccountantChange.company_id == company_id)
        .order_by(AccountantChange.changed_at.desc(), AccountantChange.id.desc())
    ).all()


def visible_company_ids(user: User):
    """The one rule of which client companies a person sees, as a select of ids.

    Managers see every company, an accountant the companies they are the dedicated
    accountant of, a client user only their own company. Every feature that shows
    a company's data (invoices, work, books, feedback) filters with this.
    """
    ids = select(ClientCompany.id)
    if user.is_manager:
        return ids
    if user.role == "accountant":
        return ids.where(ClientCompany.dedicated_accountant_id == user.id)
    return ids.where(ClientCompany.id == (user.client_company_id or -1))


def visible_companies_query(user: User):
    """Companies ``user`` may see (``visible_company_ids``)."""
    query = select(ClientCompany)
    return (
        query if user.is_manager else query.where(ClientCompany.id.in_(visible_company_ids(user)))
    )


def get_visible_company(user: User, company_id: int) -> ClientCompany | None:
    """The company if ``user`` may see it, else None."""
    return db.session.scalar(visible_companies_query(user).where(ClientCompany.id == company_id))


def filtered_companies_query(
    user: User, q: str = "", tag: str = "", accountant_id: int | None = None, status: str = ""
):
    """The desk list (and export): visible companies matching the filters, by name."""
    query = visible_companies_query(user)
    if q.strip():
        query = query.where(
            matches(q, ClientCompany.name, ClientCompany.credit_code, ClientCompany.industry)
        )
    if tag:
        query = query.where(
            ClientCompany.id.in_(select(ClientTag.company_id).where(ClientTag.tag == tag))
        )
    if accountant_id:
        query = query.where(ClientCompany.dedicated_accountant_id == accountant_id)
    if status:
        query = query.where(ClientCompany.status == status)
    return query.order_by(ClientCompany.name, ClientCompany.id)


def filtered_companies(user: User, **filters) -> list[ClientCompany]:
    """Every company of ``filtered_companies_query`` (the export takes them all)."""
    return db.session.scalars(filtered_companies_query(user, **filters)).all()


def user_counts(company_ids) -> dict[int, int]:
    rows = db.session.execute(
        select(User.client_company_id, func.count(User.id))
        .where(User.client_company_id.in_(list(company_ids)))
        .group_by(User.client_company_id)
    ).all()
    return dict(rows)


def list_companies_with_user_counts():
    """(company, number of client users) for every company, in one query."""
    users = (
        select(User.client_company_id, func.count(User.id).label("n"))
        .group_by(User.client_company_id)
        .subquery()
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


def users_by_id(ids) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def accountant_card(company: ClientCompany | None) -> dict | None:
    """What the client portal shows of its dedicated accountant, or None."""
    from yk_saas.clients.models import StaffProfile

    if company is None or company.dedicated_accountant_id is None:
        return None
    user = db.session.get(User, company.dedicated_accountant_id)
    if user is None or not user.is_active:
        return None
    return {"user": user, "profile": db.session.get(StaffProfile, user.id)}
