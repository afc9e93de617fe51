"""Showing a metric value by its kind (see ``yk_saas.reports.registry.KINDS``)."""

from flask_babel import gettext as _

from yk_saas.templating import money_filter


def format_duration(seconds) -> str:
    """``7260`` → ``"2 h 1 min"``; days for long ones."""
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)d d %(h)d h", d=days, h=hours)
    if hours:
        return _("%(h)d h %(m)d min", h=hours, m=minutes)
    return _("%(m)d min", m=minutes)


def format_metric(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "money":
        return money_filter(value)
    if kind == "seconds":
        return format_duration(value)
    if kind == "percent":
        return f"{value}%"
    if kind == "count":
        return f"{int(value):,}"
    return str(value)


def metric_number(value, kind: str) -> str:
    """A plain number for CSV: money in major units with two decimals, durations in seconds."""
    from decimal import Decimal

    if value is None:
        return ""
    if kind == "money":
        return str((Decimal(int(value)) / 100).quantize(Decimal("0.01")))
    return str(value)
