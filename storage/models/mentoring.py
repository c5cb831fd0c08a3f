"""Mentoring: mentor profiles, pairings and what happens in them (check-ins, the contact
log, the outcome), with the fixed lists their status columns take."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

__all__ = [
    "Checkin",
    "CheckinAnswer",
    "CloseReason",
    "Interaction",
    "MentorProfile",
    "MentorStatus",
    "Outcome",
    "Pairing",
    "PairingStatus",
]


class PairingStatus(StrEnum):
    """Where a mentoring stands; the legal moves are in `conversations.pairs.lifecycle`."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"


class CloseReason(StrEnum):
    """Why a pairing ended: a fixed list, so the programme's exit figures add up."""

    # the youth found a lasting job (see `outcome` for the details)
    JOB = "job"
    FURTHER_STUDIES = "further_studies"
    BUSINESS_CREATION = "business_creation"
    GAVE_UP = "gave_up"
    LOST_CONTACT = "lost_contact"
    MENTOR_UNAVAILABLE = "mentor_unavailable"
    MISMATCH = "mismatch"
    # a proposed pairing that never started
    CANCELLED = "cancelled"


class MentorStatus(StrEnum):
    """Whether a mentor can be paired: staff-registered mentors are active at once."""

    PENDING = "pending"  # signed up with `/mentorbot join`, waiting for staff
    ACTIVE = "active"
    DECLINED = "declined"


class MentorProfile(Base):
    """A mentor's professional details (their Slack id is their `identity` on slack)."""

    __tablename__ = "mentor_profile"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    company: Mapped[str | None] = mapped_column(String(200))
    sector: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(32), index=True)
    # how many mentees at a time (open pairings)
    capacity: Mapped[int] = mapped_column(default=1)
    # holidays: no check-in is sent before this day (programme time zone)
    checkins_paused_until: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime]
    # --- what pairing suggestions weigh (issue 11); filled by staff, an import or `join`
    # fields of work and skills, as typed ("informatique, RH, CV")
    expertise: Mapped[str | None] = mapped_column(String(300))
    # languages the mentor can mentor in ("fr", "en", "ar"...)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    # the mentor is willing to mentor remotely (someone outside their region)
    remote: Mapped[bool] = mapped_column(default=True)
    # the mentor takes new mentees for now (False: "not for now", kept at capacity)
    accepting: Mapped[bool] = mapped_column(default=True)
    # self sign-up (`/mentorbot join`): pending until staff approve it; see MentorStatus
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(100))


class Pairing(Base):
    """A youth and a mentor. Due dates are indexed columns: the scheduler queries them."""

    __tablename__ = "pairing"
    __table_args__ = (Index("ix_pairing_status_next_checkin", "status", "next_checkin_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    youth_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=PairingStatus.PROPOSED)
    close_reason: Mapped[str | None] = mapped_column(String(32))
    proposed_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    first_meeting_at: Mapped[datetime | None]
    last_contact_at: Mapped[datetime | None] = mapped_column(index=True)
    # day of the month (1-28) the monthly check-in is due, chosen at pairing
    checkin_day: Mapped[int] = mapped_column(default=1)
    next_checkin_due_at: Mapped[datetime | None] = mapped_column(index=True)
    paused_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(100))
    # --- the scheduler's due dates (indexed: a tick reads only what is due)
    # first meeting not logged: 0 nothing sent, 1 mentor reminded, 2 both, 3 staff alerted
    first_meeting_stage: Mapped[int] = mapped_column(default=0)
    first_meeting_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # no contact logged by either side for the silence period: staff alerted once
    at_risk_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # the youth's monthly pulse on Telegram
    next_pulse_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # monthly rounds left unanswered in a row, per side; after a few, ask instead of nudging
    mentor_silent_rounds: Mapped[int] = mapped_column(default=0)
    youth_silent_rounds: Mapped[int] = mapped_column(default=0)
    # the youth agreed to show her email to her mentor (a button in her introduction)
    youth_email_shared_at: Mapped[datetime | None]


class CheckinAnswer(StrEnum):
    """The one-tap answer to "did you have contact this month?"."""

    YES = "yes"
    NOT_YET = "not_yet"
    UNREACHABLE = "unreachable"


class Checkin(Base):
    """One monthly check-in of one respondent of a pairing."""

    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("pairing_id", "period", "respondent_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairing.id", ondelete="CASCADE"))
    # the month it belongs to, "YYYY-MM" in the programme's time zone
    period: Mapped[str] = mapped_column(String(7))
    respondent_role: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None]
    how: Mapped[str | None] = mapped_column(String(16))
    topics: Mapped[list[Any]] = mapped_column(default=list)
    progress: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    needs_staff: Mapped[bool] = mapped_column(default=False)
    # "not yet": ask again on this date (the scheduler's reminder tick reads it)
    remind_at: Mapped[datetime | None] = mapped_column(index=True)
    # the one automatic reminder went out (never a second one)
    reminded_at: Mapped[datetime | None]
    # still unanswered then: staff alerted instead of a third message
    escalate_at: Mapped[datetime | None] = mapped_column(index=True)


class Interaction(Base):
    """The log of what happened in a pairing: meetings, calls, check-in answers, concerns."""

    __tablename__ = "interaction"
    __table_args__ = (Index("ix_interaction_pairing_occurred", "pairing_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairing.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    logged_at: Mapped[datetime]
    logged_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    # the platform event that caused it (Slack view id...): a resubmission records nothing
    source_event_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    how: Mapped[str | None] = mapped_column(String(16))
    topics: Mapped[list[Any]] = mapped_column(default=list)
    progress: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    needs_staff: Mapped[bool] = mapped_column(default=False)


class Outcome(Base):
    """How a mentoring ended for the youth (a job, studies...), as reported."""

    __tablename__ = "outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(
        ForeignKey("pairing.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    contract: Mapped[str | None] = mapped_column(String(16))
    at_diploma_level: Mapped[bool | None]
    occurred_on: Mapped[date] = mapped_column(Date)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime]
