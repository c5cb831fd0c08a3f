"""What staff do with an announcement: write it (a template per language, or one for all),
choose the audience, preview it, send it now or at a time with a "not after", pause and
resume it, withdraw it. Staff only.

The preview is exactly what a youth on Telegram and a mentor on Slack will see, for a
sample recipient, with the count it reaches and how long sending takes at the configured
rate. Template problems are found here, never at sending time. Sending is the scheduler's
announcement tick (`queue_recipients`): the outbox then delivers as for any proactive
message (sending hours, one a day, priority LOW), and nothing after "not after".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import Reply
from conversations.pairs.event_notices import role_templates
from conversations.pairs.rsvp import rsvp_choices, stored_choices
from conversations.rules.regions import REGION_TIMEZONES
from conversations.staff.announcement_template import (
    TemplateProblem,
    body_values,
    problems,
    segments,
)
from storage import audit, events
from storage.events import Audience, Reach, Variant
from storage.models import (
    Announcement,
    AnnouncementStatus,
    Event,
    EventState,
    Role,
)

__all__ = [
    "AnnouncementProblems",
    "Preview",
    "cancel",
    "check_audience",
    "create_announcement",
    "load",
    "pause",
    "preview",
    "queue_recipients",
    "resume",
    "send",
    "send_test",
]

LOCALES = ("fr", "en")
YOUTH_STATUSES = ("waiting", "paired")
DECISIONS = ("eligible", "review", "not_eligible")
SAMPLE_NAMES = {Role.YOUTH: "Inès", Role.MENTOR: "Claire"}


class AnnouncementProblems(Exception):
    """The announcement cannot be stored or sent: `codes` (template keys under
    `events.staff.`) and the template problems with their lines."""

    def __init__(self, codes: Sequence[str], templates: Sequence[TemplateProblem] = ()) -> None:
        super().__init__(", ".join([*codes, *(p.code for p in templates)]))
        self.codes = tuple(codes)
        self.templates = tuple(templates)


@dataclass(frozen=True)
class Preview:
    """What staff check before sending."""

    problems: tuple[TemplateProblem, ...]
    # what a youth on Telegram and a mentor on Slack see (None: not in the audience, or a
    # template problem)
    youth: Reply | None
    mentor: Reply | None
    reach: Reach
    # how long sending takes at the configured rates, in seconds
    seconds: float


def check_audience(audience: Audience) -> list[str]:
    """What is wrong with the filters (error codes)."""
    found: list[str] = []
    if not audience.roles or set(audience.roles) - {Role.YOUTH, Role.MENTOR}:
        found.append("audience_roles")
    if set(audience.regions) - set(REGION_TIMEZONES):
        found.append("audience_region")
    if audience.youth_status not in (None, *YOUTH_STATUSES):
        found.append("audience_status")
    if set(audience.eligibility) - set(DECISIONS):
        found.append("audience_eligibility")
    return found


def _zones(default: ZoneInfo) -> list[tuple[ZoneInfo, tuple[str, ...] | None]]:
    """Each overseas time zone with its regions, then the programme's (everyone else)."""
    regions_of: dict[str, list[str]] = {}
    for region, name in REGION_TIMEZONES.items():
        if name != default.key:
            regions_of.setdefault(name, []).append(region)
    zones: list[tuple[ZoneInfo, tuple[str, ...] | None]] = [
        (ZoneInfo(name), tuple(regions)) for name, regions in sorted(regions_of.items())
    ]
    zones.append((default, None))
    return zones


def _source(announcement: Announcement, locale: str) -> str | None:
    """The template for a language; the other one when only one was written."""
    own = announcement.template_en if locale == "en" else announcement.template_fr
    return own or announcement.template_fr or announcement.template_en


def template_problems(
    announcement: Announcement, event: Event, zone: ZoneInfo
) -> list[TemplateProblem]:
    """Every problem of the announcement's templates, in every time zone."""
    found: list[TemplateProblem] = []
    written = [
        locale for locale in LOCALES if getattr(announcement, f"template_{locale}") is not None
    ]
    for locale in written or ["fr"]:
        samples: list[Mapping[str, Any]] = [
            body_values(event, locale, place, SAMPLE_NAMES[Role.YOUTH])
            for place, _regions in _zones(zone)
        ]
        found += problems(getattr(announcement, f"template_{locale}"), locale, samples)
    return found


