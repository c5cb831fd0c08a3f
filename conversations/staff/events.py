"""What staff do with events: create, edit, cancel, list. Staff only (the Slack modal
reaches here through the staff router, the command line through `mentorbot event`).

Every input is checked before anything is stored; a problem is a template key per field
(`events.staff.error_<code>`), so a Slack modal shows it beside the field and the command
line prints it. A change of date, time or place, or a cancellation, is told to everyone
who answered "I'll come" or "Maybe" (and the waiting list). Each change is audit-logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.pairs.event_notices import arm_reminders, notify_answerers
from conversations.pairs.rsvp import move_up_all
from conversations.staff.announcements import variants
from storage import audit, events, rsvps
from storage.models import (
    AnnouncementStatus,
    Event,
    EventKind,
    EventState,
    Priority,
    RsvpAnswer,
)

__all__ = [
    "KINDS",
    "Created",
    "EventDraft",
    "EventError",
    "EventProblems",
    "cancel_event",
    "check",
    "create_event",
    "edit_event",
    "list_events",
    "mark_attendance",
]

KINDS = tuple(kind.value for kind in EventKind)
MAX_TITLE = 200
MAX_PLACE = 300
MAX_LINK = 500
MAX_DESCRIPTION = 4000
MAX_CAPACITY = 100_000
# what a change of these is told to people who answered
NOTICED = ("starts_at", "ends_at", "place", "link")
TOLD = (RsvpAnswer.YES, RsvpAnswer.MAYBE)


@dataclass(frozen=True)
class EventDraft:
    """An event as staff typed it (times aware, in `zone`)."""

    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    zone: str = "Europe/Paris"
    place: str | None = None
    link: str | None = None
    description: str | None = None
    capacity: int | None = None


@dataclass(frozen=True)
class EventError:
    """One problem: the field it is about and the template key that explains it."""

    field: str
    key: str


class EventProblems(Exception):
    """The draft cannot be stored; `errors` says why, field by field."""

    def __init__(self, errors: Sequence[EventError]) -> None:
        super().__init__(", ".join(f"{e.field}: {e.key}" for e in errors))
        self.errors = tuple(errors)


def _error(name: str, code: str) -> EventError:
    return EventError(name, "events.staff.error_" + code)


def _clean(text: str | None) -> str | None:
    """Trimmed, NUL-free text, or None when empty."""
    if text is None:
        return None
    cleaned = text.replace("\x00", "").strip()
    return cleaned or None


def check(draft: EventDraft, now: datetime) -> tuple[EventDraft, list[EventError]]:
    """The draft tidied (trimmed texts), and what is wrong with it."""
    tidy = replace(
        draft,
        title=_clean(draft.title) or "",
        kind=(draft.kind or "").strip().lower(),
        zone=(draft.zone or "").strip(),
        place=_clean(draft.place),
        link=_clean(draft.link),
        description=_clean(draft.description),
    )
    errors: list[EventError] = []
    if not tidy.title:
        errors.append(_error("title", "title_missing"))
    elif len(tidy.title) > MAX_TITLE:
        errors.append(_error("title", "title_too_long"))
    if tidy.kind not in KINDS:
        errors.append(_error("kind", "kind_unknown"))
    try:
        ZoneInfo(tidy.zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(_error("zone", "zone_unknown"))
    if tidy.starts_at.tzinfo is None or tidy.ends_at.tzinfo is None:
        errors.append(_error("starts_at", "naive_time"))
    else:
        if tidy.starts_at <= now:
            errors.append(_error("starts_at", "in_the_past"))
        if tidy.ends_at <= tidy.starts_at:
            errors.append(_error("ends_at", "ends_before_start"))
    if not tidy.place and not tidy.link:
        errors.append(_error("place", "place_or_link"))
    if tidy.place and len(tidy.place) > MAX_PLACE:
        errors.append(_error("place", "place_too_long"))
    if tidy.link and (
        len(tidy.link) > MAX_LINK or not tidy.link.startswith(("https://", "http://"))
    ):
        errors.append(_error("link", "link_invalid"))
    if tidy.description and len(tidy.description) > MAX_DESCRIPTION:
        errors.append(_error("description", "description_too_long"))
    if tidy.capacity is not None and not 1 <= tidy.capacity <= MAX_CAPACITY:
        errors.append(_error("capacity", "capacity_invalid"))
    return tidy, errors


@dataclass(frozen=True)
class Created:
    """The event, and whether this request made it (False: the same request came twice)."""

    event: Event
    created: bool = True


async def create_event(
    session: AsyncSession,
    draft: EventDraft,
    *,
    staff: str,
    now: datetime,
    request_key: str | None = None,
) -> Created:
    """A new event, checked; the same `request_key` again (a double click, a retried form)
    gives back the event it already made. Raises `EventProblems`."""
    if request_key:
        existing = await events.event_by_request_key(session, request_key[:100])
        if existing is not None:
            return Created(existing, created=False)
    tidy, errors = check(draft, now)
    if errors:
        raise EventProblems(errors)
    event, made = await events.add_event(
        session,
        **{f.name: getattr(tidy, f.name) for f in fields(tidy)},
        created_by=staff[:100],
        request_key=request_key[:100] if request_key else None,
        now=now,
    )
    if not made:
        return Created(event, created=False)
    arm_reminders(event, now)
    await session.flush()
    await _record(session, staff, "event_created", event, now)
    return Created(event)


async def edit_event(
    session: AsyncSession,
    event_id: int,
    changes: dict[str, Any],
    *,
    staff: str,
    now: datetime,
    zone: ZoneInfo,
) -> tuple[Event, int]:
    """Change some of an event's fields (names of `EventDraft`); a new date, time or place
    is told to those who answered "I'll come" or "Maybe". Returns the event and how many
    were told. Raises `EventProblems` (`LookupError` for an unknown event)."""
    event = await events.lock_event(session, event_id)
    if event is None:
        raise LookupError(f"no event {event_id}")
    if event.state == EventState.CANCELLED:
        raise EventProblems([_error("event", "cancelled")])
    if event.starts_at <= now:
        raise EventProblems([_error("event", "already_started")])
    unknown = set(changes) - {f.name for f in fields(EventDraft)}
    if unknown:
        raise EventProblems([_error(name, "field_unknown") for name in sorted(unknown)])
    current = EventDraft(**{f.name: getattr(event, f.name) for f in fields(EventDraft)})
    tidy, errors = check(replace(current, **changes), now)
    if errors:
        raise EventProblems(errors)
    altered = [f.name for f in fields(tidy) if getattr(tidy, f.name) != getattr(event, f.name)]
    noticed = [name for name in NOTICED if name in altered]
    for f in fields(tidy):
        setattr(event, f.name, getattr(tidy, f.name))
    event.updated_at = now
    told = 0
    if noticed:
        event.version += 1
        arm_reminders(event, now)
    if altered:
        for announcement in await events.announcements_of(session, event.id):
            # never sent after the (new) start
            announcement.not_after = min(announcement.not_after, event.starts_at)
            if announcement.status in (AnnouncementStatus.SENDING, AnnouncementStatus.PAUSED):
                # what is written but not sent yet says the new title, date, place...
                await events.rewrite_unsent(
                    session, announcement.id, variants(announcement, event, zone)
                )
        await session.flush()
    if noticed:
        told = await notify_answerers(
            session,
            event,
            message="changed",
            answers=TOLD,
            key=f"event:{event.id}:changed:{event.version}",
            now=now,
            zone=zone,
            priority=Priority.URGENT,
            extra={"changed": noticed},
        )
    await move_up_all(session, event, now)
    await session.flush()
    await _record(session, staff, "event_edited", event, now, changed=sorted(changes))
    return event, told


async def cancel_event(
    session: AsyncSession, event_id: int, *, staff: str, now: datetime, zone: ZoneInfo
) -> tuple[Event, int]:
    """Cancel an event: its announcements stop (what is unsent is cancelled), its reminders
    too, and everyone who answered "I'll come" or "Maybe" is told. Returns the event and
    how many were told (0 when it was already cancelled)."""
    event = await events.lock_event(session, event_id)
    if event is None:
        raise LookupError(f"no event {event_id}")
    if event.state == EventState.CANCELLED:
        return event, 0
    event.state = EventState.CANCELLED
    event.cancelled_at = event.updated_at = now
    event.day_reminder_due_at = event.hour_reminder_due_at = None
    for announcement in await events.announcements_of(session, event.id):
        if announcement.status in (AnnouncementStatus.DONE, AnnouncementStatus.CANCELLED):
            continue
        await events.expire_unsent(session, announcement.id, now)
        announcement.expired = await events.cancelled_count(session, announcement.id)
        announcement.status = AnnouncementStatus.CANCELLED
        announcement.finished_at = now
    told = 0
    if event.starts_at > now:
        told = await notify_answerers(
            session,
            event,
            message="cancelled",
            answers=TOLD,
            key=f"event:{event.id}:cancelled",
            now=now,
            zone=zone,
            priority=Priority.URGENT,
        )
    await session.flush()
    await _record(session, staff, "event_cancelled", event, now)
    return event, told


async def list_events(
    session: AsyncSession, now: datetime, *, past: bool = False
) -> Sequence[Event]:
    """Events by start: those not over yet, or every one with `past`."""
    return await events.list_events(session, since=None if past else now)


async def _record(
    session: AsyncSession, staff: str, action: str, event: Event, now: datetime, **more: Any
) -> None:
    await audit.record(
        session,
        actor=f"staff:{staff[:100]}",
        action=action,
        now=now,
        detail={"event": event.id, **more},
    )


async def mark_attendance(
    session: AsyncSession, event_id: int, person_ids: Sequence[int], *, staff: str, now: datetime
) -> int:
    """These people came to the event (counted apart from answers); how many were newly
    marked. Raises `LookupError` for an unknown event."""
    event = await session.get(Event, event_id)
    if event is None:
        raise LookupError(f"no event {event_id}")
    marked = await rsvps.mark_attended(session, event.id, person_ids, now)
    await _record(session, staff, "attendance_marked", event, now, people=len(set(person_ids)))
    return marked
