"""What a delivery's context asks of the dispatcher besides its template and its values.

Conventions (written by the flows that queue messages between people):

- `"thread_ts": "<ts>"`: posted in that Slack thread (`Reply.thread`);
- `"anchor": {"pairing": id}` or `{"case": id}`: once posted, where it landed is recorded
  (`storage.threads.record`), so that a reply in its thread is found again;
- `"drop": ["text", ...]`: those keys are blanked once the row is sent or given up
  (undeliverable, in doubt): what people say to each other is not kept;
- `"file": <relay_file id>`: that file goes with the message (`Reply.attachment`) and is
  deleted once the row is sent or given up. A file already gone (its sender was erased)
  leaves the text to go alone; with no `"text"` either, nothing is left to deliver;
- `"live": true`: people talking to each other: no sending hours, no holiday pause, no
  daily budget;
- `"not_after": "<ISO datetime>"`: never delivered at or after that time (an event's
  announcement once the event has started): cancelled instead, never sent late;
- `"edit_of": "<idempotency key>"`: replaces that earlier message (Slack `chat.update`) once
  it was sent, rather than posting a new one (a sending's progress in the staff channel);
- a delivery's `order_key` (not in the context): rows sharing it go out in the order they
  were queued, none before an earlier one still on its way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import Attachment, Choice, Reply, SendResult
from storage import outbox, relay_files, threads
from storage.models import Case, Delivery, DeliveryStatus, Identity, Pairing, Person

__all__ = [
    "ORDER_WAIT",
    "attachment",
    "choices",
    "has_text",
    "is_live",
    "named_context",
    "not_after",
    "record_sent",
    "reply_of",
    "settle",
    "settle_stuck",
    "thread_of",
    "wait_for_earlier",
]

logger = logging.getLogger(__name__)

# a row waiting for an earlier one of its order key is looked at again after this long
ORDER_WAIT = timedelta(seconds=5)
# an earlier row of the same order key still on its way
_UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SENDING)


def thread_of(context: Mapping[str, Any]) -> str | None:
    """The Slack thread to post in, if any."""
    thread = context.get("thread_ts")
    return str(thread) if thread else None


def not_after(context: Mapping[str, Any]) -> datetime | None:
    """The time from which the row must not go out any more, if it has one (an aware
    datetime; an unreadable value counts as none)."""
    raw = context.get("not_after")
    if not isinstance(raw, str) or not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        logger.warning("unreadable not_after %r in a delivery context", raw[:40])
        return None
    return moment if moment.tzinfo is not None else None


def is_live(delivery: Delivery) -> bool:
    """A message between people: delivered at once, whatever the hour or the budget."""
    return bool(delivery.context.get("live"))


def has_text(context: Mapping[str, Any]) -> bool:
    """Whether the message says something besides its file."""
    return bool(str(context.get("text") or "").strip())


def _file_id(context: Mapping[str, Any]) -> int | None:
    value = context.get("file")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def attachment(
    session: AsyncSession, context: Mapping[str, Any]
) -> tuple[bool, Attachment | None]:
    """(whether the context names a file, the `Attachment` or None when it is gone)."""
    file_id = _file_id(context)
    if file_id is None:
        return False, None
    stored = await relay_files.load(session, file_id)
    if stored is None:
        return True, None
    return True, Attachment(stored.filename, stored.content, stored.mime_type)


async def wait_for_earlier(
    session: AsyncSession, delivery: Delivery, now: datetime
) -> datetime | None:
    """Until when this row must wait for an earlier row of its order key that is still on
    its way (None: nothing before it)."""
    if not delivery.order_key:
        return None
    earlier: Delivery | None = await session.scalar(
        select(Delivery)
        .where(
            Delivery.order_key == delivery.order_key,
            Delivery.id < delivery.id,
            Delivery.status.in_(_UNSENT),
        )
        .order_by(Delivery.id)
        .limit(1)
    )
    if earlier is None:
        return None
    soonest = now + ORDER_WAIT
    if earlier.status != DeliveryStatus.SENDING and earlier.next_attempt_at > soonest:
        # the earlier one waits (a 429, a retry): this one goes right after it
        return earlier.next_attempt_at
    return soonest


async def record_sent(
    session: AsyncSession, delivery: Delivery, result: SendResult, now: datetime
) -> None:
    """Sent: keep the platform's id of the message, and the thread it opens (`anchor`)."""
    delivery.sent_ref = result.ref[:64] if result.ref else None
    anchor = delivery.context.get("anchor")
    if not isinstance(anchor, Mapping) or not result.chat or not result.ref:
        return
    pairing_id, case_id = anchor.get("pairing"), anchor.get("case")
    if isinstance(pairing_id, int) and await session.get(Pairing, pairing_id) is not None:
        await threads.record(
            session,
            channel=delivery.channel,
            chat_id=result.chat,
            ts=result.ref,
            pairing_id=pairing_id,
            now=now,
        )
    elif isinstance(case_id, int) and await session.get(Case, case_id) is not None:
        await threads.record(
            session,
            channel=delivery.channel,
            chat_id=result.chat,
            ts=result.ref,
            case_id=case_id,
            now=now,
        )


