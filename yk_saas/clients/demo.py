"""Demo content of the clients feature: profiles, contacts, tags, books, complaints, follow-ups."""

from datetime import timedelta

from sqlalchemy import select

from tenants import db
from yk_saas.accounts.models import User
from yk_saas.clients import crm, demo_activity
from yk_saas.clients.creditcode import check_character
from yk_saas.clients.models import ClientCompany, StaffProfile
from yk_saas.clients.services import change_dedicated_accountant
from yk_saas.models_base import utcnow

PROFILES = [
    # (industry, size, tax type, address, source, tags)
    (
        "软件和信息技术服务",
        "small",
        "general",
        "杭州市西湖区文三路 90 号",
        "referral",
        ["高新技术", "VIP"],
    ),
    ("批发和零售", "micro", "small_scale", "苏州市工业园区星湖街 218 号", "website", ["进出口"]),
    ("餐饮", "small", "small_scale", "上海市徐汇区漕溪北路 41 号", "walk_in", ["多门店", "需回访"]),
]


def demo_credit_code(index: int) -> str:
    first17 = f"913301{index:02d}MA2{index:07d}"[:17]
    return first17 + check_character(first17)


def populate_clients(demo) -> None:
    """Give every demo company a full profile and the first two a year of books."""
    owner = db.session.scalar(select(User).where(User.role == "owner"))
    accountants = db.session.scalars(
        select(User).where(User.role == "accountant").order_by(User.id)
    ).all()
    for index, accountant in enumerate(accountants):
        db.session.add(
            StaffProfile(
                user_id=accountant.id,
                wechat=f"yk_acc_{accountant.id:03d}",
                title="主办会计" if demo.locale == "zh_CN" else "Senior accountant",
            )
        )
        accountant.phone = f"1390000{index:04d}"
    companies = db.session.scalars(select(ClientCompany).order_by(ClientCompany.id)).all()
    for index, company in enumerate(companies):
        fill_profile(company, index)
    db.session.commit()
    if len(accountants) > 1 and companies:
        change_dedicated_accountant(companies[0], accountants[1].id, owner)
        change_dedicated_accountant(companies[0], accountants[0].id, owner)
    for company in companies[:2]:
        demo_activity.add_books(company, owner, months=14)
    demo_activity.add_feedback(companies, owner)


def fill_profile(company: ClientCompany, index: int) -> None:
    industry, size, tax_type, address, source, tags = PROFILES[index % len(PROFILES)]
    company.credit_code = demo_credit_code(index + 1)
    company.industry, company.size, company.tax_type = industry, size, tax_type
    company.address, company.source = address, source
    company.created_at = utcnow() - timedelta(days=400 - index * 90)
    db.session.flush()
    people = db.session.scalars(select(User).where(User.client_company_id == company.id)).all()
    for person in people:
        crm.add_contact(company.id, person.name, email=person.email, position="负责人")
    crm.add_contact(
        company.id, "财务 " + company.name[:2], phone=f"0571-8800{index:04d}", wechat=f"fin{index}"
    )
    crm.set_tags(company.id, tags)
    author = db.session.scalar(select(User).where(User.role == "owner"))
    note = crm.add_note(company.id, "老板更习惯微信沟通，月初 5 号前提醒提供票据。", author)
    crm.edit_note(note, "老板更习惯微信沟通；每月 3 号前提醒提供票据和银行回单。", author)
