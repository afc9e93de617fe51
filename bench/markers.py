"""Marker jobs of the idle-platform measure: they do nothing; their start time is the figure."""


def marker() -> str:
    return "ok"
