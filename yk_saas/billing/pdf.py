"""Invoice and receipt PDFs with the firm's branding, rendered by WeasyPrint and cached on disk.

The cache file name carries a digest of everything printed, so a payment or a
credit note makes a new file and an unchanged invoice is never rendered twice.
Rendering on demand (about a second in a cold process, far less when warm)
keeps billing runs of thousands of invoices from rendering PDFs nobody opens.
"""

import hashlib
from pathlib import Path

from flask import render_template, send_file
from sqlalchemy import select

from tenants import current_tenant, db
from yk_saas.billing.models import CreditNote, Invoice, Payment
from yk_saas.files.services import firm_folder


def pdf_context(invoice: Invoice) -> dict:
    from yk_saas.billing.bank import bank_details, payment_reference

    payments = db.session.scalars(
        select(Payment).where(Payment.invoice_id == invoice.id).order_by(Payment.id)
    ).all()
    notes = db.session.scalars(select(CreditNote).where(CreditNote.invoice_id == invoice.id)).all()
    return {
        "invoice": invoice,
        "payments": payments,
        "notes": notes,
        "reference": payment_reference(invoice.number),
        "bank_account": bank_details(),
    }


def cached_invoice_pdf(invoice_id: int) -> Path | None:
    """The PDF of an invoice, rendered now unless the same content is cached."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        return None
    return render_cached(
        "billing/invoice_pdf.html", f"invoice-{invoice.id}", **pdf_context(invoice)
    )


def render_cached(template: str, name: str, **context) -> Path:
    """A PDF of ``template`` cached under a digest of its HTML."""
    from weasyprint import HTML

    html = render_template(template, firm=current_tenant(), **context)
    digest = hashlib.sha256(html.encode()).hexdigest()[:16]
    path = firm_folder() / "billing-pdf" / f"{name}-{digest}.pdf"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        HTML(string=html).write_pdf(partial)
        partial.replace(path)
    return path


def send_pdf(path: Path, download_name: str):
    response = send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=download_name, max_age=0
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_receipt_pdf(payment: Payment):
    """Serve a payment's receipt; the caller checked the user may see its invoice."""
    invoice = db.session.get(Invoice, payment.invoice_id)
    path = render_cached(
        "billing/receipt_pdf.html", f"receipt-{payment.id}", payment=payment, invoice=invoice
    )
    return send_pdf(path, f"{payment.receipt_number}.pdf")


def send_invoice_pdf(invoice: Invoice):
    """Serve an invoice PDF the caller already checked the user may see."""
    return send_pdf(cached_invoice_pdf(invoice.id), f"{invoice.number}.pdf")
