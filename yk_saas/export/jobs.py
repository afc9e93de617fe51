"""The owner's export, built in the worker; progress goes to the job's meta for the page to poll."""

import secrets

from rq import get_current_job

from tenants import current_tenant
from tenants.jobs import tenant_job
from yk_saas.export import services


def export_path(token: str):
    from yk_saas.files.services import firm_folder

    return firm_folder() / "exports" / f"{token}.zip"


def new_token() -> str:
    return secrets.token_hex(16)


def job_id(token: str, slug: str | None = None) -> str:
    return f"export-{slug or current_tenant().slug}-{token}"


@tenant_job
def build_export(token: str) -> str:
    """Write the firm's export zip, reporting progress as a percentage."""
    job = get_current_job()

    def progress(percent: int, step: str) -> None:
        if job is not None:
            job.meta.update(progress=percent, step=step)
            job.save_meta()

    target = export_path(token)
    partial = target.with_suffix(".part")
    services.export_firm(partial, progress)
    partial.rename(target)
    return target.name
