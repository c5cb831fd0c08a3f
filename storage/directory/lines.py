"""What staff's lists hold: the statuses, a pair's health, the filters and one line per
youth, mentor or pair (see `storage.directory` for what each status means)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from storage.models import PairingStatus

__all__ = [
    "ELIGIBLE",
    "OPEN",
    "Health",
    "HealthCutoffs",
    "MentorFilter",
    "MentorLine",
    "Page",
    "PairFilter",
    "PairLine",
    "YouthFilter",
    "YouthLine",
    "YouthStatus",
]

T = TypeVar("T")
OPEN = (PairingStatus.PROPOSED, PairingStatus.ACTIVE, PairingStatus.PAUSED)


class YouthStatus(StrEnum):
    REGISTERED = "registered"
    SCREENING = "screening"
    WAITING = "waiting"
    PAIRED = "paired"
    # the mentoring ended for good (a job, studies, giving up...): not waiting any more
    ENDED = "ended"
    NOT_ELIGIBLE = "not_eligible"


# a filter only: waiting or paired
ELIGIBLE = "eligible"


class Health(StrEnum):
    ON_TRACK = "on_track"
    CHECKIN_DUE = "checkin_due"
    AT_RISK = "at_risk"
    SILENT = "silent"


@dataclass(frozen=True)
class HealthCutoffs:
    """The moments health is judged against (UTC), from the follow-up settings."""

    now: datetime
    # last sign of life at or before this: silent
    silent_before: datetime
    # started at or before this without a first meeting: at risk
    first_meeting_before: datetime
    # the latest check-in asked at or before this and unanswered: at risk
    escalated_before: datetime


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    offset: int = 0


@dataclass(frozen=True)
class YouthFilter:
    region: str | None = None
    status: str | None = None  # a YouthStatus or ELIGIBLE
    # waiting since at or before this moment
    waiting_before: datetime | None = None
    person_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class MentorFilter:
    region: str | None = None
    status: str | None = None  # a MentorStatus
    accepting: bool | None = None
    with_room: bool | None = None
    person_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class PairFilter:
    region: str | None = None  # the youth's
    status: str | None = None  # a PairingStatus
    health: str | None = None
    person_ids: tuple[int, ...] | None = None  # the youth's or the mentor's
    pairing_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class YouthLine:
    person_id: int
    name: str
    region: str | None
    status: YouthStatus
    email: str | None
    registered_at: datetime
    decided_at: datetime | None
    # waiting youths only: since the decision or the end of their last pairing
    waiting_since: datetime | None
    pairing_id: int | None


@dataclass(frozen=True)
class MentorLine:
    person_id: int
    name: str
    email: str | None
    company: str | None
    sector: str | None
    expertise: str | None
    region: str | None
    status: str
    accepting: bool
    remote: bool
    capacity: int
    open_pairs: int

    @property
    def room(self) -> int:
        return max(self.capacity - self.open_pairs, 0)


@dataclass(frozen=True)
class PairLine:
    pairing_id: int
    status: str
    youth_id: int
    youth_name: str  # "" once the youth erased their data
    mentor_id: int
    mentor_name: str
    region: str | None
    started_at: datetime | None
    last_contact_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    health: Health | None = field(default=None)
