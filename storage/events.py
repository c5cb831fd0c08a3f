"""Events and their announcements: recipients written to the outbox in batches (the
audience itself is `storage.audience`), pausing, "not after", what was sent.

Recipients are written with `INSERT … SELECT` into `delivery`, one batch of person ids per
transaction, under the idempotency key `announce:{announcement}:{person}` with `ON CONFLICT
DO NOTHING`; the announcement's `cursor` (the last person id covered) moves in the same
transaction. A crash at any point leaves either the whole batch and its cursor, or neither:
run again, it resumes where it stood, with no duplicate and no skip (and two replicas
writing the same batch write it once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.announcement_rows import (
    PAUSED_UNTIL,
    announcement_key,
    cancelled_count,
    delivery_counts,
    expire_unsent,
    failure_reasons,
    hold_unsent,
    recipient_rows,
    release_held,
    rewrite_unsent,
)
from storage.audience import (
    DELIVERY_COLUMNS,
    EXCLUSIONS,
    Audience,
    Reach,
    Variant,
    chat_join,
    exclusions,
    insert_from_select,
    matches,
    reach,
    reachable,
    role_channel,
    variant_case,
)
from storage.models import (
    Announcement,
    AnnouncementStatus,
    Delivery,
    DeliveryStatus,
    Event,
    EventState,
    Identity,
    Person,
    Priority,
    Role,
)

# people covered per transaction when writing recipients (by person id)
BATCH = 20_000

# the audience's names, and those of an announcement's rows in the outbox, are used
# through this module too (`storage.events.Audience`, `storage.events.expire_unsent`)
__all__ = [
    "BATCH",
    "DELIVERY_COLUMNS",
    "EXCLUSIONS",
    "PAUSED_UNTIL",
    "Audience",
    "Reach",
    "Variant",
    "add_announcement",
    "add_event",
    "announcement_key",
    "announcements_of",
    "cancelled_count",
    "delivery_counts",
    "due_announcements",
    "due_event_reminders",
    "event_by_request_key",
    "exclusions",
    "expire_unsent",
    "failure_reasons",
    "hold_unsent",
    "insert_from_select",
    "list_events",
    "lock_event",
    "queue_batch",
    "queue_test_send",
    "reach",
    "recipient_rows",
    "release_held",
    "rewrite_unsent",
    "role_channel",
    "set_announcements",
    "variant_case",
]


async def queue_batch(
    session: AsyncSession,
    announcement: Announcement,
    *,
    variants: Sequence[Variant],
    templates: Mapping[str, str],
    now: datetime,
    batch: int = BATCH,
) -> int:
    """Write the recipients among the next `batch` person ids to the outbox and move the
    announcement's cursor; when no person is left, the audience is frozen (`queued_at`,
    `excluded`). Returns how many rows were written. `templates`: role -> template key."""
    audience = Audience.of(announcement.audience)
    start = announcement.cursor
    bound = await session.scalar(
        select(Person.id).where(Person.id > start).order_by(Person.id).offset(batch - 1).limit(1)
    )
    in_batch = Person.id > start if bound is None else Person.id.between(start + 1, bound)
    template = case(
        *((Person.role == role, literal(key, String)) for role, key in templates.items()),
        else_=literal(templates[Role.YOUTH], String),
    )
    query = (
        select(
            literal(announcement_key(announcement.id), String) + cast(Person.id, String),
            Person.id,
            literal(int(Priority.LOW)),
            role_channel(),
            template,
            variant_case(session, variants),
            literal(str(DeliveryStatus.PENDING), String),
            literal(0),
            literal(now, Delivery.next_attempt_at.type),
            literal(now, Delivery.created_at.type),
        )
        .select_from(Person)
        .join(Identity, chat_join())
        .where(in_batch, matches(audience), reachable())
    )
    written = await insert_from_select(session, query, DELIVERY_COLUMNS)
    announcement.queued += written
    if bound is None:
        last = await session.scalar(select(func.max(Person.id)))
        announcement.cursor = max(start, int(last or 0))
        announcement.queued_at = now
        announcement.excluded = await exclusions(session, audience)
    else:
        announcement.cursor = int(bound)
    await session.flush()
    return written


async def due_announcements(
    session: AsyncSession, now: datetime, limit: int = 20
) -> Sequence[Announcement]:
    """Announcements due to start, sending (recipients still to write, progress to tell), or
    paused past their "not after", locked for this transaction (rows another replica holds
    are skipped on PostgreSQL)."""
    query = (
        select(Announcement)
        .where(
            or_(
                and_(
                    Announcement.status == AnnouncementStatus.SCHEDULED,
                    or_(Announcement.send_at.is_(None), Announcement.send_at <= now),
                ),
                Announcement.status == AnnouncementStatus.SENDING,
                and_(
                    Announcement.status == AnnouncementStatus.PAUSED,
                    Announcement.not_after <= now,
                ),
            )
        )
        .order_by(Announcement.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(query)).all()


# ------------------------------------------------------------------ events


async def add_event(
    session: AsyncSession,
    *,
    title: str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    zone: str,
    place: str | None,
    link: str | None,
    description: str | None,
    capacity: int | None,
    created_by: str,
    request_key: str | None,
    now: datetime,
) -> tuple[Event, bool]:
    """A new event and True; with a `request_key` already used (two clicks racing), the
    event that request made and False (one atomic insert: the loser's transaction is not
    broken)."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    new_id = await session.scalar(
        insert(Event)
        .values(
            title=title,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            zone=zone,
            place=place,
            link=link,
            description=description,
            capacity=capacity,
            state=EventState.SCHEDULED,
            version=1,
            request_key=request_key,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["request_key"])
        .returning(Event.id)
    )
    found = (
        await session.get(Event, new_id)
        if new_id is not None
        else await event_by_request_key(session, str(request_key))
    )
    if found is None:
        raise LookupError("the event could not be stored")
    return found, new_id is not None


