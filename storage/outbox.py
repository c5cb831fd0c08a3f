"""The outbox: proactive messages are written as delivery rows, then dispatched.

A row is written in the same transaction as the change that caused it, under a unique
idempotency key, so a message is never lost and never queued twice.

Life of a row: `pending` -> claimed by one dispatcher for a short lease (`claimed_until`)
-> `sending` just before the platform call -> `sent`, `failed` (retried at
`next_attempt_at`), `undeliverable`, or `in_doubt` (the call may or may not have reached the
person: reported, never resent blindly). A dispatcher that dies leaves its claimed rows to
be taken again when the lease ends, and its `sending` rows to be marked in doubt.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import Delivery, DeliveryStatus, Priority

__all__ = [
    "PERSON_REF",
    "SENDING_TIMEOUT",
    "STAFF",
    "Message",
    "claim_due",
    "counts",
    "enqueue",
    "enqueue_many",
    "is_queued",
    "mark_cancelled",
    "mark_failed",
    "mark_in_doubt",
    "mark_sent",
    "mark_undeliverable",
    "person_ref",
    "postpone",
    "queued_keys",
    "referenced_people",
    "release_claims",
    "release_stuck",
    "start_sending",
    "with_names",
]

# a send call never takes this long: a row `sending` for longer is in doubt
SENDING_TIMEOUT = timedelta(minutes=5)
STAFF = "staff"


PERSON_REF = "$person"


def person_ref(person_id: int) -> dict[str, int]:
    """A person named in a queued message, by id: the dispatcher writes their first name in
    when it sends, so an erasure leaves no copy of the name in the outbox."""
    return {PERSON_REF: person_id}


def referenced_people(context: Any) -> set[int]:
    """The ids of every `person_ref` inside a message context."""
    found: set[int] = set()
    if isinstance(context, dict):
        ref = context.get(PERSON_REF)
        if len(context) == 1 and isinstance(ref, int):
            found.add(ref)
        else:
            for value in context.values():
                found |= referenced_people(value)
    elif isinstance(context, list):
        for value in context:
            found |= referenced_people(value)
    return found


def with_names(context: Any, names: dict[int, str]) -> Any:
    """`context` with each `person_ref` replaced by that person's name ("" when unknown)."""
    if isinstance(context, dict):
        ref = context.get(PERSON_REF)
        if len(context) == 1 and isinstance(ref, int):
            return names.get(ref, "")
        return {key: with_names(value, names) for key, value in context.items()}
    if isinstance(context, list):
        return [with_names(value, names) for value in context]
    return context


@dataclass(frozen=True, slots=True)
class Message:
    """One message to queue with `enqueue_many` (the fields are `enqueue`'s arguments)."""

    key: str
    channel: str
    template: str
    context: dict[str, Any]
    person_id: int | None = None
    destination: str | None = None
    priority: Priority = Priority.NORMAL
    not_before: datetime | None = None
    order_key: str | None = None


def _row(message: Message, now: datetime) -> dict[str, Any]:
    if (message.person_id is None) == (message.destination is None):
        raise ValueError("a delivery goes to a person or to a destination, not both")
    return {
        "idempotency_key": message.key,
        "person_id": message.person_id,
        "destination": message.destination,
        "priority": int(message.priority),
        "channel": message.channel,
        "template": message.template,
        "context": message.context,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": message.not_before or now,
        "created_at": now,
        "order_key": message.order_key,
    }


def _insert(session: AsyncSession) -> Any:
    return sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    channel: str,
    template: str,
    context: dict[str, Any],
    now: datetime,
    person_id: int | None = None,
    destination: str | None = None,
    priority: Priority = Priority.NORMAL,
    not_before: datetime | None = None,
    order_key: str | None = None,
) -> int | None:
    """Queue a message once per key, to a person or to a place (`destination`, e.g. the
    staff channel); returns the new delivery's id, or None if that key was already queued.
    Rows sharing an `order_key` are delivered in the order they were queued."""
    message = Message(
        key, channel, template, context, person_id, destination, priority, not_before, order_key
    )
    # one atomic statement: two replicas queuing the same logical message cannot both win,
    # and the loser's transaction is not broken by a unique-key error
    new_id = await session.scalar(
        _insert(session)(Delivery)
        .values(**_row(message, now))
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Delivery.id)
    )
    return int(new_id) if new_id is not None else None


async def enqueue_many(
    session: AsyncSession, messages: Sequence[Message], now: datetime
) -> set[str]:
    """Queue many messages at once, each once per key (a tick's batch); returns the keys
    queued now (a key queued before is not).

    One statement for the batch: the driver's executemany, which SQLAlchemy sends as
    multi-row INSERTs ("insertmanyvalues", compiled once and cached); as in `enqueue`,
    ON CONFLICT DO NOTHING skips a key another replica queued."""
    # a key twice in one batch: the first one, as two `enqueue` calls would do
    firsts = {message.key: message for message in reversed(messages)}
    rows = [_row(message, now) for message in messages if firsts[message.key] is message]
    if not rows:
        return set()
    table = Delivery.__table__
    queued = await session.execute(
        _insert(session)(table)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.idempotency_key),
        rows,
    )
    return set(queued.scalars())


