"""Events staff announce, their announcements (who, what, when to send), and the answers
people give (RSVPs, the waiting list, attendance)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

__all__ = [
    "Announcement",
    "AnnouncementStatus",
    "Event",
    "EventKind",
    "EventState",
    "Rsvp",
    "RsvpAnswer",
]


class EventKind(StrEnum):
    WEBINAR = "webinar"
    INFORMATION_MEETING = "information_meeting"
    JOB_DATING = "job_dating"
    ONLINE_FAIR = "online_fair"
    WORKSHOP = "workshop"
    NATIONAL_MEETING = "national_meeting"
    OTHER = "other"


class EventState(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Event(Base):
    """A webinar, a job dating, a workshop...: when, where, for how many. Reminder due dates
    are indexed columns the scheduler reads."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # the IANA time zone staff gave the times in (people overseas see their own time)
    zone: Mapped[str] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    # seats; None: no limit (then no waiting list)
    capacity: Mapped[int | None]
    state: Mapped[str] = mapped_column(String(16), default=EventState.SCHEDULED, index=True)
    # bumped at each change of date, time or place: the change notice is keyed by it
    version: Mapped[int] = mapped_column(default=1)
    # the creating request's own key (a double click creates one event, not two)
    request_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    # reminders to those who answered: the day before ("yes" and "maybe"), about an hour
    # before ("yes" only); cleared once queued
    day_reminder_due_at: Mapped[datetime | None] = mapped_column(index=True)
    hour_reminder_due_at: Mapped[datetime | None] = mapped_column(index=True)


class AnnouncementStatus(StrEnum):
    DRAFT = "draft"
    # to be written to the outbox from `send_at` on
    SCHEDULED = "scheduled"
    # recipients written to the outbox (all of them once `queued_at` is set)
    SENDING = "sending"
    PAUSED = "paused"
    # "not after" passed (what was unsent is cancelled and counted) or all sent
    DONE = "done"
    # withdrawn by staff, or its event cancelled, before it went out
    CANCELLED = "cancelled"


class Announcement(Base):
    """A message about an event to an audience: staff's template (fr/en, or one for all),
    the filters, when it may go out."""

    __tablename__ = "announcement"
    __table_args__ = (Index("ix_announcement_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    # the filters (storage.events.Audience as a dict)
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # staff's Jinja2 templates (sandboxed); one missing: the other is sent to everyone
    template_fr: Mapped[str | None] = mapped_column(Text)
    template_en: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=AnnouncementStatus.DRAFT)
    send_at: Mapped[datetime | None]
    # nothing goes out after this (default: the event's start); what is left is cancelled
    not_after: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    # recipients are written in batches by person id: the last id written (resume point)
    cursor: Mapped[int] = mapped_column(default=0)
    queued: Mapped[int] = mapped_column(default=0)
    # every recipient written (then the audience is frozen: `excluded` counts by reason)
    queued_at: Mapped[datetime | None]
    excluded: Mapped[dict[str, Any]] = mapped_column(default=dict)
    paused_at: Mapped[datetime | None]
    # rows still unsent at "not after", cancelled
    expired: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None]


class RsvpAnswer(StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class Rsvp(Base):
    """A person's answer to an event; "yes" beyond the capacity waits (`waiting_since`,
    first come first served); `attended` is marked by staff afterwards."""

    __tablename__ = "rsvp"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id"),
        Index("ix_rsvp_event_answer", "event_id", "answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # the announcement answered from (None: marked by staff without an answer)
    announcement_id: Mapped[int | None] = mapped_column(
        ForeignKey("announcement.id", ondelete="SET NULL")
    )
    # None: no answer (someone staff marked as attending without one)
    answer: Mapped[str | None] = mapped_column(String(8))
    # "yes" while the event was full: on the waiting list since then
    waiting_since: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    attended: Mapped[bool | None]
    attendance_marked_at: Mapped[datetime | None]