async def settle(session: AsyncSession, delivery: Delivery) -> None:
    """Sent or given up: the texts named in `drop` are blanked, the file deleted."""
    context = delivery.context
    dropped = context.get("drop")
    if isinstance(dropped, list) and any(key in context for key in dropped):
        # a new dict: an in-place change of a JSON column is not seen by SQLAlchemy
        delivery.context = {
            key: ("" if key in dropped else value) for key, value in context.items()
        }
    file_id = _file_id(context)
    if file_id is not None:
        await relay_files.drop(session, file_id)


async def settle_stuck(session: AsyncSession, now: datetime) -> int:
    """Rows left `sending` by a dispatcher that stopped are in doubt (never resent): their
    texts and files are given up too. Returns how many were released."""
    stuck = (
        await session.scalars(
            select(Delivery).where(
                Delivery.status == DeliveryStatus.SENDING,
                or_(
                    Delivery.sending_at.is_(None),
                    Delivery.sending_at <= now - outbox.SENDING_TIMEOUT,
                ),
            )
        )
    ).all()
    released = await outbox.release_stuck(session, now)
    for row in stuck:
        await settle(session, row)
    return released


async def named_context(session: AsyncSession, context: dict[str, Any]) -> dict[str, Any]:
    """The context with the people it names by id given their first names, as they are now
    (an erased person's is empty)."""
    ids = outbox.referenced_people(context)
    if not ids:
        return context
    rows = await session.execute(
        select(Person.id, Person.display_name).where(Person.id.in_(ids), Person.erased_at.is_(None))
    )
    names = {person_id: name or "" for person_id, name in rows.all()}
    named: dict[str, Any] = outbox.with_names(context, names)
    return named


def choices(context: Mapping[str, object]) -> tuple[Choice, ...]:
    """Buttons stored with a queued message: `choices` as [[label key, value], ...], or
    [label key, value, label context] for a label that names something (a digest's
    "I'll take it" buttons each name their case)."""
    stored = context.get("choices")
    if not isinstance(stored, list):
        return ()
    return tuple(
        Choice(
            str(item[0]),
            str(item[1]),
            item[2] if len(item) == 3 and isinstance(item[2], dict) else {},
        )
        for item in stored
        if isinstance(item, list | tuple) and len(item) in (2, 3)
    )


async def _edited(session: AsyncSession, context: Mapping[str, Any]) -> str | None:
    """`"edit_of": "<idempotency key>"`: the platform id of that earlier message, once it
    was sent, so this one replaces it (until then, it is posted as a new message)."""
    key = context.get("edit_of")
    if not isinstance(key, str) or not key:
        return None
    found: str | None = await session.scalar(
        select(Delivery.sent_ref).where(
            Delivery.idempotency_key == key, Delivery.status == DeliveryStatus.SENT
        )
    )
    return found


async def reply_of(
    session: AsyncSession, delivery: Delivery, person: Person | None
) -> tuple[Reply | None, str | None]:
    """What to send and where; no reply when its file is gone and it says nothing else."""
    context = await named_context(session, delivery.context)
    if delivery.destination is not None:
        # a place, not a person (e.g. the staff channel): the sender knows where it is
        recipient: str | None = delivery.destination
        locale = str(delivery.context.get("locale") or "fr")
    else:
        recipient = await session.scalar(
            select(Identity.chat_id).where(
                Identity.person_id == delivery.person_id, Identity.channel == delivery.channel
            )
        )
        if person is None or person.erased_at is not None:
            recipient = None
        context = {**context, "name": person.display_name if person else None}
        locale = person.locale if person else "fr"
    names_file, file = await attachment(session, delivery.context)
    if names_file and file is None and not has_text(delivery.context):
        return None, recipient
    reply = Reply(
        key=delivery.template,
        context=context,
        locale=locale,
        choices=choices(delivery.context),
        attachment=file,
        thread=thread_of(delivery.context),
        edit=await _edited(session, delivery.context),
    )
    return reply, recipient
