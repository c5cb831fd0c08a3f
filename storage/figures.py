"""The programme's figures as aggregate queries: counts grouped by region and month, never a
row per person read into Python (a month's pairing delays come back as a histogram of whole
days, the pairs' health as one count per health).

Months are the programme's (its time zone): `Months` holds the UTC instants their local
first days begin at, and each query buckets a timestamp with one `CASE` over them, which
every backend runs the same way. Regions are lower-case codes; "" is "not given".
Erased people still count: applications keep their region and dates, a person's row stays
(a tombstone with its region), pairings and their log keep their dates and kinds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, cast, exists, extract, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage import pairings
from storage.directory import HealthCutoffs, health_of
from storage.models import (
    Announcement,
    Application,
    ApplicationStatus,
    Case,
    CaseState,
    Checkin,
    CloseReason,
    Event,
    EventState,
    Interaction,
    Outcome,
    Pairing,
    PairingStatus,
    Person,
    Rsvp,
)
from storage.relay import MESSAGE_KIND

__all__ = [
    "CONTACT_KINDS",
    "HEALTHS",
    "Grid",
    "Months",
    "WaitingYouth",
    "checkins_by_month",
    "contacts_by_month",
    "delays_by_month",
    "events_by_month",
    "exits_by_month",
    "health_counts",
    "oldest_open_cases",
    "open_case_count",
    "people_by_month",
    "waiting_youths",
]

# what a pair's log counts as a contact (`conversations.mentor.interactions.Kind`): a
# contact or first meeting logged, and every message relayed between the pair (the relay
# adds one interaction per message, without its text)
CONTACT_KINDS = ("contact", "first_meeting", MESSAGE_KIND)
# an active pair's health, worst first: what `storage.directory.health_of` decides (one
# rule for the lists staff filter and the figures they report)
HEALTHS = ("silent", "at_risk", "checkin_due", "on_track")
# announcements that went out (or are going out): their event was announced
_ANNOUNCED = ("sending", "paused", "done")

# (region, month) -> count
Grid = dict[tuple[str, str], int]


@dataclass(frozen=True)
class Months:
    """Consecutive months of the programme: labels ("2026-03") and the UTC instants their
    local first days begin at (one more than labels: the end of the last)."""

    labels: tuple[str, ...]
    bounds: tuple[datetime, ...]

    @classmethod
    def ending(cls, last: str, count: int, zone: ZoneInfo) -> Months:
        """`count` months up to and including `last` ("YYYY-MM")."""
        year, month = (int(part) for part in last.split("-"))
        firsts: list[date] = []
        for back in range(count, -1, -1):
            index = year * 12 + (month - 1) - back + 1
            firsts.append(date(index // 12, index % 12 + 1, 1))
        bounds = tuple(datetime.combine(day, datetime.min.time(), zone) for day in firsts)
        labels = tuple(f"{day:%Y-%m}" for day in firsts[:-1])
        return cls(labels=labels, bounds=bounds)

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    def bucket(self, column: Any) -> ColumnElement[str]:
        """The month label of a timestamp inside these months (rows outside are filtered)."""
        return case(
            *[
                (column < bound, literal(label))
                for label, bound in zip(self.labels, self.bounds[1:], strict=True)
            ],
            else_=literal(""),
        )

    def within(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


def _region(column: Any) -> ColumnElement[str]:
    return func.coalesce(func.lower(column), "")


def _in_region(column: Any, region: str | None) -> ColumnElement[bool]:
    return func.lower(column) == region if region else literal(True)


async def _grid(session: AsyncSession, query: Any) -> Grid:
    rows = await session.execute(query)
    return {(str(region), str(month)): int(count) for region, month, count in rows.all()}


async def people_by_month(
    session: AsyncSession, months: Months, region: str | None = None
) -> dict[str, Grid]:
    """Youths by region and month: `registrations` (applications started), `screened`
    (applications decided), `eligible` (decided eligible) and `paired` (pairings started;
    the youth's region)."""
    # one expression object in SELECT and GROUP BY: built twice, its "" would be two bind
    # parameters, which PostgreSQL takes for two different expressions (and refuses)
    application_region = _region(Application.region)
    started = months.bucket(Application.started_at)
    registrations = (
        select(application_region, started, func.count())
        .where(months.within(Application.started_at), _in_region(Application.region, region))
        .group_by(application_region, started)
    )
    decided = months.bucket(Application.decided_at)
    decided_where = and_(
        Application.status == ApplicationStatus.DECIDED,
        months.within(Application.decided_at),
        _in_region(Application.region, region),
    )
    eligible = func.sum(case((Application.decision == "eligible", 1), else_=0))
    screened = (
        select(application_region, decided, func.count(), eligible)
        .where(decided_where)
        .group_by(application_region, decided)
    )
    began = months.bucket(Pairing.started_at)
    youth_region = _region(Person.region)
    paired = (
        select(youth_region, began, func.count())
        .select_from(Pairing)
        .join(Person, Person.id == Pairing.youth_id)
        .where(months.within(Pairing.started_at), _in_region(Person.region, region))
        .group_by(youth_region, began)
    )
    screened_rows = (await session.execute(screened)).all()
    return {
        "registrations": await _grid(session, registrations),
        "screened": {(str(r), str(m)): int(n) for r, m, n, _ in screened_rows},
        "eligible": {(str(r), str(m)): int(e or 0) for r, m, _, e in screened_rows if e},
        "paired": await _grid(session, paired),
    }


def _days_between(session: AsyncSession, start: Any, end: Any) -> ColumnElement[int]:
    """Whole days from `start` to `end`, in SQL (each backend has its own date arithmetic)."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(end) - func.julianday(start), Integer)
    return cast(func.floor(extract("epoch", end - start) / 86400), Integer)


async def delays_by_month(
    session: AsyncSession, months: Months, region: str | None = None
) -> dict[str, dict[int, int]]:
    """For the pairings started each month, how many waited how many whole days from the
    youth's registration (their first application; their arrival when an erasure unlinked
    it): month -> {days: pairings}."""
    first = (
        select(
            Application.person_id.label("person_id"),
            func.min(Application.started_at).label("registered_at"),
        )
        .where(Application.person_id.is_not(None))
        .group_by(Application.person_id)
        .subquery()
    )
    registered = func.coalesce(first.c.registered_at, Person.created_at)
    days = _days_between(session, registered, Pairing.started_at)
    began = months.bucket(Pairing.started_at)
    rows = await session.execute(
        select(began, days, func.count())
        .select_from(Pairing)
        .join(Person, Person.id == Pairing.youth_id)
        .outerjoin(first, first.c.person_id == Pairing.youth_id)
        .where(months.within(Pairing.started_at), _in_region(Person.region, region))
        .group_by(began, days)
    )
    found: dict[str, dict[int, int]] = {}
    for month, waited, count in rows.all():
        found.setdefault(str(month), {})[max(0, int(waited))] = int(count)
    return found


async def health_counts(
    session: AsyncSession, cutoffs: HealthCutoffs, region: str | None = None
) -> dict[str, int]:
    """Active pairs by health now (`HEALTHS`), in one grouped query."""
    health = health_of(cutoffs)
    rows = await session.execute(
        select(health, func.count())
        .select_from(Pairing)
        .join(Person, Person.id == Pairing.youth_id)
        .where(Pairing.status == PairingStatus.ACTIVE, _in_region(Person.region, region))
        .group_by(health)
    )
    counted = {str(name): int(count) for name, count in rows.all()}
    return {name: counted.get(name, 0) for name in HEALTHS}


async def checkins_by_month(
    session: AsyncSession, months: Months, region: str | None = None
) -> dict[str, tuple[int, int]]:
    """Monthly check-ins (both sides) by their month: (asked, answered)."""
    answered = func.sum(case((Checkin.answer.is_not(None), 1), else_=0))
    rows = await session.execute(
        select(Checkin.period, func.count(), answered)
        .join(Pairing, Pairing.id == Checkin.pairing_id)
        .join(Person, Person.id == Pairing.youth_id)
        .where(Checkin.period.in_(months.labels), _in_region(Person.region, region))
        .group_by(Checkin.period)
    )
    return {str(period): (int(asked), int(done or 0)) for period, asked, done in rows.all()}


async def contacts_by_month(
    session: AsyncSession, months: Months, region: str | None = None
) -> dict[str, tuple[int, int]]:
    """Contacts in pairs' logs each month (`CONTACT_KINDS`, relayed messages included) and
    the pairs that were under way in that month (started before its end, not closed
    before its start): month -> (contacts, pairs)."""
    occurred = months.bucket(Interaction.occurred_at)
    contacts = dict(
        (
            await session.execute(
                select(occurred, func.count())
                .select_from(Interaction)
                .join(Pairing, Pairing.id == Interaction.pairing_id)
                .join(Person, Person.id == Pairing.youth_id)
                .where(
                    months.within(Interaction.occurred_at),
                    Interaction.kind.in_(CONTACT_KINDS),
                    _in_region(Person.region, region),
                )
                .group_by(occurred)
            )
        ).all()
    )
    under_way = [
        func.sum(
            case(
                (
                    and_(
                        Pairing.started_at < end,
                        or_(Pairing.closed_at.is_(None), Pairing.closed_at >= start),
                    ),
                    1,
                ),
                else_=0,
            )
        )
        for start, end in zip(months.bounds, months.bounds[1:], strict=False)
    ]
    pairs = (
        await session.execute(
            select(*under_way)
            .select_from(Pairing)
            .join(Person, Person.id == Pairing.youth_id)
            .where(Pairing.started_at.is_not(None), _in_region(Person.region, region))
        )
    ).one()
    return {
        label: (int(contacts.get(label, 0)), int(pairs[index] or 0))
        for index, label in enumerate(months.labels)
    }


async def events_by_month(
    session: AsyncSession, months: Months, region: str | None = None
) -> dict[str, dict[str, int]]:
    """Events announced (an announcement went out; not cancelled) by the month they start
    in, and the answers to them: month -> {"events", "yes", "maybe", "no", "attended"}.
    With a region, the answers are those of people of that region (events have none)."""
    starts = months.bucket(Event.starts_at)
    announced = exists().where(
        Announcement.event_id == Event.id, Announcement.status.in_(_ANNOUNCED)
    )
    shown = and_(months.within(Event.starts_at), Event.state != EventState.CANCELLED, announced)
    events = dict(
        (await session.execute(select(starts, func.count()).where(shown).group_by(starts))).all()
    )
    tallies = [func.sum(case((Rsvp.answer == answer, 1), else_=0)) for answer in _ANSWERS]
    attended = func.sum(case((Rsvp.attended.is_(True), 1), else_=0))
    rows = await session.execute(
        select(starts, *tallies, attended)
        .select_from(Rsvp)
        .join(Event, Event.id == Rsvp.event_id)
        .join(Person, Person.id == Rsvp.person_id)
        .where(shown, _in_region(Person.region, region))
        .group_by(starts)
    )
    found = {label: {"events": int(events.get(label, 0))} for label in months.labels}
    for month, *counts in rows.all():
        figures = found.setdefault(str(month), {"events": 0})
        figures.update(zip([*_ANSWERS, "attended"], (int(n or 0) for n in counts), strict=True))
    for figures in found.values():
        for name in (*_ANSWERS, "attended"):
            figures.setdefault(name, 0)
    return found


_ANSWERS = ("yes", "maybe", "no")


async def exits_by_month(
    session: AsyncSession, months: Months, region: str | None = None
) -> tuple[dict[tuple[str, str, str], int], Grid]:
    """Pairings closed each month (a proposal cancelled before it started is no exit): by
    (region, month, kind) — the close reason, else the outcome's kind — and, by (region,
    month), those whose outcome is a job at the level of the youth's diploma."""
    closed = months.bucket(Pairing.closed_at)
    kind = func.coalesce(Pairing.close_reason, Outcome.kind, "unknown")
    positive = func.sum(
        case((and_(Outcome.kind == "job", Outcome.at_diploma_level.is_(True)), 1), else_=0)
    )
    youth_region = _region(Person.region)  # one object in SELECT and GROUP BY (see above)
    rows = await session.execute(
        select(youth_region, closed, kind, func.count(), positive)
        .select_from(Pairing)
        .join(Person, Person.id == Pairing.youth_id)
        .outerjoin(Outcome, Outcome.pairing_id == Pairing.id)
        .where(
            Pairing.status == PairingStatus.CLOSED,
            months.within(Pairing.closed_at),
            func.coalesce(Pairing.close_reason, "") != CloseReason.CANCELLED,
            _in_region(Person.region, region),
        )
        .group_by(youth_region, closed, kind)
    )
    exits: dict[tuple[str, str, str], int] = {}
    good: Grid = {}
    for where, month, why, count, fine in rows.all():
        exits[(str(where), str(month), str(why))] = int(count)
        cell = (str(where), str(month))
        good[cell] = good.get(cell, 0) + int(fine or 0)
    return exits, good


