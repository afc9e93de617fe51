"""Defaults every new firm starts with. Features add their seeders here."""

from collections.abc import Callable

from sqlalchemy.orm import Session

from tenants import TenantInfo

FirmSeeder = Callable[[Session, TenantInfo], None]
_seeders: list[FirmSeeder] = []


def firm_seeder(fn: FirmSeeder) -> FirmSeeder:
    """Register ``fn(session, firm)`` to run inside every firm's provisioning."""
    _seeders.append(fn)
    return fn


def seed_new_firm(session: Session, firm: TenantInfo) -> None:
    for seeder in _seeders:
        seeder(session, firm)