async def is_queued(session: AsyncSession, key: str) -> bool:
    """Whether a message with this idempotency key was ever queued."""
    found = await session.scalar(select(Delivery.id).where(Delivery.idempotency_key == key))
    return found is not None


async def queued_keys(session: AsyncSession, keys: Collection[str]) -> set[str]:
    """Those of the idempotency keys ever queued: `is_queued` for many."""
    if not keys:
        return set()
    found = await session.scalars(
        select(Delivery.idempotency_key).where(Delivery.idempotency_key.in_(keys))
    )
    return set(found)


def _claimable(now: datetime) -> Any:
    return and_(
        Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
        Delivery.next_attempt_at <= now,
        or_(Delivery.claimed_until.is_(None), Delivery.claimed_until <= now),
    )


async def claim_due(
    session: AsyncSession,
    now: datetime,
    *,
    limit: int = 100,
    channel: str | None = None,
    lease: timedelta = timedelta(minutes=2),
) -> Sequence[Delivery]:
    """Take up to `limit` due rows for `lease`, most urgent first.

    On PostgreSQL rows another dispatcher is claiming are skipped (FOR UPDATE SKIP LOCKED);
    the lease then keeps them out of every other claim until this one is done.
    """
    query = (
        select(Delivery)
        .where(_claimable(now))
        .order_by(Delivery.priority, Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if channel is not None:
        query = query.where(Delivery.channel == channel)
    rows = (await session.execute(query)).scalars().all()
    for row in rows:
        row.claimed_until = now + lease
    await session.flush()
    return rows


async def release_claims(session: AsyncSession, channel: str, now: datetime) -> int:
    """Free the due rows of `channel` another dispatcher claimed (it stopped, or another
    replica now sends that platform): claimable at once, not after their lease. Returns
    how many."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.channel == channel,
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
            Delivery.next_attempt_at <= now,
            Delivery.claimed_until > now,
        )
        .values(claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def start_sending(
    session: AsyncSession, delivery: Delivery, lease_until: datetime | None, now: datetime
) -> bool:
    """Just before the platform call: from here a crash leaves the row in doubt.

    One conditional UPDATE: the row goes `sending` only if it is still pending (or failed)
    under the claim this dispatcher made (`lease_until`). A dispatcher that waited past its
    lease (a long 429 pause) may find that another one has claimed, or already sent, the
    row meanwhile: then it gets False and must not send it.
    """
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery.id,
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
            Delivery.claimed_until == lease_until,
        )
        .values(status=DeliveryStatus.SENDING, sending_at=now, attempts=Delivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    set_committed_value(delivery, "status", DeliveryStatus.SENDING)
    set_committed_value(delivery, "sending_at", now)
    set_committed_value(delivery, "attempts", delivery.attempts + 1)
    return True


def postpone(delivery: Delivery, until: datetime) -> None:
    """Not now (quiet hours, daily budget, a pause): back to pending, no attempt counted."""
    delivery.status, delivery.next_attempt_at, delivery.claimed_until = (
        DeliveryStatus.PENDING,
        until,
        None,
    )


def mark_sent(delivery: Delivery, now: datetime) -> None:
    """The platform accepted the message."""
    delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, now, None
    delivery.claimed_until = None


def mark_failed(delivery: Delivery, now: datetime, error: str, retry_in: timedelta) -> None:
    """A failure worth retrying: try again after `retry_in`."""
    delivery.status = DeliveryStatus.FAILED
    delivery.last_error = error[:2000]
    delivery.next_attempt_at = now + retry_in
    delivery.claimed_until = None


def mark_undeliverable(delivery: Delivery, error: str) -> None:
    """It can never arrive (no reachable account, the bot blocked...): never retried."""
    delivery.status, delivery.last_error = DeliveryStatus.UNDELIVERABLE, error[:2000]
    delivery.claimed_until = None


def mark_cancelled(delivery: Delivery) -> None:
    """Past its "not after" time: never sent (counted apart from failures)."""
    delivery.status, delivery.last_error = DeliveryStatus.CANCELLED, "not after: too late"
    delivery.claimed_until = None


def mark_in_doubt(delivery: Delivery, error: str) -> None:
    """The send call may or may not have reached the person: reported, never resent."""
    delivery.status, delivery.last_error = DeliveryStatus.IN_DOUBT, error[:2000]
    delivery.claimed_until = None


async def release_stuck(session: AsyncSession, now: datetime) -> int:
    """Rows left `sending` by a dispatcher that died may or may not have been sent: mark
    them in doubt (for staff to check) rather than resend them."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.status == DeliveryStatus.SENDING,
            or_(Delivery.sending_at.is_(None), Delivery.sending_at <= now - SENDING_TIMEOUT),
        )
        .values(
            status=DeliveryStatus.IN_DOUBT,
            claimed_until=None,
            last_error="the dispatcher stopped while sending: it may or may not have arrived",
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def counts(session: AsyncSession, now: datetime) -> dict[str, int]:
    """How many rows in each status, and how many are due now (for `mentorbot status`)."""
    rows = await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    result: dict[str, int] = {str(status): 0 for status in DeliveryStatus}
    result.update({str(status): int(count) for status, count in rows.all()})
    due = await session.scalar(select(func.count()).select_from(Delivery).where(_claimable(now)))
    result["due"] = int(due or 0)
    return result
