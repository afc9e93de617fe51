"""The owner's custom domains: add, see the DNS record, verify, make primary, remove."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tenants import db
from yk_saas.access import OWNER, require_firm_host, roles
from yk_saas.domains import jobs, services

bp = Blueprint("domains", __name__, url_prefix="/desk/domains")
bp.before_request(require_firm_host)

PROBLEMS = {
    "invalid": _l("Enter a domain name like www.example.com."),
    "platform": _l("This address belongs to the platform."),
    "taken": _l("Another firm has already verified this domain."),
    "expired": _l("This claim has expired. Remove it and add the domain again."),
    "mine": _l("This domain is already in your list."),
    "unverified": _l("Verify the domain before making it primary."),
}


def page(status=200, error=None, host=""):
    domains = services.firm_domains()
    records = {d.id: services.txt_record(d) for d in domains if not d.verified}
    return render_template(
        "domains/index.html", domains=domains, records=records, error=error, host=host
    ), status


@bp.route("/", methods=["GET", "POST"])
@roles(OWNER)
def index():
    if request.method == "POST":
        host = request.form.get("host", "")
        try:
            domain = services.add_domain(host)
        except services.DomainError as exc:
            db.session.rollback()
            return page(422, PROBLEMS[exc.code], host)
        jobs.enqueue_verification(domain.id)
        db.session.commit()
        flash(_("Domain added. Create the DNS record below; we check it for you."), "success")
        return redirect(url_for("domains.index"), 303)
    return page()


def own_domain(domain_id):
    domain = services.firm_domain(domain_id)
    if domain is None:
        abort(404)
    return domain


@bp.route("/<int:domain_id>/verify", methods=["POST"])
@roles(OWNER)
def verify(domain_id):
    domain = own_domain(domain_id)
    try:
        verified = services.check_domain(domain)
    except services.DomainError as exc:
        db.session.rollback()
        return page(422, PROBLEMS[exc.code])
    if verified:
        db.session.commit()
        services.after_change()
        flash(_("The domain is verified and now leads to your site."), "success")
    else:
        jobs.enqueue_verification(domain.id)
        db.session.commit()
        flash(_("The DNS record is not visible yet. We keep checking in the background."), "error")
    return redirect(url_for("domains.index"), 303)


def change_domain(action, domain_id):
    """Apply ``action`` to one of the firm's own domains; a refusal is shown, nothing saved."""
    try:
        action(own_domain(domain_id))
    except services.DomainError as exc:
        db.session.rollback()
        return page(422, PROBLEMS[exc.code])
    db.session.commit()
    services.after_change()
    return redirect(url_for("domains.index"), 303)


@bp.route("/<int:domain_id>/primary", methods=["POST"])
@roles(OWNER)
def primary(domain_id):
    return change_domain(services.make_primary, domain_id)


@bp.route("/<int:domain_id>/remove", methods=["POST"])
@roles(OWNER)
def remove(domain_id):
    return change_domain(services.remove_domain, domain_id)
