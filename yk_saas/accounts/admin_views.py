"""The firm's people and their invitations (admins and the owner).

Every action on someone else's account asks ``services.may_manage``: only on
people of a lower rank.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from tenants import db
from yk_saas.access import MANAGERS, STAFF, require_firm_host, roles
from yk_saas.accounts import management, services
from yk_saas.accounts.forms import InviteForm
from yk_saas.accounts.models import Invitation, User
from yk_saas.extensions import htmx
from yk_saas.mail.jobs import enqueue_delivery
from yk_saas.urls import safe_next

bp = Blueprint("accounts_admin", __name__, url_prefix="/desk/admin/accounts")
bp.before_request(require_firm_host)

#: Actions on another person's account, by the name in the URL.
ACTIONS = {
    "disable": (management.disable_user, _l("Account disabled; their sessions have ended.")),
    "enable": (management.enable_user, _l("Account enabled.")),
    "reset-two-factor": (management.reset_two_factor, _l("Two-factor sign-in turned off.")),
    "sign-out": (management.sign_out_everywhere, _l("Signed out everywhere.")),
    "send-reset": (
        management.send_password_reset,
        _l("A password reset link was e-mailed to them."),
    ),
    "role": (management.change_role, _l("Role changed; their sessions have ended.")),
}


def invite_form() -> InviteForm:
    form = InviteForm()
    form.role.choices = [
        (r, label) for r, label in form.role.choices if services.may_manage(current_user, r)
    ]
    return form


def staff_accounts_page(form, status=200):
    staff = db.session.scalars(select(User).where(User.role.in_(STAFF)).order_by(User.name)).all()
    invitations = services.pending_invitations(STAFF)
    template = (
        "accounts_admin/_invitations.html"
        if htmx and not htmx.boosted
        else "accounts_admin/staff_accounts.html"
    )
    return render_template(
        template, staff=staff, invitations=invitations, form=form, may_manage=services.may_manage
    ), status


@bp.route("/")
@roles(*MANAGERS)
def staff_accounts():
    return staff_accounts_page(invite_form())


@bp.route("/invite", methods=["POST"])
@roles(*MANAGERS)
def invite():
    form = invite_form()
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
                return redirect(url_for("accounts_admin.staff_accounts"))
            return staff_accounts_page(invite_form())
    elif form.role.data not in dict(form.role.choices):
        abort(403)
    return staff_accounts_page(form, 422)


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@roles(*MANAGERS)
def revoke_invitation(invitation_id):
    invitation = db.get_or_404(Invitation, invitation_id)
    if not services.may_manage(current_user, invitation.role):
        abort(403)
    services.revoke_invitation(invitation, current_user)
    flash(_("Invitation withdrawn."), "success")
    if htmx:
        return staff_accounts_page(invite_form())
    return redirect(url_for("accounts_admin.staff_accounts"))


@bp.route("/people/<int:user_id>/<action>", methods=["POST"])
@roles(*MANAGERS)
def manage(user_id, action):
    """Disable, enable, reset two-factor, sign out, mail a reset link or change the role."""
    if action not in ACTIONS:
        abort(404)
    target = db.get_or_404(User, user_id)
    if not services.may_manage(current_user, target):
        abort(403)
    run, done = ACTIONS[action]
    extra = (request.form.get("role", ""),) if action == "role" else ()
    try:
        result = run(current_user, target, *extra)
    except services.AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        if action == "send-reset":
            enqueue_delivery(result)
        flash(done, "success")
    return redirect(
        safe_next(request.form.get("next"), url_for("accounts_admin.staff_accounts")), 303
    )