async def add_announcement(
    session: AsyncSession,
    *,
    event_id: int,
    audience: dict[str, Any],
    template_fr: str | None,
    template_en: str | None,
    not_after: datetime,
    author: str,
    now: datetime,
) -> Announcement:
    """A new draft announcement of an event."""
    announcement = Announcement(
        event_id=event_id,
        audience=audience,
        template_fr=template_fr,
        template_en=template_en,
        status=AnnouncementStatus.DRAFT,
        not_after=not_after,
        author=author,
        created_at=now,
        cursor=0,
        queued=0,
        excluded={},
        expired=0,
    )
    session.add(announcement)
    await session.flush()
    return announcement


async def event_by_request_key(session: AsyncSession, request_key: str) -> Event | None:
    """The event a creating request already made (a double click)."""
    return await session.scalar(select(Event).where(Event.request_key == request_key))


async def list_events(
    session: AsyncSession, *, since: datetime | None = None, limit: int = 100
) -> Sequence[Event]:
    """Events by start, those ending from `since` on when given."""
    query = select(Event).order_by(Event.starts_at, Event.id).limit(limit)
    if since is not None:
        query = query.where(Event.ends_at >= since)
    return (await session.scalars(query)).all()


async def announcements_of(session: AsyncSession, event_id: int) -> Sequence[Announcement]:
    """An event's announcements, oldest first."""
    return (
        await session.scalars(
            select(Announcement).where(Announcement.event_id == event_id).order_by(Announcement.id)
        )
    ).all()


async def lock_event(session: AsyncSession, event_id: int) -> Event | None:
    """The event, locked for this transaction (answers to it are counted one at a time)."""
    return await session.scalar(select(Event).where(Event.id == event_id).with_for_update())


async def due_event_reminders(
    session: AsyncSession, now: datetime, limit: int = 50
) -> Sequence[Event]:
    """Scheduled events with a reminder due, locked (others' skipped on PostgreSQL)."""
    query = (
        select(Event)
        .where(
            Event.state == EventState.SCHEDULED,
            or_(Event.day_reminder_due_at <= now, Event.hour_reminder_due_at <= now),
        )
        .order_by(Event.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(query)).all()


async def queue_test_send(
    session: AsyncSession,
    *,
    key: str,
    slack_user: str,
    template: str,
    context: dict[str, Any],
    now: datetime,
) -> int | None:
    """An announcement as a mentor sees it, to one staff member's own Slack DM (a Slack
    user id, who may be no person the bot knows)."""
    return await outbox.enqueue(
        session,
        key=key,
        destination=slack_user[:64],
        channel="slack",
        template=template,
        context=context,
        now=now,
        priority=Priority.URGENT,
    )


async def set_announcements(session: AsyncSession, person: Person, on: bool, now: datetime) -> bool:
    """Turn a person's event announcements on or off; whether anything changed. Answers and
    reminders of events they said they would come to are not announcements."""
    if on == (person.announcements_opt_out_at is None):
        return False
    person.announcements_opt_out_at = None if on else now
    await session.flush()
    return True
