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
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from tenants import current_tenant, db
from yk_saas.access import MANAGERS, OWNER, STAFF, or_404, require_firm_host, roles
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.billing import bank, dunning, merchant, reports, services
from yk_saas.billing.bindings import bound_account
from yk_saas.billing.forms import BillingSettingsForm, TemplateForm, merchant_form
from yk_saas.billing.models import ReminderTemplate
from yk_saas.billing.providers import stripe_configured
from yk_saas.billing.sms import sms_available
from yk_saas.errors import form_status, user_errors_on
from yk_saas.ledgers.charts import month_chart

bp = Blueprint("billing_admin", __name__, url_prefix="/desk/admin/billing")
bp.before_request(require_firm_host)


@bp.route("/settings", methods=["GET", "POST"])
@roles(*MANAGERS)
def settings():
    row = services.billing_settings()
    form = BillingSettingsForm(obj=row)
    form.currency_code = g.tenant.currency
    if not form.is_submitted():  # the number grouped by four, as it is printed on invoices
        form.bank_account_number.data = bank.grouped_account_number(row.bank_account_number)
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
            bank.save_bank_details(
                row,
                form.bank_account_name.data,
                form.bank_name.data,
                form.bank_branch.data,
                form.bank_account_number.data,
            )
            services.connect_stripe_account((form.stripe_account_id.data or "").strip() or None)
        if outcome.ok:
            services.billing_rules_changed()
            dunning.mark_settings_changed()
            record_audit(
                "billing_settings_changed",
                "firm",
                g.tenant.id,
                prefix=row.invoice_prefix,
                late_fee=row.late_fee_kind,
                stripe_account=row.stripe_account_id,
                bank_account=bank.grouped_account_number(row.bank_account_number),
            )
            flash(_("Settings saved."), "success")
            return redirect(url_for("billing_admin.settings"))
    return settings_page(form, status=form_status(form))


def settings_page(form, merchant_forms=None, status=200):
    templates = db.session.scalars(select(ReminderTemplate).order_by(ReminderTemplate.locale)).all()
    merchant_forms = merchant_forms or {}
    channels = []
    for channel in merchant.CHANNELS.values():
        row = merchant.merchant_row(channel.name)
        channel_form = merchant_forms.get(channel.name) or merchant_form(
            channel, data=dict(row.fields) if row else None
        )
        for spec in channel.secrets:  # write-only: what was typed is never sent back
            getattr(channel_form, spec.name).data = ""
        channels.append(
            {
                "channel": channel,
                "form": channel_form,
                "hints": merchant.secret_hints(row),
                "complete": merchant.merchant_credentials(channel.name) is not None,
                "has_secrets": bool(row and row.secret_blob),
            }
        )
    return render_template(
        "billing_admin/settings.html",
        form=form,
        templates=templates,
        stripe_ready=stripe_configured(),
        account=bound_account("stripe"),
        sms_ready=sms_available(),
        channels=channels,
        secrets_storable=merchant.secrets_storable(),
    ), status


@bp.route("/merchant", methods=["POST"])
@roles(*MANAGERS)
def save_merchant():
    channel = merchant.CHANNELS.get(request.form.get("provider", ""))
    if channel is None:
        abort(404)
    channel_form = merchant_form(channel)
    if channel_form.validate_on_submit():
        with user_errors_on(channel_form) as outcome:
            merchant.save_merchant_settings(
                channel.name,
                {spec.name: getattr(channel_form, spec.name).data for spec in channel.fields},
                {spec.name: getattr(channel_form, spec.name).data for spec in channel.secrets},
                current_user,
            )
        if outcome.ok:
            flash(_("%(provider)s settings saved.", provider=channel.label), "success")
            return redirect(url_for("billing_admin.settings"))
    row = services.billing_settings()
    form = BillingSettingsForm(formdata=None, obj=row)
    return settings_page(form, {channel.name: channel_form}, form_status(channel_form))


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
    return render_template(
        "billing_admin/reminder_template.html", form=form, template=template
    ), form_status(form)


def accountant_names() -> dict[int, str]:
    return dict(db.session.execute(select(User.id, User.name).where(User.role.in_(STAFF))).all())


@bp.route("/receivables")
@roles(*MANAGERS)
def receivables():
    rows = reports.ageing(current_tenant().today())
    return render_template(
        "billing_admin/receivables.html",
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
    months = reports.revenue_by_month()
    chart = month_chart(
        _l("Revenue by month"),
        [month for month, _amount in months],
        [amount for _month, amount in months],
        _l("Paid"),
    )
    return render_template(
        "billing_admin/_card_revenue.html",
        months=months,
        chart=chart,
        total=sum(amount for _month, amount in months),
    )


@bp.route("/cards/receivables")
@roles(*MANAGERS)
def card_receivables():
    rows = reports.ageing(current_tenant().today())
    totals = {
        key: sum(r[key] for r in rows if r["currency"] == g.tenant.currency)
        for key, _label in reports.BUCKETS
    }
    return render_template(
        "billing_admin/_card_receivables.html", totals=totals, buckets=reports.BUCKETS
    )


@bp.route("/subscription")
@roles(OWNER)
def subscription():
    from yk_saas.billing.subscription import current_subscription

    row = current_subscription()
    return render_template(
        "billing_admin/subscription.html", sub=row, stripe_ready=stripe_configured()
    )


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
