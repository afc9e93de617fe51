"""Client companies in the staff desk (admins manage, accountants read)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tenants import db
from yk_saas.access import CLIENT, MANAGERS, require_firm_host, roles
from yk_saas.accounts import services as accounts
from yk_saas.accounts.models import Invitation
from yk_saas.clients import services
from yk_saas.clients.forms import ClientInviteForm, CompanyForm
from yk_saas.clients.models import ClientCompany
from yk_saas.mail.jobs import enqueue_delivery

bp = Blueprint("clients", __name__, url_prefix="/desk/clients")
bp.before_request(require_firm_host)


@bp.route("/", methods=["GET", "POST"])
@roles(*MANAGERS)
def index():
    form = CompanyForm()
    if form.validate_on_submit():
        try:
            company = services.create_company(form.name.data)
        except services.ClientError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            flash(_("Client company added."), "success")
            return redirect(url_for("clients.detail", company_id=company.id))
    rows = services.list_companies_with_user_counts()
    status = 422 if form.errors else 200
    return render_template("clients/index.html", rows=rows, form=form), status


@bp.route("/<int:company_id>", methods=["GET", "POST"])
@roles(*MANAGERS)
def detail(company_id):
    company = db.get_or_404(ClientCompany, company_id)
    form = ClientInviteForm()
    if form.validate_on_submit():
        try:
            email_id = accounts.invite_user(form.email.data, CLIENT, current_user, company.id)
        except accounts.AccountError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            enqueue_delivery(email_id)
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("clients.detail", company_id=company.id))
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.client_company_id == company.id,
                                 Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
    ).all()
    return render_template("clients/detail.html", company=company, form=form,
                           users=services.company_users(company.id),
                           invitations=invitations), 422 if form.errors else 200
