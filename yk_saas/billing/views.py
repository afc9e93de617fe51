"""Money in the staff desk: invoices, payments, contracts, a client's balance.

Managers (owner, admin) see and do everything. Accountants see the invoices
of the clients they are the dedicated accountant of, read-only. Every object
id from a URL is looked up within what the signed-in user may see.
"""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from tenants import current_tenant, db
from yk_saas.access import MANAGERS, STAFF, or_404, require_firm_host, roles
from yk_saas.billing import bank, credit, dunning, fapiao, refunds, services
from yk_saas.billing.forms import (
    BankTransferForm,
    ContractForm,
    CreditLimitForm,
    CreditNoteForm,
    FapiaoIssueForm,
    PaymentForm,
    RefundStepForm,
)
from yk_saas.billing.models import (
    Contract,
    CreditNote,
    Fapiao,
    Invoice,
    Payment,
    RefundRequest,
    ReminderSent,
)
from yk_saas.billing.refund_pages import refund_page, save_evidence
from yk_saas.billing.refunds import visible_refunds_query
from yk_saas.bounded import arg_int, form_int, form_ints
from yk_saas.clients.models import ClientCompany
from yk_saas.clients.services import get_visible_company, visible_companies_query
from yk_saas.errors import form_status, user_errors_on
from yk_saas.files.services import send_stored_file
from yk_saas.money import to_decimal
from yk_saas.paging import page_of
from yk_saas.search import arg_query
from yk_saas.templating import render_page_or_fragment

bp = Blueprint("billing", __name__, url_prefix="/desk/billing")
bp.before_request(require_firm_host)

STAFF_REFUND_ACTIONS = ("ask_info", "propose", "execute", "close")

PER_PAGE = 50


@bp.route("/")
@roles(*STAFF)
def index():
    status = request.args.get("status", "")
    status = status if status in services.INVOICE_STATES else ""
    q = arg_query()
    query = services.visible_invoices_query(current_user, q, status)
    invoices = page_of(query.order_by(Invoice.id.desc()), PER_PAGE)
    return render_page_or_fragment(
        "billing/index.html", "billing/_invoice_list.html", invoices=invoices, status=status, q=q
    )


def invoice_page(invoice: Invoice, payment_form=None, credit_form=None, status=200):
    payments = db.session.scalars(
        select(Payment).where(Payment.invoice_id == invoice.id).order_by(Payment.id)
    ).all()
    notes = db.session.scalars(select(CreditNote).where(CreditNote.invoice_id == invoice.id)).all()
    reminders = db.session.scalars(
        select(ReminderSent).where(ReminderSent.invoice_id == invoice.id).order_by(ReminderSent.id)
    ).all()
    refunds = db.session.scalars(
        visible_refunds_query(current_user).where(RefundRequest.invoice_id == invoice.id)
    ).all()
    payment_form = payment_form or PaymentForm(data={"received_on": current_tenant().today()})
    credit_form = credit_form or CreditNoteForm()
    return render_template(
        "billing/invoice.html",
        invoice=invoice,
        reference=bank.payment_reference(invoice.number),
        bank_account=bank.bank_details(),
        fapiao_rows=fapiao.fapiao_of_invoice(invoice.id),
        fapiao_labels=fapiao.STATE_LABELS,
        payments=payments,
        notes=notes,
        reminders=reminders,
        reminder_steps={r.id: dunning.step_label(r.step_key) for r in reminders},
        refunds=refunds,
        payment_form=payment_form,
        credit_form=credit_form,
    ), status


@bp.route("/invoices/<int:invoice_id>")
@roles(*STAFF)
def invoice(invoice_id):
    return invoice_page(or_404(services.get_visible_invoice(current_user, invoice_id)))


@bp.route("/invoices/<int:invoice_id>/payments", methods=["POST"])
@roles(*MANAGERS)
def record_payment(invoice_id):
    invoice = or_404(services.get_visible_invoice(current_user, invoice_id))
    form = PaymentForm()
    form.currency_code = invoice.currency
    if form.validate_on_submit():
        with user_errors_on(form, "amount") as outcome:
            payment = services.record_offline_payment(
                invoice.id,
                form.amount.minor,
                form.method.data,
                form.reference.data or "",
                form.received_on.data,
                current_user,
            )
        if outcome.ok:
            flash(
                _("Payment recorded. Receipt %(number)s.", number=payment.receipt_number), "success"
            )
            return redirect(url_for("billing.invoice", invoice_id=invoice.id))
    return invoice_page(
        or_404(services.get_visible_invoice(current_user, invoice_id)),
        payment_form=form,
        status=form_status(form),
    )


