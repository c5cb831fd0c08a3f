"""What the relay between a pair's two sides needs beyond threads and files: the case
already open about a pair's failed messages, and the messages one side still has on their
way to the other (dropped with their files when the writer erases their data)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, CaseState, Delivery, DeliveryStatus

__all__ = ["HELD_FLOW", "MESSAGE_KIND", "file_ids", "open_case_about", "unsent_in_order"]

# the interaction a relayed message adds to the pair's log (`conversations.pairs.relay`)
MESSAGE_KIND = "message"
# the conversation state holding a mentor's message until they say whom it is for; its
# `files` are relayed files waiting with it
HELD_FLOW = "relay"
# rows that may still be sent (a row being sent now is left to its dispatcher)
_UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


async def open_case_about(session: AsyncSession, pairing_id: int, topic: str) -> Case | None:
    """The pair's case about `topic` not yet resolved, if any (one is enough for staff)."""
    found: Case | None = await session.scalar(
        select(Case)
        .where(
            Case.pairing_id == pairing_id,
            Case.topic == topic,
            Case.state != CaseState.RESOLVED,
        )
        .order_by(Case.id)
        .limit(1)
    )
    return found


async def unsent_in_order(session: AsyncSession, order_keys: Collection[str]) -> Sequence[Delivery]:
    """The deliveries queued under one of `order_keys` (a pair's messages to one side) that
    have not been sent yet."""
    if not order_keys:
        return []
    return (
        await session.scalars(
            select(Delivery).where(
                Delivery.order_key.in_(list(order_keys)), Delivery.status.in_(_UNSENT)
            )
        )
    ).all()


def file_ids(deliveries: Sequence[Delivery]) -> list[int]:
    """The relayed files those deliveries carry (`"file": id` in their context)."""
    found: list[int] = []
    for delivery in deliveries:
        file_id = delivery.context.get("file") if isinstance(delivery.context, dict) else None
        if isinstance(file_id, int) and not isinstance(file_id, bool):
            found.append(file_id)
    return found
