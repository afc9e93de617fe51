"""What the desk's and the portal's refund pages share: the page itself and a step's evidence file."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from tenants import db
from yk_saas.accounts.models import User
from yk_saas.billing import refunds
from yk_saas.billing.forms import RefundStepForm
from yk_saas.billing.models import RefundRequest
from yk_saas.files.services import DOCUMENTS, MB, UploadError, save_upload


def refund_page(refund, form, status=200, area="desk", failed=None):
    """The refund's trail and its next step, for the desk (``area="desk"``) or the portal.

    Files open for the client and for managers; other staff see that a file is attached.
    ``failed`` names the step whose ``form`` was refused; the other steps get blank forms."""
    blank = RefundStepForm(formdata=None)
    blank.currency_code = refund.currency
    return render_template(
        "billing/refund.html",
        refund=refund,
        form=form,
        blank=blank,
        failed=failed,
        labels=refunds.STATE_LABELS,
        actions=refunds.ACTION_LABELS,
        payout_methods=refunds.PAYOUT_METHODS,
        people=people_names(),
        files=refunds.files_of(refund),
        file_endpoint=(
            "billing_portal.refund_file"
            if area == "portal"
            else "billing.refund_file"
            if current_user.is_manager
            else None
        ),
        pays_online=refund.state == "agreed" and refunds.online_payment_of(refund) is not None,
        area=area,
    ), status


def people_names() -> dict[int, str]:
    return dict(db.session.execute(select(User.id, User.name)).all())


def save_evidence(form, refund: RefundRequest) -> int | None:
    """Store an evidence file of a refund step, if one was chosen; a refused file's
    message goes under the file field."""
    upload = form.evidence.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    try:
        return save_upload(
            upload,
            allowed=DOCUMENTS,
            max_bytes=10 * MB,
            owner_type=refunds.FILE_OWNER,
            owner_id=refund.id if refund else None,
            uploaded_by_id=current_user.id,
        ).id
    except UploadError as exc:
        raise UploadError(str(exc), field="evidence") from exc
