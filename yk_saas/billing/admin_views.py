"""Money administration in the desk: settings, reminder wording, refunds, receivables,
dashboard cards and the firm's own platform subscription."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tenants import current_tenant, db
from yk_saas.access import MANAGERS, OWNER, STAFF, or_404, require_firm_host, roles
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.billing import dunning, refunds, reports, services
from yk_saas.billing.bindings import bound_account
from yk_saas.billing.forms import BillingSettingsForm, RefundStepForm, TemplateForm
from yk_saas.billing.models import RefundRequest, ReminderTemplate
from yk_saas.billing.providers import stripe_configured
from yk_saas.billing.refund_views import save_evidence
from yk_saas.billing.sms import sms_available
from yk_saas.errors import form_status, user_errors_on

bp = Blueprint("billing_admin", __name__, url_prefix="/desk/money")
bp.before_request(require_firm_host)

STAFF_REFUND_ACTIONS = ("ask_info", "propose", "execute", "close")


@bp.route("/settings", methods=["GET", "POST"])
@roles(*MANAGERS)
def settings():
    row = services.billing_settings()
    form = BillingSettingsForm(obj=row)
    form.currency_code = g.tenant.currency
    if form.validate_on_submit():
        for name in (
            "invoice_prefix",
            "late_fee_kind",
            "late_fee_value",
            "reminder_cooldown_hours",
            "quiet_start_hour",
            "quiet_end_hour",
            "sms_enabled",
            "backfill_periods",
        ):
            setattr(row, name, getattr(form, name).data)
        with user_errors_on(form, "stripe_account_id") as outcome:
            services.connect_stripe_account((form.stripe_account_id.data or "").strip() or None)
        if outcome.ok:
            dunning.mark_settings_changed()
            record_audit(
                "billing_settings_changed",
                "firm",
                g.tenant.id,
                prefix=row.invoice_prefix,
                late_fee=row.late_fee_kind,
                stripe_account=row.stripe_account_id,
            )
            flash(_("Settings saved."), "success")
            return redirect(url_for("billing_admin.settings"))
    templates = db.session.scalars(select(ReminderTemplate).order_by(ReminderTemplate.locale)).all()
    return render_template(
        "billing/settings.html",
        form=form,
        templates=templates,
        stripe_ready=stripe_configured(),
        account=bound_account("stripe"),
        sms_ready=sms_available(),
    ), form_status(form)


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@roles(*MANAGERS)
def reminder_template(template_id):
    template = or_404(db.session.get(ReminderTemplate, template_id))
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        template.subject, template.body = form.subject.data, form.body.data
        record_audit("reminder_template_changed", "reminder_template", template.id)
        flash(_("Reminder wording saved."), "success")
        return redirect(url_for("billing_admin.settings"))
    return render_template("billing/template.html", form=form, template=template), form_status(form)


@bp.route("/refunds")
@roles(*STAFF)
def refund_list():
    rows = db.session.scalars(
        refunds.visible_refunds_query(current_user).order_by(RefundRequest.id.desc())
    ).all()
    return render_template("billing/refunds.html", refunds=rows, labels=refunds.STATE_LABELS)


@bp.route("/refunds/<int:refund_id>")
@roles(*STAFF)
def refund(refund_id):
    return refund_page(
        or_404(refunds.get_visible_refund(current_user, refund_id)), RefundStepForm()
    )


def refund_page(refund, form, status=200, area="desk"):
    """The refund's trail and its next step, for the desk (``area="desk"``) or the portal."""
    return render_template(
        "billing/refund.html",
        refund=refund,
        form=form,
        labels=refunds.STATE_LABELS,
        actions=refunds.ACTION_LABELS,
        people=people_names(),
        area=area,
    ), status


def people_names() -> dict[int, str]:
    return dict(db.session.execute(select(User.id, User.name)).all())


@bp.route("/refunds/<int:refund_id>/<action>", methods=["POST"])
@roles(*MANAGERS)
def refund_step(refund_id, action):
    refund = or_404(refunds.get_visible_refund(current_user, refund_id))
    if action not in STAFF_REFUND_ACTIONS:
        abort(404)
    form = RefundStepForm()
    form.currency_code = refund.currency
    if form.validate_on_submit():
        with user_errors_on(form, "note") as outcome:
            refunds.move(
                refund,
                action,
                current_user,
                form.note.data,
                form.amount.minor,
                save_evidence(form, refund),
            )
        if outcome.ok:
            flash(_("Refund updated."), "success")
            return redirect(url_for("billing_admin.refund", refund_id=refund.id))
    refund = or_404(refunds.get_visible_refund(current_user, refund_id))
    return refund_page(refund, form, form_status(form))


def accountant_names() -> dict[int, str]:
    return dict(db.session.execute(select(User.id, User.name).where(User.role.in_(STAFF))).all())


@bp.route("/receivables")
@roles(*MANAGERS)
def receivables():
    rows = reports.ageing(current_tenant().today())
    return render_template(
        "billing/receivables.html",
        rows=rows,
        buckets=reports.BUCKETS,
        per_accountant=reports.ageing_by_accountant(rows).values(),
        names=accountant_names(),
    )


@bp.route("/receivables.csv")
@roles(*MANAGERS)
def receivables_csv():
    rows = reports.ageing(current_tenant().today())
    record_audit("receivables_exported", None, None, rows=len(rows))
    return Response(
        reports.ageing_csv(rows, accountant_names()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=receivables.csv"},
    )


@bp.route("/cards/revenue")
@roles(*MANAGERS)
def card_revenue():
    return render_template("billing/_card_revenue.html", months=reports.revenue_by_month())


@bp.route("/cards/receivables")
@roles(*MANAGERS)
def card_receivables():
    rows = reports.ageing(current_tenant().today())
    totals = {
        key: sum(r[key] for r in rows if r["currency"] == g.tenant.currency)
        for key, _label in reports.BUCKETS
    }
    return render_template("billing/_card_receivables.html", totals=totals, buckets=reports.BUCKETS)


@bp.route("/subscription")
@roles(OWNER)
def subscription():
    from yk_saas.billing.subscription import current_subscription

    row = current_subscription()
    return render_template("billing/subscription.html", sub=row, stripe_ready=stripe_configured())


@bp.route("/subscription/checkout", methods=["POST"])
@roles(OWNER)
def subscription_checkout():
    from yk_saas.billing.platform_checkout import start_subscription_checkout

    if not stripe_configured() or not current_app.config.get("STRIPE_PRICE_MONTHLY"):
        flash(
            _("Online subscription is not available; the platform operator sets your plan."),
            "error",
        )
        return redirect(url_for("billing_admin.subscription"))
    url = start_subscription_checkout()  # the boundary records the customer before the redirect
    return redirect(url, 303)
