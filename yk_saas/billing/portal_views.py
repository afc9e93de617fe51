"""The client's money in the portal (B5): balance, invoices, payments, refunds, downloads.

A client sees only its own company's invoices; every id is looked up within them.
"""

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tenants import db
from yk_saas.access import CLIENT, or_404, require_firm_host, roles
from yk_saas.billing import bank, fapiao, refunds, services
from yk_saas.billing.forms import FapiaoRequestForm, RefundRequestForm, RefundStepForm
from yk_saas.billing.models import Invoice, Payment, RefundRequest
from yk_saas.billing.providers import provider_for_firm
from yk_saas.errors import form_status, user_errors_on
from yk_saas.files.services import send_stored_file
from yk_saas.paging import page_of
from yk_saas.urls import firm_base_url

bp = Blueprint("billing_portal", __name__, url_prefix="/portal/billing")
bp.before_request(require_firm_host)
PER_PAGE = 50
from yk_saas.billing.refund_pages import refund_page, save_evidence

CLIENT_REFUND_ACTIONS = ("add_info", "accept", "dispute")


@bp.route("/")
@roles(CLIENT)
def overview():
    company_id = current_user.client_company_id
    invoices = page_of(
        services.visible_invoices_query(current_user).order_by(Invoice.id.desc()), PER_PAGE
    )
    payments = page_of(
        select(Payment).where(Payment.company_id == company_id).order_by(Payment.id.desc()),
        PER_PAGE,
        param="payments_page",
    )
    refund_rows = page_of(
        refunds.visible_refunds_query(current_user).order_by(RefundRequest.id.desc()),
        PER_PAGE,
        param="refunds_page",
    )
    numbers = services.invoice_numbers(r.invoice_id for r in refund_rows.items)
    return render_template(
        "billing_portal/index.html",
        invoices=invoices,
        payments=payments,
        refunds=refund_rows,
        owed=services.company_outstanding(company_id),
        labels=refunds.STATE_LABELS,
        numbers=numbers,
    )


@bp.route("/invoices/<int:invoice_id>", methods=["GET", "POST"])
@roles(CLIENT)
def invoice(invoice_id):
    invoice = or_404(services.get_visible_invoice(current_user, invoice_id))
    form = RefundRequestForm()
    if form.validate_on_submit():
        with user_errors_on(form, "reason") as outcome:
            refund = refunds.request_refund(invoice, form.reason.data, current_user)
            file_id = save_evidence(form, refund)
            if file_id:
                refund.steps[0].file_id = file_id
        if outcome.ok:
            flash(_("Refund requested. We will get back to you."), "success")
            return redirect(url_for("billing_portal.refund", refund_id=refund.id))
    return invoice_page(invoice, form, status=form_status(form))


def invoice_page(invoice: Invoice, form=None, fapiao_form=None, status=200):
    payments = db.session.scalars(select(Payment).where(Payment.invoice_id == invoice.id)).all()
    if fapiao_form is None:
        profile = fapiao.profile_of(invoice.company_id)
        fapiao_form = FapiaoRequestForm(
            formdata=None,
            data={k: getattr(profile, k) for k in ("title", "taxpayer_id", "kind", "email")}
            if profile
            else {"email": current_user.email},
        )
    return render_template(
        "billing_portal/invoice.html",
        invoice=invoice,
        payments=payments,
        form=form or RefundRequestForm(formdata=None),
        online=provider_for_firm().online,
        reference=bank.payment_reference(invoice.number),
        bank_account=bank.bank_details(),
        fapiao_form=fapiao_form,
        fapiao_rows=fapiao.fapiao_of_invoice(invoice.id),
        fapiao_open=fapiao.active_fapiao(invoice.id) is not None,
        fapiao_labels=fapiao.STATE_LABELS,
    ), status


@bp.route("/invoices/<int:invoice_id>/fapiao", methods=["POST"])
@roles(CLIENT)
def request_fapiao(invoice_id):
    invoice = or_404(services.get_visible_invoice(current_user, invoice_id))
    form = FapiaoRequestForm()
    if form.validate_on_submit():
        with user_errors_on(form) as outcome:
            fapiao.request_fapiao(
                invoice,
                form.title.data,
                form.taxpayer_id.data,
                form.kind.data,
                form.email.data,
                current_user,
            )
        if outcome.ok:
            flash(_("Fapiao requested. We will tell you when it is ready."), "success")
            return redirect(url_for("billing_portal.invoice", invoice_id=invoice.id))
    invoice = or_404(services.get_visible_invoice(current_user, invoice_id))
    return invoice_page(invoice, fapiao_form=form, status=form_status(form))


@bp.route("/fapiao/<int:fapiao_id>/file")
@roles(CLIENT)
def fapiao_file(fapiao_id):
    from yk_saas.files.models import StoredFile
    from yk_saas.files.services import send_stored_file

    row = or_404(fapiao.get_visible_fapiao(current_user, fapiao_id))
    if row.state != "issued":
        abort(404)
    return send_stored_file(or_404(row.file_id and db.session.get(StoredFile, row.file_id)))


@bp.route("/invoices/<int:invoice_id>/pay", methods=["POST"])
@roles(CLIENT)
def pay(invoice_id):
    invoice = or_404(services.get_visible_invoice(current_user, invoice_id))
    provider = provider_for_firm()
    if invoice.status != "open" or not provider.online:
        flash(_("Online payment is not available; please pay by bank transfer."), "error")
        return redirect(url_for("billing_portal.invoice", invoice_id=invoice.id))
    back = firm_base_url() + url_for("billing_portal.invoice", invoice_id=invoice.id)
    checkout = provider.create_checkout(invoice, g.tenant.slug, back + "?paid=1", back)
    return redirect(checkout.url, 303)


@bp.route("/invoices/<int:invoice_id>/pdf")
@roles(CLIENT)
def invoice_pdf(invoice_id):
    from yk_saas.billing.pdf import send_invoice_pdf

    return send_invoice_pdf(or_404(services.get_visible_invoice(current_user, invoice_id)))


@bp.route("/payments/<int:payment_id>/receipt")
@roles(CLIENT)
def receipt(payment_id):
    from yk_saas.billing.pdf import send_receipt_pdf

    payment = or_404(db.session.get(Payment, payment_id))
    or_404(services.get_visible_invoice(current_user, payment.invoice_id))
    return send_receipt_pdf(payment)


@bp.route("/refunds/<int:refund_id>")
@roles(CLIENT)
def refund(refund_id):
    return refund_page(
        or_404(refunds.get_visible_refund(current_user, refund_id)), RefundStepForm(), area="portal"
    )


@bp.route("/refunds/files/<key>")
@roles(CLIENT)
def refund_file(key):
    """A file attached to one of the client's own company's refunds."""
    return send_stored_file(or_404(refunds.get_visible_file(current_user, key)))


@bp.route("/refunds/<int:refund_id>/<action>", methods=["POST"])
@roles(CLIENT)
def refund_step(refund_id, action):
    refund = or_404(refunds.get_visible_refund(current_user, refund_id))
    if action not in CLIENT_REFUND_ACTIONS:
        abort(404)
    form = RefundStepForm()
    if form.validate_on_submit():
        with user_errors_on(form, "note") as outcome:
            refunds.move(
                refund, action, current_user, form.note.data, None, save_evidence(form, refund)
            )
        if outcome.ok:
            flash(_("Refund updated."), "success")
            return redirect(url_for("billing_portal.refund", refund_id=refund.id))
    refund = or_404(refunds.get_visible_refund(current_user, refund_id))
    return refund_page(refund, form, form_status(form), area="portal", failed=action)
