"""Feedback: complaints (F2), follow-up visits (K5) and satisfaction surveys (F3)."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantModel
from tenants.db import tenant_args
from yk_saas.models_base import created_at_column, timestamp_column

COMPLAINT_STATES = ("new", "investigating", "resolved", "rejected")
CLOSED_STATES = ("resolved", "rejected")
FOLLOWUP_METHODS = ("visit", "phone", "wechat", "video")


class Complaint(TenantModel):
    """A client's complaint; admins investigate and resolve it, the client sees the outcome."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.client_companies.id", ondelete="CASCADE"), index=True
    )
    filed_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    #: The accountant it is about, if any (counted in that accountant's performance).
    about_accountant_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL"), index=True
    )
    #: The order or request it is about, as the client named it (its number).
    about_item: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="new", index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None] = timestamp_column()
    #: When the worker asks the client "is it solved?", and when it did.
    followup_due_at: Mapped[datetime | None] = timestamp_column(index=True)
    followup_sent_at: Mapped[datetime | None] = timestamp_column()
    #: The client's answer to the follow-up check.
    client_satisfied: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = created_at_column()


class ComplaintNote(TenantModel):
    """An internal note of staff on a complaint; never shown to the client."""

    __tablename__ = "complaint_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.complaints.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()


class FollowUp(TenantModel):
    """A scheduled follow-up visit or call (回访) and, once done, its outcome and satisfaction."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.client_companies.id", ondelete="CASCADE"), index=True
    )
    accountant_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL"), index=True
    )
    scheduled_for: Mapped[date] = mapped_column(Date, index=True)
    method: Mapped[str] = mapped_column(String(16), default="phone")
    purpose: Mapped[str | None] = mapped_column(String(300))
    done_at: Mapped[datetime | None] = timestamp_column()
    outcome: Mapped[str | None] = mapped_column(Text)
    #: 1 (very unhappy) … 5 (very happy), noted by the accountant.
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    reminded_at: Mapped[datetime | None] = timestamp_column()
    created_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()


class SurveyResponse(TenantModel):
    """One client user's satisfaction survey of one round ("2026-Q4"): NPS score and comment."""

    __tablename__ = "survey_responses"
    __table_args__ = tenant_args(
        UniqueConstraint("user_id", "round", name="uq_survey_responses_user_round")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round: Mapped[str] = mapped_column(String(7), index=True)
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.client_companies.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("tenant.users.id", ondelete="CASCADE"))
    #: The company's dedicated accountant when the survey was sent (results per accountant).
    accountant_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL"), index=True
    )
    sent_at: Mapped[datetime] = created_at_column()
    #: 0–10: how likely the client is to recommend the firm.
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = timestamp_column()
