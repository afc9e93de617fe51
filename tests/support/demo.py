"""The Chinese demo firm as a test fixture: every feature's demo data, and ids to open."""

from dataclasses import replace

from sqlalchemy import select

from tenants import db, tenant_context

#: A client user of the demo firm with work items and invoices.
DEMO_CLIENT = "boss@qinghe.example.com"


def provision_zh_demo_firm(app, slug: str) -> dict:
    from yk_saas.accounts.models import User
    from yk_saas.billing.models import Invoice
    from yk_saas.demo import DEMO_FIRMS, create_demo_firm
    from yk_saas.work.models import WorkItem

    demo = replace(DEMO_FIRMS[0], slug=slug)
    with app.app_context():
        create_demo_firm(demo)
        with tenant_context(slug):
            company = db.session.scalar(
                select(User.client_company_id).where(User.email == DEMO_CLIENT)
            )
            work = db.session.scalar(
                select(WorkItem.id).where(WorkItem.client_company_id == company).limit(1)
            )
            invoice = db.session.scalar(
                select(Invoice.id).where(Invoice.company_id == company).limit(1)
            )
    assert company and work and invoice, "the demo firm has a client with work and invoices"
    return {
        "slug": slug,
        "host": f"{slug}.yk.test",
        "demo": demo,
        "company": company,
        "work": work,
        "invoice": invoice,
    }
