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
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
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

# the audience's names are used through this module too (`storage.events.Audience`)
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

# people covered per transaction when writing recipients (by person id)
BATCH = 20_000
# a paused announcement's unsent rows wait until then (resume sets them due again)
PAUSED_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)


def announcement_key(announcement_id: int, person_id: int | str = "") -> str:
    """The outbox key of an announcement to one person (its prefix when no person)."""
    return f"announce:{announcement_id}:{person_id}"


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


def _unsent(announcement_id: int) -> ColumnElement[bool]:
    return and_(
        Delivery.idempotency_key.startswith(announcement_key(announcement_id), autoescape=True),
        Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
    )


async def expire_unsent(session: AsyncSession, announcement_id: int, now: datetime) -> int:
    """ "Not after" has passed: every row of the announcement still unsent is cancelled
    (never delivered late); how many. A row being sent at this instant is left to finish."""
    result = await session.execute(
        update(Delivery)
        .where(_unsent(announcement_id))
        .values(
            status=DeliveryStatus.CANCELLED,
            claimed_until=None,
            last_error=f"not sent before its 'not after' time ({now:%Y-%m-%d %H:%M} UTC)",
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def rewrite_unsent(
    session: AsyncSession, announcement_id: int, variants: Sequence[Variant]
) -> int:
    """The event was edited while its announcement is out: every row not sent yet gets the
    context it would be written with now (new text, new "not after"); how many."""
    fresh = select(variant_case(session, variants)).where(Person.id == Delivery.person_id)
    result = await session.execute(
        update(Delivery)
        .where(_unsent(announcement_id))
        .values(context=fresh.scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def cancelled_count(session: AsyncSession, announcement_id: int) -> int:
    """How many of the announcement's rows were cancelled, by the tick at "not after", by
    staff, or by the dispatcher finding one too late: what the outbox holds."""
    found = await session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.idempotency_key.startswith(announcement_key(announcement_id), autoescape=True),
            Delivery.status == DeliveryStatus.CANCELLED,
        )
    )
    return int(found or 0)


async def hold_unsent(session: AsyncSession, announcement_id: int) -> int:
    """Pause: the unsent rows wait (`PAUSED_UNTIL`); a dispatcher holding one loses its claim,
    so `outbox.start_sending` refuses it."""
    result = await session.execute(
        update(Delivery)
        .where(_unsent(announcement_id))
        .values(next_attempt_at=PAUSED_UNTIL, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def release_held(session: AsyncSession, announcement_id: int, now: datetime) -> int:
    """Resume: the held rows are due again."""
    result = await session.execute(
        update(Delivery)
        .where(_unsent(announcement_id), Delivery.next_attempt_at == PAUSED_UNTIL)
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delivery_counts(session: AsyncSession, announcement_id: int) -> dict[str, int]:
    """The announcement's outbox rows by status (every status present, 0 when none)."""
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.idempotency_key.startswith(announcement_key(announcement_id)))
        .group_by(Delivery.status)
    )
    counts = {str(status): 0 for status in DeliveryStatus}
    counts.update({str(status): int(count) for status, count in rows.all()})
    return counts


async def failure_reasons(session: AsyncSession, announcement_id: int) -> list[tuple[str, int]]:
    """Why rows failed, are in doubt or undeliverable: (reason, count), most frequent first."""
    rows = await session.execute(
        select(Delivery.last_error, func.count())
        .where(
            Delivery.idempotency_key.startswith(announcement_key(announcement_id)),
            Delivery.status.in_(
                [DeliveryStatus.FAILED, DeliveryStatus.IN_DOUBT, DeliveryStatus.UNDELIVERABLE]
            ),
        )
        .group_by(Delivery.last_error)
        .order_by(func.count().desc())
    )
    return [(str(reason or "-"), int(count)) for reason, count in rows.all()]


async def recipient_rows(
    session: AsyncSession, announcement_id: int
) -> Sequence[tuple[Delivery, Person]]:
    """Every recipient of the announcement with their person, by person id (the export)."""
    rows = await session.execute(
        select(Delivery, Person)
        .join(Person, Person.id == Delivery.person_id)
        .where(Delivery.idempotency_key.startswith(announcement_key(announcement_id)))
        .order_by(Person.id)
    )
    return [(delivery, person) for delivery, person in rows.all()]


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
