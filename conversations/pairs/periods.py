"""Monthly periods of the follow-up ("YYYY-MM", in the programme's time zone) and the next
due date of a monthly round: what the mentor's check-in and the youth's pulse share."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

__all__ = ["DUE_TIME", "next_due", "period_bounds", "period_of", "previous_period"]

# monthly rounds are due at this local time
DUE_TIME = time(10, 0)


def period_of(when: datetime, zone: ZoneInfo) -> str:
    """The month a moment belongs to in the programme's time zone, as "YYYY-MM"."""
    local = when.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def previous_period(period: str) -> str:
    """The month before a "YYYY-MM" period."""
    year, month = (int(part) for part in period.split("-"))
    year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return f"{year:04d}-{month:02d}"


def period_bounds(period: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The first moment of a period and of the next one, in UTC."""
    year, month = (int(part) for part in period.split("-"))
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(following[0], following[1], 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def next_due(after: datetime, checkin_day: int, zone: ZoneInfo) -> datetime:
    """The next round: `checkin_day` of the month after `after`'s month, at 10:00 local."""
    local = after.astimezone(zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(max(checkin_day, 1), 28)
    return datetime.combine(date(year, month, day), DUE_TIME, tzinfo=zone).astimezone(after.tzinfo)
