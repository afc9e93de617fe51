"""Defaults every new firm starts with. Features add their seeders from their ``init_app``."""

from collections.abc import Callable

from sqlalchemy.orm import Session

from tenants import TenantInfo

FirmSeeder = Callable[[Session, TenantInfo], None]
_seeders: list[FirmSeeder] = []


def add_firm_seeder(fn: FirmSeeder) -> None:
    """Run ``fn(session, firm)`` inside every firm's provisioning (called from a feature's init_app)."""
    if fn not in _seeders:
        _seeders.append(fn)


def seed_new_firm(session: Session, firm: TenantInfo) -> None:
    for seeder in _seeders:
        seeder(session, firm)