@bp.route("/invoices/<int:invoice_id>/credit-notes", methods=["POST"])
@roles(*MANAGERS)
def credit_note(invoice_id):
    invoice = or_404(services.get_visible_invoice(current_user, invoice_id))
    form = CreditNoteForm()
    form.currency_code = invoice.currency
    if form.validate_on_submit():
        with user_errors_on(form, "amount") as outcome:
            note = services.issue_credit_note(
                invoice.id, form.amount.minor, form.reason.data, current_user
            )
        if outcome.ok:
            flash(_("Credit note %(number)s issued.", number=note.number), "success")
            return redirect(url_for("billing.invoice", invoice_id=invoice.id))
    return invoice_page(
        or_404(services.get_visible_invoice(current_user, invoice_id)),
        credit_form=form,
        status=form_status(form),
    )


@bp.route("/invoices/<int:invoice_id>/remind", methods=["POST"])
@roles(*STAFF)
def remind(invoice_id):
    invoice = or_404(services.get_visible_invoice(current_user, invoice_id))
    with user_errors_on(FlaskForm()) as outcome:
        dunning.remind_now(invoice.id, current_user)
    if outcome.ok:
        flash(_("Reminder sent."), "success")
    return redirect(url_for("billing.invoice", invoice_id=invoice.id))


@bp.route("/invoices/<int:invoice_id>/pdf")
@roles(*STAFF)
def invoice_pdf(invoice_id):
    from yk_saas.billing.pdf import send_invoice_pdf

    return send_invoice_pdf(or_404(services.get_visible_invoice(current_user, invoice_id)))


@bp.route("/payments/<int:payment_id>/receipt")
@roles(*STAFF)
def receipt(payment_id):
    from yk_saas.billing.pdf import send_receipt_pdf

    payment = or_404(db.session.get(Payment, payment_id))
    or_404(services.get_visible_invoice(current_user, payment.invoice_id))
    return send_receipt_pdf(payment)


@bp.route("/transfers", methods=["GET", "POST"])
@roles(*MANAGERS)
def transfer():
    """Match one bank transfer to the open invoices of one client company."""
    posted = request.method == "POST"
    company_id = form_int("company_id") if posted else arg_int("company_id", None, 1)
    note = request.values.get("reference", "").strip()[:120]
    if company_id is None and note:  # found by the reference the client quoted
        found = db.session.scalar(
            bank.search_invoices(services.visible_invoices_query(current_user), note).limit(1)
        )
        company_id = found.company_id if found else None
    company = or_404(get_visible_company(current_user, company_id)) if company_id else None
    form = BankTransferForm(
        data={"received_on": current_tenant().today(), "reference": note} if not posted else None
    )
    form.currency_code = g.tenant.currency
    if posted:
        if company is None:
            abort(404)
        ticked = form_ints("invoice_ids")
    else:
        ticked = bank.invoice_ids_by_reference(company.id, note) if company else []
    if company is not None and form.validate_on_submit():
        with user_errors_on(form, "amount") as outcome:
            payments = bank.record_bank_transfer(
                company.id,
                form.amount.minor,
                ticked,
                form.reference.data or "",
                form.received_on.data,
                current_user,
            )
        if outcome.ok:
            flash(
                _(
                    "Transfer recorded on %(n)d invoices. Receipts %(numbers)s.",
                    n=len(payments),
                    numbers=", ".join(p.receipt_number for p in payments),
                ),
                "success",
            )
            return redirect(url_for("billing.client", company_id=company.id))
    companies = db.session.scalars(
        visible_companies_query(current_user).order_by(ClientCompany.name)
    ).all()
    return render_template(
        "billing/transfer.html",
        form=form,
        company=company,
        companies=companies,
        invoices=bank.open_invoices_of(company.id) if company else [],
        ticked=set(ticked),
        payment_reference=bank.payment_reference,
        note=note,
    ), form_status(form)


@bp.route("/fapiao")
@roles(*STAFF)
def fapiao_queue():
    state = request.args.get("state", "requested")
    query = fapiao.visible_fapiao_query(current_user)
    if state in fapiao.STATE_LABELS:
        query = query.where(Fapiao.state == state)
    rows = page_of(query.order_by(Fapiao.id), PER_PAGE)
    numbers = services.invoice_numbers(r.invoice_id for r in rows.items)
    return render_template(
        "billing/fapiao_queue.html",
        rows=rows,
        state=state,
        labels=fapiao.STATE_LABELS,
        kinds=fapiao.KINDS,
        numbers=numbers,
    )


def fapiao_page(row: Fapiao, form=None, status=200):
    return render_template(
        "billing/fapiao.html",
        fapiao=row,
        form=form or FapiaoIssueForm(),
        labels=fapiao.STATE_LABELS,
        kinds=fapiao.KINDS,
    ), status


