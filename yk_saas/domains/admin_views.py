"""The owner's custom domains: add, see the DNS record, verify, make primary, remove."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from yk_saas.access import OWNER, or_404, require_firm_host, roles
from yk_saas.domains import jobs, services
from yk_saas.domains.forms import DomainForm
from yk_saas.errors import form_status, user_errors_on

bp = Blueprint("domains_admin", __name__, url_prefix="/desk/admin/domains")
bp.before_request(require_firm_host)


def page(form: DomainForm):
    """The domains page; a refusal shows under the host field and answers 422."""
    domains = services.firm_domains()
    records = {d.id: services.txt_record(d) for d in domains if not d.verified}
    error = form.host.errors[0] if form.host.errors else None
    return render_template(
        "domains_admin/index.html",
        domains=domains,
        records=records,
        error=error,
        host=form.host.data or "",
    ), form_status(form)


@bp.route("/", methods=["GET", "POST"])
@roles(OWNER)
def index():
    form = DomainForm()
    if form.validate_on_submit():
        with user_errors_on(form, "host") as outcome:
            domain = services.add_domain(form.host.data or "")
            jobs.enqueue_verification(domain.id)
        if outcome.ok:
            flash(_("Domain added. Create the DNS record below; we check it for you."), "success")
            return redirect(url_for("domains_admin.index"), 303)
    return page(form)


@bp.route("/<int:domain_id>/verify", methods=["POST"])
@roles(OWNER)
def verify(domain_id):
    domain = or_404(services.firm_domain(domain_id))
    form = DomainForm(data={})
    with user_errors_on(form, "host") as outcome:
        verified = services.check_domain(domain)
    if not outcome.ok:
        return page(form)
    if verified:
        flash(_("The domain is verified and now leads to your site."), "success")
    else:
        jobs.enqueue_verification(domain.id)
        flash(_("The DNS record is not visible yet. We keep checking in the background."), "error")
    return redirect(url_for("domains_admin.index"), 303)


def change_domain(action, domain_id):
    """Apply ``action`` to one of the firm's own domains; a refusal is shown, nothing saved."""
    domain = or_404(services.firm_domain(domain_id))
    form = DomainForm(data={})
    with user_errors_on(form, "host") as outcome:
        action(domain)
    if not outcome.ok:
        return page(form)
    return redirect(url_for("domains_admin.index"), 303)


@bp.route("/<int:domain_id>/primary", methods=["POST"])
@roles(OWNER)
def primary(domain_id):
    return change_domain(services.make_primary, domain_id)


@bp.route("/<int:domain_id>/remove", methods=["POST"])
@roles(OWNER)
def remove(domain_id):
    return change_domain(services.remove_domain, domain_id)
