"""Client companies in the staff desk: managers see and change all, accountants their own."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from tenants import db
from yk_saas.access import CLIENT, MANAGERS, STAFF, or_404, require_firm_host, roles
from yk_saas.accounts import services as accounts
from yk_saas.accounts.models import Invitation
from yk_saas.bounded import arg_int, form_int
from yk_saas.clients import crm, services
from yk_saas.clients.forms import (
    AccountantForm,
    ClientInviteForm,
    CompanyForm,
    ContactForm,
    NoteForm,
    StatusForm,
    TagsForm,
)
from yk_saas.errors import form_status, user_errors_on
from yk_saas.extensions import htmx
from yk_saas.mail.jobs import enqueue_delivery
from yk_saas.paging import page_of

bp = Blueprint("clients", __name__, url_prefix="/desk/clients")
bp.before_request(require_firm_host)

PER_PAGE = 50


def list_filters() -> dict:
    return {
        "q": request.args.get("q", "")[:100],
        "tag": request.args.get("tag", "")[:40],
        "status": request.args.get("status", "")
        if request.args.get("status") in ("active", "lost")
        else "",
        "accountant_id": arg_int("accountant", None, 1),
    }


@bp.route("/", methods=["GET", "POST"])
@roles(*STAFF)
def index():
    form = CompanyForm()
    if current_user.is_manager and form.validate_on_submit():
        with user_errors_on(form, "name") as outcome:
            company = services.create_company(**{k: form[k].data for k in services.PROFILE_FIELDS})
        if outcome.ok:
            flash(_("Client company added."), "success")
            return redirect(url_for("clients.detail", company_id=company.id))
    filters = list_filters()
    companies = page_of(services.filtered_companies_query(current_user, **filters), PER_PAGE)
    ids = [c.id for c in companies.items]
    if htmx and not htmx.boosted and request.method == "GET":
        template = "clients/_list.html"  # the search and filters refresh only the list
    else:
        template = "clients/index.html"
    return render_template(
        template,
        companies=companies,
        form=form,
        filters=filters,
        pager_args={k: v for k, v in request.args.items() if k != "page"},
        user_counts=services.user_counts(ids),
        tags=crm.tags_by_company(ids),
        all_tags=crm.all_tags(),
        accountants=services.accountant_choices(),
        staff=services.users_by_id(c.dedicated_accountant_id for c in companies.items),
    ), form_status(form)


def detail_forms(company, forms: dict) -> dict:
    """The detail page's forms: the ones given (with their errors) or fresh ones."""
    accountant_form = forms.get("accountant_form") or AccountantForm(
        accountant_id=str(company.dedicated_accountant_id or "")
    )
    accountant_form.accountant_id.choices = [("", _("Nobody"))] + [
        (str(u.id), u.name) for u in services.accountant_choices()
    ]
    return {
        "form": forms.get("form") or ClientInviteForm(),
        "profile_form": forms.get("profile_form") or CompanyForm(obj=company),
        "status_form": StatusForm(status=company.status),
        "accountant_form": accountant_form,
        "contact_form": forms.get("contact_form") or ContactForm(),
        "tags_form": TagsForm(tags=", ".join(crm.tags_of(company.id))),
        "note_form": forms.get("note_form") or NoteForm(),
    }