@bp.route("/fapiao/<int:fapiao_id>")
@roles(*STAFF)
def fapiao_detail(fapiao_id):
    return fapiao_page(or_404(fapiao.get_visible_fapiao(current_user, fapiao_id)))


@bp.route("/fapiao/<int:fapiao_id>/issue", methods=["POST"])
@roles(*MANAGERS)
def issue_fapiao(fapiao_id):
    row = or_404(fapiao.get_visible_fapiao(current_user, fapiao_id))
    form = FapiaoIssueForm()
    if form.validate_on_submit():
        with user_errors_on(form) as outcome:
            fapiao.issue_fapiao(row.id, form.fapiao_number.data, form.document.data, current_user)
        if outcome.ok:
            flash(_("Fapiao issued; the client is told it is ready."), "success")
            return redirect(url_for("billing.fapiao_queue"))
    return fapiao_page(
        or_404(fapiao.get_visible_fapiao(current_user, fapiao_id)), form, form_status(form)
    )


@bp.route("/fapiao/<int:fapiao_id>/file")
@roles(*STAFF)
def fapiao_file(fapiao_id):
    from yk_saas.files.models import StoredFile
    from yk_saas.files.services import send_stored_file

    row = or_404(fapiao.get_visible_fapiao(current_user, fapiao_id))
    return send_stored_file(or_404(row.file_id and db.session.get(StoredFile, row.file_id)))


@bp.route("/contracts", methods=["GET", "POST"])
@roles(*MANAGERS)
def contracts():
    companies = db.session.scalars(select(ClientCompany).order_by(ClientCompany.name)).all()
    form = ContractForm(
        data={"starts_on": current_tenant().today()} if request.method == "GET" else None
    )
    form.company_id.choices = [(c.id, c.name) for c in companies]
    form.currency_code = g.tenant.currency
    if form.validate_on_submit():
        with user_errors_on(form, "plan") as outcome:
            services.create_contract(
                form.company_id.data,
                form.plan.data,
                form.interval.data,
                form.fee.minor,
                g.tenant.currency,
                form.starts_on.data,
                form.billing_day.data,
                form.ends_on.data,
                form.payment_terms_days.data,
                bill_past=form.bill_past.data,
                ask_before_overdue=True,
            )
        if outcome.ok:
            flash(_("Contract added. The next billing run will invoice it."), "success")
            return redirect(url_for("billing.contracts"))
    rows = db.session.scalars(select(Contract).order_by(Contract.id.desc())).all()
    return render_template("billing/contracts.html", form=form, contracts=rows), form_status(form)


@bp.route("/run", methods=["POST"])
@roles(*MANAGERS)
def run_now():
    from yk_saas.audit.services import record_audit

    created = services.run_billing()
    record_audit("billing_run", None, None, created=created)
    flash(_("Billing run done: %(n)d new invoices.", n=created), "success")
    return redirect(url_for("billing.index"))


@bp.route("/clients/<int:company_id>")
@roles(*STAFF)
def client(company_id):
    company = or_404(get_visible_company(current_user, company_id))
    row = credit.credit_row(company.id)
    form = CreditLimitForm(
        data={
            "limit": ""
            if not row or row.limit_cents is None
            else str(to_decimal(row.limit_cents, row.currency))
        }
    )
    invoices = page_of(
        select(Invoice).where(Invoice.company_id == company.id).order_by(Invoice.id.desc()),
        PER_PAGE,
    )
    return render_template(
        "billing/client.html",
        company=company,
        credit=row,
        form=form,
        invoices=invoices,
        owed=services.company_outstanding(company.id),
    )


@bp.route("/clients/<int:company_id>/credit-limit", methods=["POST"])
@roles(*MANAGERS)
def credit_limit(company_id):
    company = or_404(get_visible_company(current_user, company_id))
    form = CreditLimitForm()
    form.currency_code = g.tenant.currency
    if form.validate_on_submit():
        credit.set_credit_limit(company.id, form.limit.minor, g.tenant.currency)
        flash(_("Credit limit saved."), "success")
    else:
        flash(_("Enter an amount such as 1280.50."), "error")
    return redirect(url_for("billing.client", company_id=company.id))


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
                refunds.Payout(form.method.data, form.paid_on.data, form.reference.data),
            )
        if outcome.ok:
            flash(_("Refund updated."), "success")
            return redirect(url_for("billing.refund", refund_id=refund.id))
    refund = or_404(refunds.get_visible_refund(current_user, refund_id))
    return refund_page(refund, form, form_status(form), failed=action)


@bp.route("/refunds/files/<key>")
@roles(*MANAGERS)
def refund_file(key):
    """A file attached to a refund: the firm's managers only (and the client, in the portal)."""
    return send_stored_file(or_404(refunds.get_visible_file(current_user, key)))
