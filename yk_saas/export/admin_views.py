"""The owner's whole-firm export: start it, watch the progress bar, download the zip."""

import re

from flask import Blueprint, abort, g, render_template, send_file
from rq.exceptions import NoSuchJobError
from rq.job import Job

from yk_saas.access import OWNER, require_firm_host, roles
from yk_saas.audit.services import record_audit
from yk_saas.export import jobs
from yk_saas.extensions import redis_conn
from yk_saas.jobs import enqueue_after_commit

bp = Blueprint("export_admin", __name__, url_prefix="/desk/admin/export")
bp.before_request(require_firm_host)
TOKEN = re.compile(r"^[0-9a-f]{32}$")


@bp.route("/")
@roles(OWNER)
def index():
    return render_template("export_admin/index.html", token=None)


@bp.route("/", methods=["POST"])
@roles(OWNER)
def start():
    token = jobs.new_token()
    record_audit("firm_export_started", "firm", g.tenant.id, token=token)
    enqueue_after_commit(
        "low",
        jobs.build_export,
        g.tenant.slug,
        token,
        job_id=jobs.job_id(token),
        job_timeout=3600,
        result_ttl=86400,
    )
    return render_template(
        "export_admin/_progress.html", token=token, done=False, progress=0, failed=False
    )


def state(token: str) -> dict:
    """What the progress fragment shows for this firm's export ``token``."""
    if jobs.export_path(token).exists():
        return {"token": token, "done": True, "progress": 100, "failed": False}
    try:
        job = Job.fetch(jobs.job_id(token), connection=redis_conn())
    except NoSuchJobError:
        abort(404)
    return {
        "token": token,
        "done": False,
        "progress": int(job.meta.get("progress", 0)),
        "failed": job.is_failed,
    }


@bp.route("/<token>/progress")
@roles(OWNER)
def progress(token):
    if not TOKEN.match(token):
        abort(404)
    return render_template("export_admin/_progress.html", **state(token))


@bp.route("/<token>/download")
@roles(OWNER)
def download(token):
    path = jobs.export_path(token) if TOKEN.match(token) else None
    if path is None or not path.exists():
        abort(404)
    record_audit("firm_export_downloaded", "firm", g.tenant.id, token=token)
    response = send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{g.tenant.slug}-export.zip",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