def detail_context(company, **forms) -> dict:
    invitations = db.session.scalars(
        select(Invitation).where(
            Invitation.client_company_id == company.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ).all()
    accountant_id = company.dedicated_accountant_id
    return {
        "company": company,
        "users": services.company_users(company.id),
        "invitations": invitations,
        "contacts": crm.contacts_of(company.id),
        "tags": crm.tags_of(company.id),
        "notes": crm.current_notes(company.id),
        "note_versions": crm.note_counts(company.id),
        "history": services.accountant_history(company.id),
        "accountant": services.users_by_id([accountant_id]).get(accountant_id),
        **detail_forms(company, forms),
    }


def render_detail(company, status=200, **forms):
    return render_template("clients/detail.html", **detail_context(company, **forms)), status


def back(company):
    return redirect(url_for("clients.detail", company_id=company.id))


@bp.route("/<int:company_id>", methods=["GET", "POST"])
@roles(*STAFF)
def detail(company_id):
    company = or_404(services.get_visible_company(current_user, company_id))
    form = ClientInviteForm()
    if request.method == "POST" and not current_user.is_manager:
        return render_detail(company, 403)
    if form.validate_on_submit():
        try:
            email_id = accounts.invite_user(form.email.data, CLIENT, current_user, company.id)
        except accounts.AccountError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            enqueue_delivery(email_id)
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return back(company)
    return render_detail(company, form_status(form), form=form)


@bp.route("/<int:company_id>/profile", methods=["POST"])
@roles(*MANAGERS)
def edit_profile(company_id):
    company = or_404(services.get_visible_company(current_user, company_id))
    form = CompanyForm()
    if form.validate_on_submit():
        with user_errors_on(form, "credit_code") as outcome:
            services.update_company(
                company, {k: form[k].data for k in services.PROFILE_FIELDS}, current_user
            )
        if outcome.ok:
            flash(_("Company details saved."), "success")
            return back(company)
    return render_detail(company, form_status(form), profile_form=form)


@bp.route("/<int:company_id>/status", methods=["POST"])
@roles(*MANAGERS)
def change_status(company_id):
    company = or_404(services.get_visible_company(current_user, company_id))
    form = StatusForm()
    if form.validate_on_submit() and form.status.data != company.status:
        services.set_company_status(company, form.status.data, current_user)
        flash(_("Status changed."), "success")
    return back(company)


@bp.route("/<int:company_id>/accountant", methods=["POST"])
@roles(*MANAGERS)
def change_accountant(company_id):
    company = or_404(services.get_visible_company(current_user, company_id))
    value, accountant_id = request.form.get("accountant_id"), form_int("accountant_id")
    if value is None or (value != "" and accountant_id is None):
        return back(company)
    with user_errors_on(FlaskForm()) as outcome:
        changed = services.change_dedicated_accountant(company, accountant_id, current_user)
    if outcome.ok and changed:
        flash(_("Dedicated accountant changed."), "success")
    return back(company)


@bp.route("/<int:company_id>/contacts", methods=["POST"])
@roles(*STAFF)
def add_contact(company_id):
    company = or_404(services.get_visible_company(current_user, company_id))
    form = ContactForm()
    if not form.validate_on_submit():
        return render_detail(company, 422, contact_form=form)
    crm.add_contact(
        company.id,
        form.name.data,
        form.primary.data,
        position=form.position.data,
        phone=form.phone.data,
        email=form.email.data,
        wechat=form.wechat.data,
    )
    flash(_("Contact added."), "success")
    return back(company)


def change_contact(action, company_id, contact_id):
    """Apply ``action`` to a contact of a company the user may see, then go back to it."""
    company = or_404(services.get_visible_company(current_user, company_id))
    contact = crm.get_contact(company.id, contact_id)
    if contact is not None:
        action(contact)
    return back(company)


@bp.route("/<int:company_id>/contacts/<int:contact_id>/primary", methods=["POST"])
@roles(*STAFF)
def make_primary(company_id, contact_id):
    return change_contact(crm.make_primary, company_id, contact_id)


@bp.route("/<int:company_id>/contacts/<int:contact_id>/remove", methods=["POST"])
@roles(*STAFF)
def remove_contact(company_id, contact_id):
    return change_contact(crm.remove_contact, company_id, contact_id)


@bp.route("/<int:company_id>/tags", methods=["POST"])
@roles(*STAFF)
def save_tags(company_id):
    company = or_404(services.get_visible_company(current_user, company_id))
    if "tags" in request.form:
        with user_errors_on(FlaskForm()) as outcome:
            crm.set_tags(company.id, crm.parse_tags(request.form["tags"]))
        if outcome.ok:
            flash(_("Tags saved."), "success")
    return back(company)


@bp.route("/<int:company_id>/notes", methods=["POST"])
@bp.route("/<int:company_id>/notes/<int:note_id>", methods=["POST"])
@roles(*STAFF)
def save_note(company_id, note_id=None):
    company = or_404(services.get_visible_company(current_user, company_id))
    form = NoteForm()
    if not form.validate_on_submit():
        return render_detail(company, 422, note_form=form)
    note = crm.get_note(company.id, note_id) if note_id else None
    if note_id and (note is None or note.superseded):
        return back(company)
    crm.edit_note(note, form.body.data, current_user) if note else crm.add_note(
        company.id, form.body.data, current_user
    )
    return back(company)


@bp.route("/<int:company_id>/notes/<int:note_id>/history")
@roles(*STAFF)
def note_history(company_id, note_id):
    company = or_404(services.get_visible_company(current_user, company_id))
    note = crm.get_note(company.id, note_id)
    if note is None:
        return back(company)
    return render_template(
        "clients/_note_history.html",
        company=company,
        note=note,
        versions=crm.note_history(note),
        authors=services.users_by_id(n.author_id for n in crm.note_history(note)),
    )
