"""The few aggregate queries `/metrics` runs at scrape time: the outbox by platform and
status, its depth and oldest due row, open cases, announcements being sent.

Each is one indexed `GROUP BY` (the outbox's `status, next_attempt_at` index, the case's
`state` index), so a scrape costs a handful of index scans whatever the size of the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.events import delivery_counts
from storage.models import Announcement, AnnouncementStatus, Case, CaseState, Delivery
from storage.models import DeliveryStatus as Status

__all__ = ["WAITING", "AnnouncementProgress", "Gauges", "gauges"]

# rows the dispatcher has still to send (a failed row is retried at `next_attempt_at`)
WAITING = (Status.PENDING, Status.FAILED)


@dataclass(frozen=True)
class AnnouncementProgress:
    """An announcement being sent: its outbox rows sent so far, and all of them."""

    announcement_id: int
    sent: int
    total: int


@dataclass
class Gauges:
    """What the database holds now, as `/metrics` reports it."""

    # (platform, status) -> rows
    deliveries: dict[tuple[str, str], int] = field(default_factory=dict)
    # platform -> rows waiting to be sent (due or not yet)
    depth: dict[str, int] = field(default_factory=dict)
    # platform -> seconds since the oldest due row became due (0 when none is due)
    oldest_due_seconds: dict[str, float] = field(default_factory=dict)
    # case state (open, taken) -> cases
    open_cases: dict[str, int] = field(default_factory=dict)
    announcements: list[AnnouncementProgress] = field(default_factory=list)


def _utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back naive (stored as UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def gauges(session: AsyncSession, now: datetime) -> Gauges:
    """Every gauge of `/metrics`, in five queries plus one per announcement being sent."""
    found = Gauges()
    by_status = await session.execute(
        select(Delivery.channel, Delivery.status, func.count()).group_by(
            Delivery.channel, Delivery.status
        )
    )
    for channel, status, count in by_status.all():
        found.deliveries[(str(channel), str(status))] = int(count)
        if status in WAITING:
            found.depth[str(channel)] = found.depth.get(str(channel), 0) + int(count)
    oldest = await session.execute(
        select(Delivery.channel, func.min(Delivery.next_attempt_at))
        .where(Delivery.status.in_(WAITING), Delivery.next_attempt_at <= now)
        .group_by(Delivery.channel)
    )
    for channel, due_at in oldest.all():
        if due_at is not None:
            age = (now - _utc(due_at)).total_seconds()
            found.oldest_due_seconds[str(channel)] = max(0.0, age)
    cases = await session.execute(
        select(Case.state, func.count())
        .where(Case.state != CaseState.RESOLVED)
        .group_by(Case.state)
    )
    found.open_cases = {str(state): int(count) for state, count in cases.all()}
    sending = await session.scalars(
        select(Announcement.id)
        .where(Announcement.status.in_([AnnouncementStatus.SENDING, AnnouncementStatus.PAUSED]))
        .order_by(Announcement.id)
    )
    for announcement_id in sending.all():
        counts = await delivery_counts(session, announcement_id)
        found.announcements.append(
            AnnouncementProgress(announcement_id, counts[Status.SENT], sum(counts.values()))
        )
    return found
