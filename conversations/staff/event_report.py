"""What staff see of an event afterwards: per announcement, what the outbox did (sent,
pending, failed with reasons, unreachable, in doubt, cancelled at "not after"), who was
left out and why; the answers, the waiting list, who came. Counts come from the outbox
rows themselves, so "processed" is never counted as sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from storage import events, rsvps
from storage.models import Announcement, DeliveryStatus, Event

__all__ = ["AnnouncementReport", "EventReport", "RecipientRow", "event_report", "recipients"]


@dataclass(frozen=True)
class AnnouncementReport:
    announcement: Announcement
    # outbox rows by status (`sent`, `pending`, `failed`, `undeliverable`, `in_doubt`,
    # `cancelled`...)
    counts: dict[str, int]
    failures: list[tuple[str, int]]

    @property
    def recipients(self) -> int:
        return sum(self.counts.values())

    @property
    def pending(self) -> int:
        return sum(
            self.counts.get(status, 0)
            for status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
        )


@dataclass(frozen=True)
class EventReport:
    event: Event
    announcements: list[AnnouncementReport] = field(default_factory=list)
    # yes (with a seat), waiting, maybe, no, none (marked without answering), attended
    answers: dict[str, int] = field(default_factory=dict)
    # (rank, person id, name) in order
    waiting: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RecipientRow:
    """One line of the export: who, where, what happened, what they answered."""

    announcement: int
    person: int
    name: str
    role: str
    channel: str
    status: str
    reason: str
    answer: str
    attended: bool


async def event_report(session: AsyncSession, event_id: int) -> EventReport:
    """The report of an event (`LookupError` if there is none)."""
    event = await session.get(Event, event_id)
    if event is None:
        raise LookupError(f"no event {event_id}")
    reports = [
        AnnouncementReport(
            announcement,
            await events.delivery_counts(session, announcement.id),
            await events.failure_reasons(session, announcement.id),
        )
        for announcement in await events.announcements_of(session, event.id)
    ]
    waiting = [
        (rank, person.id, person.display_name or "")
        for rank, (_rsvp, person) in enumerate(await rsvps.waiting_list(session, event.id), 1)
    ]
    answers = await rsvps.answer_counts(session, event.id)
    return EventReport(event, reports, answers, waiting)


async def recipients(session: AsyncSession, event_id: int) -> Sequence[RecipientRow]:
    """Every recipient of every announcement of the event, with their status and answer."""
    answers = {rsvp.person_id: rsvp for rsvp in await rsvps.of_event(session, event_id)}
    rows: list[RecipientRow] = []
    for announcement in await events.announcements_of(session, event_id):
        for delivery, person in await events.recipient_rows(session, announcement.id):
            rsvp = answers.get(person.id)
            answer = (rsvp.answer or "") if rsvp is not None else ""
            if rsvp is not None and rsvp.waiting_since is not None:
                answer = "waiting"
            rows.append(
                RecipientRow(
                    announcement=announcement.id,
                    person=person.id,
                    name=person.display_name or "",
                    role=person.role,
                    channel=delivery.channel,
                    status=delivery.status,
                    reason=delivery.last_error or "" if delivery.status != "sent" else "",
                    answer=answer,
                    attended=bool(rsvp is not None and rsvp.attended),
                )
            )
    return rows
