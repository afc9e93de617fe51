"""Demo books, complaints, follow-ups and surveys (used by the clients demo populator)."""

import io
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tenants import db
from yk_saas.accounts.models import User
from yk_saas.clients.models import ClientCompany
from yk_saas.feedback.models import Complaint, ComplaintNote, FollowUp, SurveyResponse
from yk_saas.files.services import save_upload
from yk_saas.ledgers import services as ledgers
from yk_saas.ledgers.models import TaxFiling
from yk_saas.models_base import utcnow

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def demo_pdf(name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(PDF), filename=name, content_type="application/pdf")


def add_books(company: ClientCompany, by: User, months: int) -> None:
    """``months`` periods up to last month with plausible, seasonal figures (minor units)."""
    last = ledgers.previous_period()
    base = 8_000_000 + company.id * 1_500_000
    for back in range(months - 1, -1, -1):
        period = ledgers.open_period(company.id, ledgers.shift_period(last, -back))
        season = (int(period.period[5:]) % 12) * 350_000
        revenue = base + season + back * 40_000
        costs = revenue * 78 // 100 + (900_000 if back % 5 == 0 else 0)
        period.revenue, period.costs, period.profit = revenue, costs, revenue - costs
        period.vat = revenue * 3 // 100
        period.income_tax = max(0, (revenue - costs) * 5 // 100)
        period.cash_balance = 20_000_000 + (months - back) * 600_000
        period.updated_by_id, period.updated_at = by.id, utcnow()
        add_filings(period, back)
        if back < 3:
            save_upload(
                demo_pdf(f"{period.period}-books.pdf"),
                allowed=("pdf",),
                max_bytes=1 << 20,
                owner_type=ledgers.FILE_OWNER,
                owner_id=period.id,
                uploaded_by_id=by.id,
            )
        period.delivered_at = utcnow() - timedelta(days=30 * back)
    db.session.commit()


def add_filings(period, back: int) -> None:
    status = "paid" if back > 0 else "filed"
    year, month = int(period.period[:4]), int(period.period[5:])
    filed = utcnow().date().replace(year=year + month // 12, month=month % 12 + 1, day=12)
    for tax in ("vat", "income_tax"):
        db.session.add(
            TaxFiling(
                period_id=period.id,
                tax=tax,
                status=status,
                filed_on=filed,
                paid_on=filed + timedelta(days=2) if status == "paid" else None,
            )
        )


def add_feedback(companies: list[ClientCompany], owner: User) -> None:
    """A resolved and an open complaint, follow-ups done and planned, a round of survey answers."""
    if not companies:
        return
    now = utcnow()
    first, last = companies[0], companies[-1]
    filer = db.session.scalar(select(User.id).where(User.client_company_id == first.id))
    resolved = Complaint(
        company_id=first.id,
        filed_by_id=filer,
        title="增值税申报晚了两天",
        description="上月增值税申报比约定晚了两天，产生了滞纳金。",
        state="resolved",
        about_accountant_id=first.dedicated_accountant_id,
        resolution="已核实，滞纳金由我们承担，并已调整申报提醒流程。",
        resolved_by_id=owner.id,
        created_at=now - timedelta(days=20),
        resolved_at=now - timedelta(days=17),
        followup_due_at=now - timedelta(days=14),
        followup_sent_at=now - timedelta(days=14),
        client_satisfied=True,
    )
    open_one = Complaint(
        company_id=last.id,
        title="发票寄送太慢",
        description="纸质发票一周还没收到。",
        state="investigating",
        created_at=now - timedelta(days=2),
        filed_by_id=db.session.scalar(select(User.id).where(User.client_company_id == last.id)),
    )
    db.session.add_all([resolved, open_one])
    db.session.flush()
    db.session.add(
        ComplaintNote(complaint_id=open_one.id, author_id=owner.id, body="已联系快递公司查询。")
    )
    for index, company in enumerate(companies):
        accountant = company.dedicated_accountant_id
        db.session.add(
            FollowUp(
                company_id=company.id,
                accountant_id=accountant,
                method="visit",
                scheduled_for=(now - timedelta(days=40 + index)).date(),
                purpose="季度回访",
                done_at=now - timedelta(days=40 + index),
                outcome="对服务满意，希望增加税务筹划。",
                satisfaction=5 - index % 3,
                created_by_id=owner.id,
            )
        )
        db.session.add(
            FollowUp(
                company_id=company.id,
                accountant_id=accountant,
                method="phone",
                scheduled_for=(now + timedelta(days=3 + index)).date(),
                purpose="年度汇算清缴沟通",
                created_by_id=owner.id,
            )
        )
    add_surveys(companies)
    db.session.commit()


def add_surveys(companies) -> None:
    from yk_saas.feedback.surveys import survey_round

    round_name = survey_round(utcnow().date() - timedelta(days=100))
    for index, company in enumerate(companies):
        for user_id in db.session.scalars(
            select(User.id).where(User.client_company_id == company.id)
        ):
            db.session.add(
                SurveyResponse(
                    round=round_name,
                    company_id=company.id,
                    user_id=user_id,
                    accountant_id=company.dedicated_accountant_id,
                    score=(10, 8, 5)[index % 3],
                    comment="回复很及时" if index % 3 == 0 else None,
                    answered_at=utcnow() - timedelta(days=90),
                )
            )
