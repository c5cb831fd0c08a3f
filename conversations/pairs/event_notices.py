"""What youths and mentors are told about an event they answered: the confirmation's
calendar file, the reminders, a change or a cancellation. Shared by the RSVP answers
(`rsvp`), staff's edits (`conversations.staff.events`) and the reminder tick.

Messages go through the outbox with one `INSERT … SELECT` over the answers; each person's
copy names the event's time in their own time zone (overseas regions), and carries
`not_after` (the event's start, or its end for a cancellation) past which it is never sent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import Attachment
from conversations.rules.regions import REGION_TIMEZONES
from storage import rsvps
from storage.audience import Variant
from storage.models import Event, Priority, Role, RsvpAnswer

__all__ = [
    "DAY_BEFORE",
    "HOUR_BEFORE",
    "ICS_TYPE",
    "arm_reminders",
    "calendar_file",
    "event_context",
    "notify_answerers",
    "role_templates",
    "side",
    "zone_variants",
]

# reminders: the day before, and about an hour before (programme rule, issue 10)
DAY_BEFORE = timedelta(days=1)
HOUR_BEFORE = timedelta(hours=1)
ICS_TYPE = "text/calendar"
SIDES: dict[str, str] = {Role.YOUTH: "youth", Role.MENTOR: "mentor"}


def side(role: str) -> str:
    """The template folder of a role's event messages (youths are tutoyés, mentors not)."""
    return SIDES.get(role, "youth")


def role_templates(name: str) -> dict[str, str]:
    """Role -> the template key of message `name` (`events.youth.<name>`...)."""
    return {role: "events." + folder + "." + name for role, folder in SIDES.items()}


def event_context(event: Event) -> dict[str, Any]:
    """What every event message may show (JSON: dates as ISO text)."""
    return {
        "event": event.id,
        "title": event.title,
        "event_kind": event.kind,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "place": event.place or "",
        "link": event.link or "",
    }


def zone_variants(
    context: Mapping[str, Any], default_zone: ZoneInfo, locale: str | None = None
) -> list[Variant]:
    """`context` with each person's time zone (`zone`): one variant per overseas zone, the
    programme's for everyone else (last)."""
    regions_of: dict[str, list[str]] = {}
    for region, zone in REGION_TIMEZONES.items():
        if zone != default_zone.key:
            regions_of.setdefault(zone, []).append(region)
    variants = [
        Variant({**context, "zone": zone}, locale, tuple(regions))
        for zone, regions in sorted(regions_of.items())
    ]
    variants.append(Variant({**context, "zone": default_zone.key}, locale))
    return variants


def arm_reminders(event: Event, now: datetime) -> None:
    """The reminders' due dates from the event's start (none already past the start)."""
    day = event.starts_at - DAY_BEFORE
    hour = event.starts_at - HOUR_BEFORE
    event.day_reminder_due_at = day if event.starts_at > now else None
    event.hour_reminder_due_at = hour if event.starts_at > now else None


def calendar_file(event: Event, now: datetime) -> Attachment:
    """The event as an `.ics` file (a calendar adds it in one tap). `SEQUENCE` is the
    event's version, so a calendar that has the old one updates it."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Mentorbot//events//FR")
    calendar.add("version", "2.0")
    entry = icalendar.Event()
    entry.add("uid", f"event-{event.id}@mentorbot")
    entry.add("sequence", event.version - 1)
    entry.add("dtstamp", now)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", event.title)
    location = event.link or event.place
    if location:
        entry.add("location", location)
    if event.link:
        entry.add("url", event.link)
    if event.description:
        entry.add("description", event.description)
    calendar.add_component(entry)
    return Attachment(f"event-{event.id}.ics", calendar.to_ical(), ICS_TYPE)


async def notify_answerers(
    session: AsyncSession,
    event: Event,
    *,
    message: str,
    answers: Collection[RsvpAnswer],
    key: str,
    now: datetime,
    zone: ZoneInfo,
    priority: Priority = Priority.NORMAL,
    waiting_too: bool = True,
    not_after: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
) -> int:
    """Queue `events.<side>.<message>` to everyone whose answer is among `answers`, once per
    `key` (e.g. `event:12:day:2026-12-03`); how many were queued."""
    context = {
        **event_context(event),
        **(extra or {}),
        "not_after": (not_after or event.starts_at).isoformat(),
    }
    return await rsvps.queue_to_answerers(
        session,
        event_id=event.id,
        answers=answers,
        key_prefix=f"{key}:",
        templates=role_templates(message),
        variants=zone_variants(context, zone),
        now=now,
        priority=priority,
        waiting_too=waiting_too,
    )