async def create_announcement(
    session: AsyncSession,
    *,
    event_id: int,
    audience: Audience,
    template_fr: str | None,
    template_en: str | None,
    author: str,
    now: datetime,
    zone: ZoneInfo,
) -> Announcement:
    """A draft announcement, checked (templates, audience, the event still to come)."""
    event = await session.get(Event, event_id)
    if event is None:
        raise LookupError(f"no event {event_id}")
    codes = _event_codes(event, now) + check_audience(audience)
    cleaned = [_cleaned(template_fr), _cleaned(template_en)]
    found: list[TemplateProblem] = []
    if cleaned == [None, None]:
        codes.append("template_missing")
    else:
        draft = Announcement(template_fr=cleaned[0], template_en=cleaned[1])
        found = template_problems(draft, event, zone)
    if codes or found:
        raise AnnouncementProblems(codes, found)
    announcement = await events.add_announcement(
        session,
        event_id=event.id,
        audience=audience.as_dict(),
        template_fr=cleaned[0],
        template_en=cleaned[1],
        not_after=event.starts_at,
        author=author[:100],
        now=now,
    )
    await _record(session, author, "announcement_created", announcement, now)
    return announcement


def _cleaned(text: str | None) -> str | None:
    if text is None:
        return None
    stripped = text.replace("\x00", "").strip()
    return stripped or None


def _event_codes(event: Event, now: datetime) -> list[str]:
    if event.state == EventState.CANCELLED:
        return ["event_cancelled"]
    if event.starts_at <= now:
        return ["event_started"]
    return []


def _context(
    announcement: Announcement, event: Event, locale: str, zone: ZoneInfo, not_after: datetime
) -> dict[str, Any]:
    source = _source(announcement, locale)
    values = body_values(event, locale, zone, "")
    return {
        "announcement": announcement.id,
        "event": event.id,
        "body": segments(source or "", values),
        "choices": stored_choices(announcement.id),
        "not_after": not_after.isoformat(),
        # the text is not kept once sent
        "drop": ["body"],
    }


def variants(announcement: Announcement, event: Event, zone: ZoneInfo) -> list[Variant]:
    """Each recipient's context by language and time zone (the last fits everyone else)."""
    found: list[Variant] = []
    for locale in ("en", "fr"):
        for place, regions in _zones(zone):
            context = _context(announcement, event, locale, place, announcement.not_after)
            # French is everyone's but English readers'
            found.append(Variant(context, "en" if locale == "en" else None, regions))
    return found


async def preview(
    session: AsyncSession,
    announcement_id: int,
    *,
    now: datetime,
    zone: ZoneInfo,
    rates: Mapping[str, float],
    locale: str = "fr",
) -> Preview:
    """What it looks like, whom it reaches, how long it takes; problems with their lines."""
    announcement, event = await load(session, announcement_id)
    found = tuple(template_problems(announcement, event, zone))
    reach = await events.reach(session, Audience.of(announcement.audience))
    seconds = sum(
        count / rates[channel] for channel, count in reach.channels.items() if rates.get(channel)
    )
    youth = mentor = None
    if not found:
        context = _context(announcement, event, locale, zone, announcement.not_after)
        roles = Audience.of(announcement.audience).roles
        templates = role_templates("announcement")
        choices = rsvp_choices(announcement.id)
        replies = {
            role: Reply(
                templates[role],
                {**context, "name": SAMPLE_NAMES[role]},
                choices=choices,
                locale=locale,
                columns=3,
            )
            for role in (Role.YOUTH, Role.MENTOR)
            if role in roles
        }
        youth, mentor = replies.get(Role.YOUTH), replies.get(Role.MENTOR)
    return Preview(found, youth, mentor, reach, seconds)


async def send(
    session: AsyncSession,
    announcement_id: int,
    *,
    staff: str,
    now: datetime,
    zone: ZoneInfo,
    send_at: datetime | None = None,
    not_after: datetime | None = None,
) -> Announcement:
    """Send now, or from `send_at`; nothing goes out after `not_after` (by default the
    event's start, and never later). Raises `AnnouncementProblems`."""
    announcement, event = await load(session, announcement_id, lock=True)
    codes = _event_codes(event, now)
    if announcement.status not in (AnnouncementStatus.DRAFT, AnnouncementStatus.SCHEDULED):
        codes.append("already_sent")
    starts = send_at or now
    limit = not_after or event.starts_at
    if (send_at is not None and send_at.tzinfo is None) or (
        not_after is not None and not_after.tzinfo is None
    ):
        codes.append("naive_time")
    else:
        if send_at is not None and send_at < now:
            codes.append("send_at_past")
        if limit <= starts:
            codes.append("send_at_after_not_after")
        if limit > event.starts_at:
            codes.append("not_after_after_start")
    found = template_problems(announcement, event, zone)
    reach = await events.reach(session, Audience.of(announcement.audience))
    if reach.total == 0:
        codes.append("audience_empty")
    if codes or found:
        raise AnnouncementProblems(codes, found)
    announcement.status = AnnouncementStatus.SCHEDULED
    announcement.send_at = starts
    announcement.not_after = limit
    await session.flush()
    await _record(session, staff, "announcement_scheduled", announcement, now)
    return announcement


