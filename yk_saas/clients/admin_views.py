"""Import (previewed, all or nothing) and export of the client list (managers)."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tenants import db
from yk_saas.access import MANAGERS, require_firm_host, roles
from yk_saas.audit.services import record_audit
from yk_saas.clients import importing, services
from yk_saas.clients.forms import ImportForm
from yk_saas.clients.views import list_filters
from yk_saas.errors import form_status, user_errors_on
from yk_saas.files.models import StoredFile
from yk_saas.files.services import MB, delete_stored_file, firm_folder, save_upload

bp = Blueprint("clients_admin", __name__, url_prefix="/desk/admin/clients")
bp.before_request(require_firm_host)

IMPORT_OWNER = "client_import"


def pending_file(key: str) -> StoredFile | None:
    """An uploaded import file of the signed-in manager, by its unguessable key."""
    return db.session.scalar(
        select(StoredFile).where(
            StoredFile.key == key,
            StoredFile.owner_type == IMPORT_OWNER,
            StoredFile.uploaded_by_id == current_user.id,
        )
    )


def check_file(stored: StoredFile) -> importing.ImportCheck:
    return importing.check_import((firm_folder() / stored.key).read_bytes(), stored.original_name)


@bp.route("/import", methods=["GET", "POST"])
@roles(*MANAGERS)
def upload():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("clients_admin/import.html", form=form, check=None), form_status(
            form
        )
    with user_errors_on(form, "file") as outcome:
        stored = save_upload(
            request.files.get("file"),
            allowed=("csv", "xlsx"),
            max_bytes=5 * MB,
            owner_type=IMPORT_OWNER,
            owner_id=None,
            uploaded_by_id=current_user.id,
        )
    if not outcome.ok:
        return render_template("clients_admin/import.html", form=form, check=None), form_status(
            form
        )
    check = check_file(stored)
    if not check.ok:
        delete_stored_file(stored)  # the 422 rolls back the file's row as well
    return render_template(
        "clients_admin/import.html",
        form=form,
        check=check,
        stored=stored,
        columns=importing.COLUMNS,
    ), 200 if check.ok else 422


@bp.route("/import/<key>", methods=["POST"])
@roles(*MANAGERS)
def commit(key):
    stored = pending_file(key)
    if stored is None:
        flash(_("This import is no longer available. Upload the file again."), "error")
        return redirect(url_for("clients_admin.upload"))
    check = check_file(stored)
    if not check.ok:
        return render_template(
            "clients_admin/import.html",
            form=ImportForm(),
            check=check,
            stored=None,
            columns=importing.COLUMNS,
        ), 422
    name = stored.original_name
    delete_stored_file(stored)
    count = importing.commit_import(check, current_user, name)
    flash(_("%(n)d client companies imported.", n=count), "success")
    return redirect(url_for("clients.index"))


@bp.route("/export.csv")
@roles(*MANAGERS)
def export_csv():
    return export("csv")


@bp.route("/export.xlsx")
@roles(*MANAGERS)
def export_xlsx():
    return export("xlsx")


def export(fmt: str):
    """The filtered list as a file; every export is audited."""
    companies = services.filtered_companies(current_user, **list_filters())
    rows = importing.export_rows(companies)
    record_audit(
        "clients_exported",
        "client_company",
        None,
        rows=len(rows) - 1,
        format=fmt,
        filters={
            k: v for k, v in request.args.items() if k in ("q", "tag", "status", "accountant")
        },
    )
    if fmt == "csv":
        body, mimetype = importing.rows_to_csv(rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = importing.rows_to_xlsx(rows), importing.XLSX_TYPE
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f"attachment; filename=clients.{fmt}",
            "Cache-Control": "private, no-store",
        },
    )