# --------------------------------------------------------------------------- staff's home


@dataclass(frozen=True)
class WaitingYouth:
    """An eligible youth without a mentor yet."""

    person_id: int
    name: str
    region: str
    decided_at: datetime | None


def _waiting() -> ColumnElement[bool]:
    return and_(
        Application.decision == "eligible",
        Application.status == ApplicationStatus.DECIDED,
        Person.erased_at.is_(None),
        ~pairings.has_or_had_a_mentor(Application.person_id),
    )


async def waiting_youths(session: AsyncSession, limit: int) -> tuple[int, Sequence[WaitingYouth]]:
    """How many eligible youths wait for a mentor (never paired), and the `limit` who have
    waited longest (since their application was decided)."""
    count = await session.scalar(
        select(func.count(func.distinct(Application.person_id)))
        .select_from(Application)
        .join(Person, Person.id == Application.person_id)
        .where(_waiting())
    )
    decided = func.min(Application.decided_at)
    rows = await session.execute(
        select(Person.id, Person.display_name, Person.region, decided)
        .select_from(Application)
        .join(Person, Person.id == Application.person_id)
        .where(_waiting())
        .group_by(Person.id, Person.display_name, Person.region)
        .order_by(decided, Person.id)
        .limit(limit)
    )
    oldest = [
        WaitingYouth(int(pid), name or "", (where or "").lower(), when)
        for pid, name, where, when in rows.all()
    ]
    return int(count or 0), oldest


async def open_case_count(session: AsyncSession) -> int:
    """Cases not resolved yet (open or taken)."""
    found = await session.scalar(
        select(func.count()).select_from(Case).where(Case.state != CaseState.RESOLVED)
    )
    return int(found or 0)


async def oldest_open_cases(session: AsyncSession, limit: int) -> Sequence[Case]:
    """The `limit` unresolved cases opened first."""
    return (
        await session.scalars(
            select(Case)
            .where(Case.state != CaseState.RESOLVED)
            .order_by(Case.opened_at, Case.id)
            .limit(limit)
        )
    ).all()
