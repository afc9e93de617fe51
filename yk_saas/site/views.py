"""The firm's public pages (the page builder extends them)."""

from flask import Blueprint, render_template

from yk_saas.access import require_firm_host

bp = Blueprint("site", __name__)
bp.before_request(require_firm_host)


def firm_home_page():
    """Served at "/" of a firm's host (see common.home)."""
    return render_template("site/home.html")
