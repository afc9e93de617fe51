"""Staff directory, own profile, and performance (admins see everyone, accountants themselves)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length, Optional

from tenants import db
from yk_saas.access import CLIENT, MANAGERS, STAFF, require_firm_host, roles
from yk_saas.accounts.models import User
from yk_saas.clients.models import ClientCompany, StaffProfile
from yk_saas.dashboards.periods import parse_period
from yk_saas.errors import form_status, user_errors_on
from yk_saas.files.models import StoredFile
from yk_saas.files.services import send_stored_file
from yk_saas.forms import Form
from yk_saas.ledgers.charts import month_chart
from yk_saas.staff import services

bp = Blueprint("staff", __name__, url_prefix="/desk/staff")
bp.before_request(require_firm_host)

#: Minor units per shown unit, per metric kind, for the trend charts.
CHART_UNITS = {"money": 100, "seconds": 3600, "score": 10, "count": 1, "percent": 1}


class ProfileForm(Form):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    wechat = StringField(_l("WeChat ID"), validators=[Optional(), Length(max=64)])
    photo = FileField(_l("Photo (PNG, JPEG or WebP)"))


@bp.route("/")
@roles(*STAFF)
def team():
    return render_template(
        "staff/team.html",
        rows=services.directory(),
        shows_duty=services.work_services is not None,
    )


@bp.route("/profile", methods=["GET", "POST"])
@roles(*STAFF)
def profile():
    current = db.session.get(StaffProfile, current_user.id)
    form = (
        ProfileForm(obj=current, phone=current_user.phone)
        if request.method == "GET"
        else ProfileForm()
    )
    if form.validate_on_submit():
        with user_errors_on(form, "photo") as outcome:
            services.save_profile(
                current_user,
                form.phone.data,
                form.title.data,
                form.wechat.data,
                request.files.get("photo"),
            )
        if outcome.ok:
            flash(_("Profile saved."), "success")
            return redirect(url_for("staff.profile"))
    return render_template("staff/profile.html", form=form, profile=current), form_status(form)


@bp.route("/photo/<int:user_id>")
@roles(*STAFF, CLIENT)
def photo(user_id):
    if current_user.role == CLIENT:
        company = db.session.get(ClientCompany, current_user.client_company_id or 0)
        if company is None or company.dedicated_accountant_id != user_id:
            abort(404)
    profile = db.session.get(StaffProfile, user_id)
    stored = (
        db.session.get(StoredFile, profile.photo_file_id)
        if profile and profile.photo_file_id
        else None
    )
    if stored is None or stored.owner_type != services.PHOTO_OWNER:
        abort(404)
    return send_stored_file(stored, inline=True)


def scope():
    """Managers see everyone; an accountant only their own figures."""
    return None if current_user.role in MANAGERS else current_user


@bp.route("/performance")
@roles(*STAFF)
def performance():
    period = parse_period(request.args.get("period"))
    metrics, people, figures = services.performance(period, scope())
    maxima = {
        m.key: max([int(figures[p.id].get(m.key) or 0) for p in people] or [0]) for m in metrics
    }
    return render_template(
        "staff/performance.html",
        period=period,
        metrics=metrics,
        people=people,
        figures=figures,
        maxima=maxima,
    )


@bp.route("/performance.csv")
@roles(*STAFF)
def performance_csv():
    period = parse_period(request.args.get("period"))
    return Response(
        services.performance_csv(period, scope()),
        mimetype="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename=performance-{period.key}.csv",
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/performance/<int:user_id>")
@roles(*STAFF)
def person(user_id):
    if current_user.role not in MANAGERS and user_id != current_user.id:
        abort(404)
    user = db.session.get(User, user_id)
    if user is None or user.role not in STAFF:
        abort(404)
    metrics, labels, series = services.trend(user)
    charts = [
        month_chart(
            m.label,
            labels,
            [scaled(v, m.kind) for v in series[m.key]],
            m.label,
            unit=CHART_UNITS.get(m.kind, 1),
        )
        for m in metrics
    ]
    return render_template(
        "staff/person.html",
        person=user,
        metrics=metrics,
        labels=labels,
        series=series,
        charts=charts,
    )


def scaled(value, kind):
    """Chart values are integers: scores ×10 (one decimal), the rest as they are."""
    if value is None:
        return None
    return int(value * 10) if kind == "score" else int(value)
