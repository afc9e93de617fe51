"""Staff directory (S1) and performance figures (S2) from the report registry."""

from sqlalchemy import func, select

from tenants import db
from yk_saas.access import STAFF
from yk_saas.accounts.models import User
from yk_saas.clients.models import ClientCompany, StaffProfile
from yk_saas.csv_export import csv_bytes
from yk_saas.dashboards.formatting import metric_number
from yk_saas.dashboards.periods import ReportPeriod, last_months
from yk_saas.dashboards.sorting import TableSort, sort_rows
from yk_saas.files.services import IMAGES, MB, delete_stored_file, save_upload
from yk_saas.reports.registry import STAFF_METRICS, STAFF_PROVIDERS, collect
from yk_saas.work import services as work_services

PHOTO_OWNER = "staff_photo"


def staff_members(only: User | None = None) -> list[User]:
    query = select(User).where(User.role.in_(STAFF), User.is_active.is_(True)).order_by(User.name)
    if only is not None:
        query = query.where(User.id == only.id)
    return db.session.scalars(query).all()


def directory() -> list[dict]:
    """Every active member of staff with profile, number of clients, duty and capacity."""
    profiles = {p.user_id: p for p in db.session.scalars(select(StaffProfile))}
    clients = dict(
        db.session.execute(
            select(ClientCompany.dedicated_accountant_id, func.count(ClientCompany.id))
            .where(ClientCompany.status == "active")
            .group_by(ClientCompany.dedicated_accountant_id)
        ).all()
    )
    members = staff_members()
    availability = work_services.availability_of([user.id for user in members])
    rows = []
    for user in members:
        on_duty, capacity = availability[user.id]
        rows.append(
            {
                "user": user,
                "profile": profiles.get(user.id),
                "clients": clients.get(user.id, 0),
                "on_duty": on_duty,
                "capacity": capacity,
            }
        )
    return rows


def save_profile(
    user: User, phone: str | None, title: str | None, wechat: str | None, photo=None
) -> None:
    """Update what clients see on the accountant's card."""
    profile = db.session.get(StaffProfile, user.id) or StaffProfile(user_id=user.id)
    db.session.add(profile)
    user.phone = (phone or "").strip() or None
    profile.title, profile.wechat = (title or "").strip() or None, (wechat or "").strip() or None
    if photo is not None and photo.filename:
        stored = save_upload(
            photo,
            allowed=IMAGES,
            max_bytes=2 * MB,
            owner_type=PHOTO_OWNER,
            owner_id=user.id,
            uploaded_by_id=user.id,
        )
        old = profile.photo_file_id
        profile.photo_file_id = stored.id
        db.session.flush()
        if old:
            from yk_saas.files.models import StoredFile

            previous = db.session.get(StoredFile, old)
            if previous is not None:
                delete_stored_file(previous)


def performance(period: ReportPeriod, only: User | None = None) -> tuple[list, list[User], dict]:
    """(metrics in order, staff rows, {user_id: {key: value}}) for the period."""
    metrics = sorted(STAFF_METRICS.values(), key=lambda m: (m.order, m.key))
    people = staff_members(only)
    figures = collect(STAFF_PROVIDERS, period.start, period.end)
    return metrics, people, {p.id: figures.get(p.id, {}) for p in people}


def performance_columns(metrics) -> list[str]:
    """The columns the performance table can be sorted by."""
    return ["name", *(m.key for m in metrics)]


def sort_people(people: list[User], figures: dict, sort: TableSort) -> list[User]:
    def value_of(person: User, column: str):
        return person.name.casefold() if column == "name" else figures[person.id].get(column)

    return sort_rows(people, sort, value_of, lambda person: person.name)


def trend(user: User, months: int = 12) -> tuple[list, list[str], dict[str, list]]:
    """Month-by-month values of every staff metric for one person, oldest first."""
    metrics = sorted(STAFF_METRICS.values(), key=lambda m: (m.order, m.key))
    periods = last_months(months)
    series = {m.key: [] for m in metrics}
    for period in periods:
        values = collect(STAFF_PROVIDERS, period.start, period.end).get(user.id, {})
        for metric in metrics:
            series[metric.key].append(values.get(metric.key))
    return metrics, [p.key for p in periods], series


def performance_csv(period: ReportPeriod, only: User | None = None) -> bytes:
    metrics, people, figures = performance(period, only)
    rows = [
        [period.key, person.id, person.name, person.role]
        + [metric_number(figures[person.id].get(m.key), m.kind) for m in metrics]
        for person in people
    ]
    return csv_bytes([["period", "user_id", "name", "role"] + [m.key for m in metrics], *rows])
