"""Firm provisioning: a real signup, then the same people and companies in every test firm."""

import itertools
import time

from tenants import tenant_context
from tests.support import PASSWORD, PLATFORM

_counter = itertools.count(1)


def unique_slug(prefix: str = "fresh") -> str:
    """A firm slug no other firm of this test session has."""
    return f"{prefix}{time.time_ns() % 10**9}{next(_counter)}"


def provision_firm(app, slug, marker):
    """A firm with the same people and companies (same ids) as every other test firm.

    ``marker`` is written into every name so a page leaking this firm's data is easy to spot.
    The answer holds the e-mail of each person, and under ``ids`` the id of each person
    and of the companies ``company_x`` and ``company_y``.
    """
    from tenants import db
    from yk_saas.accounts.services import create_user
    from yk_saas.clients.models import ClientCompany
    from yk_saas.platform.services import FirmSignup, signup_firm

    people = {
        "owner": f"owner@{slug}.example.com",
        "admin": f"admin@{slug}.example.com",
        "accountant": f"acc@{slug}.example.com",
        "accountant2": f"acc2@{slug}.example.com",
        "client_x": f"x@{slug}.example.com",
        "client_y": f"y@{slug}.example.com",
    }
    with app.app_context():
        signup_firm(
            FirmSignup(
                firm_name=f"{slug.title()} Firm",
                slug=slug,
                owner_name=f"{marker} Owner",
                email=people["owner"],
                password=PASSWORD,
            )
        )
        with tenant_context(slug):
            ids = {}
            for who, name, role in (
                ("admin", "Admin", "admin"),
                ("accountant", "Accountant", "accountant"),
                ("accountant2", "Accountant Two", "accountant"),
            ):
                ids[who] = create_user(people[who], f"{marker} {name}", role, PASSWORD).id
            x = ClientCompany(name=f"{marker} Company X")
            y = ClientCompany(name=f"{marker} Company Y")
            db.session.add_all([x, y])
            db.session.flush()
            ids["company_x"], ids["company_y"] = x.id, y.id
            for who, name, company in (("client_x", "X", x), ("client_y", "Y", y)):
                user = create_user(
                    people[who],
                    f"{marker} Client {name}",
                    "client",
                    PASSWORD,
                    client_company_id=company.id,
                )
                ids[who] = user.id
            ids["owner"] = _user_id(people["owner"])
            db.session.commit()
    return {"slug": slug, "host": f"{slug}.{PLATFORM}", "marker": marker, **people, "ids": ids}


def _user_id(email: str) -> int:
    from yk_saas.accounts.services import find_user_by_email

    return find_user_by_email(email).id