async def pause(session: AsyncSession, announcement_id: int, *, staff: str, now: datetime) -> int:
    """Stop sending: nothing more is written or sent until `resume`; how many rows wait."""
    announcement, _event = await load(session, announcement_id, lock=True)
    if announcement.status not in (AnnouncementStatus.SCHEDULED, AnnouncementStatus.SENDING):
        raise AnnouncementProblems(["not_sending"])
    announcement.status = AnnouncementStatus.PAUSED
    announcement.paused_at = now
    held = await events.hold_unsent(session, announcement.id)
    await _record(session, staff, "announcement_paused", announcement, now)
    return held


async def resume(session: AsyncSession, announcement_id: int, *, staff: str, now: datetime) -> int:
    """Go on sending where it stopped (before "not after"); how many rows are due again."""
    announcement, _event = await load(session, announcement_id, lock=True)
    if announcement.status != AnnouncementStatus.PAUSED:
        raise AnnouncementProblems(["not_paused"])
    if announcement.not_after <= now:
        raise AnnouncementProblems(["too_late"])
    started = announcement.cursor > 0 or announcement.queued_at is not None
    announcement.status = AnnouncementStatus.SENDING if started else AnnouncementStatus.SCHEDULED
    announcement.paused_at = None
    released = await events.release_held(session, announcement.id, now)
    await _record(session, staff, "announcement_resumed", announcement, now)
    return released


async def cancel(session: AsyncSession, announcement_id: int, *, staff: str, now: datetime) -> int:
    """Withdraw it: what is unsent is cancelled; how many rows."""
    announcement, _event = await load(session, announcement_id, lock=True)
    if announcement.status in (AnnouncementStatus.DONE, AnnouncementStatus.CANCELLED):
        return 0
    cancelled = await events.expire_unsent(session, announcement.id, now)
    announcement.expired = await events.cancelled_count(session, announcement.id)
    announcement.status = AnnouncementStatus.CANCELLED
    announcement.finished_at = now
    await _record(session, staff, "announcement_cancelled", announcement, now)
    return cancelled


async def queue_recipients(
    session: AsyncSession,
    announcement: Announcement,
    *,
    now: datetime,
    zone: ZoneInfo,
    batch: int = events.BATCH,
) -> int:
    """Write the next batch of recipients to the outbox (the announcement tick); how many."""
    event = await session.get(Event, announcement.event_id)
    if event is None:
        return 0
    return await events.queue_batch(
        session,
        announcement,
        variants=variants(announcement, event, zone),
        templates=role_templates("announcement"),
        now=now,
        batch=batch,
    )


async def send_test(
    session: AsyncSession,
    announcement_id: int,
    *,
    staff: str,
    now: datetime,
    zone: ZoneInfo,
    locale: str = "fr",
) -> bool:
    """The mentor's version, to the staff member's own Slack DM (`staff`: a Slack user id)."""
    announcement, event = await load(session, announcement_id)
    if template_problems(announcement, event, zone):
        return False
    context = _context(announcement, event, locale, zone, event.starts_at)
    context["name"] = SAMPLE_NAMES[Role.MENTOR]
    context["locale"] = locale
    queued = await events.queue_test_send(
        session,
        key=f"announcement:{announcement.id}:test:{staff[:40]}:{int(now.timestamp())}",
        slack_user=staff,
        template=role_templates("announcement")[Role.MENTOR],
        context=context,
        now=now,
    )
    return queued is not None


async def load(
    session: AsyncSession, announcement_id: int, *, lock: bool = False
) -> tuple[Announcement, Event]:
    """An announcement and its event (`LookupError` when unknown)."""
    announcement = await session.get(Announcement, announcement_id)
    if announcement is None:
        raise LookupError(f"no announcement {announcement_id}")
    event = (
        await events.lock_event(session, announcement.event_id)
        if lock
        else await session.get(Event, announcement.event_id)
    )
    if event is None:
        raise LookupError(f"no event {announcement.event_id}")
    return announcement, event


async def _record(
    session: AsyncSession, staff: str, action: str, announcement: Announcement, now: datetime
) -> None:
    await audit.record(
        session,
        actor=f"staff:{staff[:100]}",
        action=action,
        now=now,
        detail={"announcement": announcement.id, "event": announcement.event_id},
    )
