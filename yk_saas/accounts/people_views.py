"""The firm's staff and their invitations (admins and the owner)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tenants import db
from yk_saas.access import MANAGERS, STAFF, require_firm_host, roles
from yk_saas.accounts import services
from yk_saas.accounts.forms import InviteForm
from yk_saas.accounts.models import Invitation, User
from yk_saas.extensions import htmx
from yk_saas.mail.jobs import enqueue_delivery

bp = Blueprint("people", __name__, url_prefix="/desk/staff")
bp.before_request(require_firm_host)


def _staff_page(form, status=200):
    staff = db.session.scalars(select(User).where(User.role.in_(STAFF)).order_by(User.name)).all()
    invitations = services.pending_invitations(STAFF)
    template = "accounts/_invitations.html" if htmx and not htmx.boosted else "accounts/staff.html"
    return render_template(template, staff=staff, invitations=invitations, form=form), status


@bp.route("/")
@roles(*MANAGERS)
def index():
    return _staff_page(InviteForm())


@bp.route("/invite", methods=["POST"])
@roles(*MANAGERS)
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            email_id = services.invite_user(form.email.data, form.role.data, current_user)
        except services.AccountError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            enqueue_delivery(email_id)
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            if not htmx:
                return redirect(url_for("people.index"))
            return _staff_page(InviteForm())
    return _staff_page(form, 422)


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@roles(*MANAGERS)
def revoke(invitation_id):
    invitation = db.get_or_404(Invitation, invitation_id)
    services.revoke_invitation(invitation)
    flash(_("Invitation withdrawn."), "success")
    if htmx:
        return _staff_page(InviteForm())
    return redirect(url_for("people.index"))
