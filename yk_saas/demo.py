"""Demo data: two firms with owners, admins, accountants and client companies.

Idempotent: a firm that exists is left as it is.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from tenants import db, tenant_context
from tenants.models import Tenant
from yk_saas.accounts.services import create_user, find_user_by_email
from yk_saas.clients.models import ClientCompany
from yk_saas.platform.services import FirmSignup, firm_host, signup_firm

DEMO_PASSWORD = "demo-pass-2026"

#: Features add demo content from their ``init_app``: ``fn(demo_firm)`` runs with
#: the firm bound, after its people and companies exist, and commits its own work.
DEMO_POPULATORS = []


def add_demo_populator(fn) -> None:
    """Fill every new demo firm with a feature's data through ``fn(demo: DemoFirm)``."""
    if fn not in DEMO_POPULATORS:
        DEMO_POPULATORS.append(fn)


@dataclass
class DemoFirm:
    slug: str
    name: str
    locale: str
    owner: tuple[str, str]
    admins: list[tuple[str, str]] = field(default_factory=list)
    accountants: list[tuple[str, str]] = field(default_factory=list)
    # company name → client users (email, name)
    companies: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


DEMO_FIRMS = [
    DemoFirm(
        "mingda",
        "明达财税",
        "zh_CN",
        owner=("owner@mingda.example.com", "王明达"),
        admins=[("admin@mingda.example.com", "李敏")],
        accountants=[("zhang@mingda.example.com", "张会计"), ("chen@mingda.example.com", "陈会计")],
        companies={
            "杭州青禾科技有限公司": [("boss@qinghe.example.com", "刘青禾")],
            "苏州云帆贸易有限公司": [
                ("finance@yunfan.example.com", "周云帆"),
                ("cashier@yunfan.example.com", "吴出纳"),
            ],
            "上海小满餐饮管理有限公司": [("owner@xiaoman.example.com", "孙小满")],
        },
    ),
    DemoFirm(
        "hengxin",
        "Hengxin Accounting",
        "en",
        owner=("owner@hengxin.example.com", "Grace Heng"),
        admins=[("admin@hengxin.example.com", "Alan Park")],
        accountants=[("lucy@hengxin.example.com", "Lucy Tan")],
        companies={
            "Blue Harbor Trading Ltd.": [("ceo@blueharbor.example.com", "Ben Harbor")],
            "Nimbus Design Studio": [("hello@nimbus.example.com", "Nina Bus")],
        },
    ),
]


def seed_demo() -> list[DemoFirm]:
    """Create every demo firm that does not exist yet; returns the demo firms."""
    for demo in DEMO_FIRMS:
        if db.session.scalar(select(Tenant.id).where(Tenant.slug == demo.slug)):
            continue
        db.session.remove()
        create_demo_firm(demo)
    return DEMO_FIRMS


def create_demo_firm(demo: DemoFirm) -> None:
    """Sign the firm up and fill it with every feature's demo data."""
    signup_firm(
        FirmSignup(
            firm_name=demo.name,
            slug=demo.slug,
            owner_name=demo.owner[1],
            email=demo.owner[0],
            password=DEMO_PASSWORD,
            locale=demo.locale,
        )
    )
    with tenant_context(demo.slug):
        populate_firm(demo)
        for populate in DEMO_POPULATORS:
            populate(demo)


def populate_firm(demo: DemoFirm) -> None:
    for email, name in demo.admins:
        create_user(email, name, "admin", DEMO_PASSWORD)
    for email, name in demo.accountants:
        create_user(email, name, "accountant", DEMO_PASSWORD)
    accountant_ids = [find_user_by_email(email).id for email, _ in demo.accountants]
    for index, (company_name, people) in enumerate(demo.companies.items()):
        company = ClientCompany(
            name=company_name, dedicated_accountant_id=accountant_ids[index % len(accountant_ids)]
        )
        db.session.add(company)
        db.session.flush()
        for email, name in people:
            create_user(email, name, "client", DEMO_PASSWORD, client_company_id=company.id)
    db.session.commit()


def print_demo_logins(firms: list[DemoFirm], base: str = "http://{host}") -> None:
    """Print each firm's address and its demo sign-ins."""
    print(f"\nAll demo accounts use the password: {DEMO_PASSWORD}\n")
    for demo in firms:
        print(f"{demo.name}: {base.format(host=firm_host(demo.slug))}")
        rows = [("owner", demo.owner[0])] + [("admin", e) for e, _ in demo.admins]
        rows += [("accountant", e) for e, _ in demo.accountants]
        rows += [("client", people[0][0]) for people in demo.companies.values()]
        for role, email in rows:
            print(f"    {role:<11} {email}")
    print()
