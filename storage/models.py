"""Database tables (SQLAlchemy 2 typed models). Alembic owns the schema: see `migrations/`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so migrations can name what they alter (and SQLite batch mode works).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite forgets the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Role(StrEnum):
    YOUTH = "youth"
    MENTOR = "mentor"
    STAFF = "staff"


class Person(Base):
    """Someone the bot knows. Personal fields are cleared on erasure (`erased_at` set)."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    created_at: Mapped[datetime]
    consent_at: Mapped[datetime | None]
    consent_declined_at: Mapped[datetime | None]
    # the bot could not reach them (blocked the bot); staff can see it
    unreachable_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    # region code (see conversations.regions): time zone and public holidays for nudges
    region: Mapped[str | None] = mapped_column(String(32))
    # the local day the last budgeted proactive message went out (one a day at most)
    last_proactive_on: Mapped[date | None] = mapped_column(Date)

    identities: Mapped[list[Identity]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )


class Identity(Base):
    """A person's account on one channel (Telegram user id, Slack user id...)."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    # where to write to them (a Telegram private chat id equals the user id)
    chat_id: Mapped[str | None] = mapped_column(String(64))

    person: Mapped[Person] = relationship(back_populates="identities")


class ApplicationStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    DECIDED = "decided"
    ABANDONED = "abandoned"


class Application(Base):
    """A youth's eligibility application: answers, decision, reasons and the rules version."""

    __tablename__ = "application"
    __table_args__ = (Index("ix_application_decision_status", "decision", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.IN_PROGRESS)
    # where the registration came from (deep link payload), e.g. a partner agency
    source: Mapped[str | None] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decision: Mapped[str | None] = mapped_column(String(16))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    rules_version: Mapped[str | None] = mapped_column(String(32))
    # region kept apart from answers so anonymised statistics survive an erasure
    region: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    review_note: Mapped[str | None] = mapped_column(Text)


class ConversationState(Base):
    """Where a person is in a flow: survives restarts and is shared by replicas."""

    __tablename__ = "conversation_state"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class ProcessedEvent(Base):
    """Platform event ids already handled: a redelivered update changes nothing twice."""

    __tablename__ = "processed_event"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(index=True)


class SupportRequest(Base):
    """A person asked to talk to a human (`/human`), or staff must look at something."""

    __tablename__ = "support_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by: Mapped[str | None] = mapped_column(String(100))


class AuditLog(Base):
    """Staff actions, data exports and erasures."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    # a pseudonymous person id, never a name
    subject_person_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Priority(IntEnum):
    """Which proactive messages go first; only URGENT ones skip the one-a-day budget."""

    URGENT = 0  # staff alerts, answers to a person's own request (a review decision...)
    NORMAL = 1  # check-ins, reminders, introductions
    LOW = 2  # pulses, broadcasts


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"
    IN_DOUBT = "in_doubt"


class Delivery(Base):
    """The outbox: one row per proactive message, written with the change that caused it."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    # a place rather than a person (e.g. "staff": the staff channel); then person_id is null
    destination: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(default=Priority.NORMAL)
    channel: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(100))
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # a dispatcher holds the row until then (another may take it after a crash)
    claimed_until: Mapped[datetime | None]
    # when the send call started: a row still `sending` long after that is in doubt
    sending_at: Mapped[datetime | None]


# --------------------------------------------------------------------------- mentoring


class PairingStatus(StrEnum):
    """Where a mentoring stands; the legal moves are in `conversations.pairing`."""

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
