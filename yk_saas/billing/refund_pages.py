"""What the desk's and the portal's refund pages share: the page itself and a step's evidence file."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from tenants import db
from yk_saas.accounts.models import User
from yk_saas.billing import refunds
from yk_saas.billing.models import RefundRequest
from yk_saas.files.services import DOCUMENTS, MB, save_upload


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


def save_evidence(form, refund: RefundRequest) -> int | None:
    """Store an evidence file of a refund step, if one was chosen."""
    upload = form.evidence.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return save_upload(
        upload,
        allowed=DOCUMENTS,
        max_bytes=10 * MB,
        owner_type="refund",
        owner_id=refund.id if refund else None,
        uploaded_by_id=current_user.id,
    ).id
