"""An announcement's rows in the outbox: "not after" (cancelled, never sent late), pause and
resume, rewritten when the event changes, and what became of them (counts, reasons, the
recipients). Written by `storage.events.queue_batch`; used through `storage.events`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audience import Variant, variant_case
from storage.models import Delivery, DeliveryStatus, Person

__all__ = [
    "PAUSED_UNTIL",
    "announcement_key",
    "cancelled_count",
    "delivery_counts",
    "expire_unsent",
    "failure_reasons",
    "hold_unsent",
    "recipient_rows",
    "release_held",
    "rewrite_unsent",
]

# a paused announcement's unsent rows wait until then (resume sets them due again)
PAUSED_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)


def announcement_key(announcement_id: int, person_id: int | str = "") -> str:
    """The outbox key of an announcement to one person (its prefix when no person)."""
    return f"announce:{announcement_id}:{person_id}"


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
