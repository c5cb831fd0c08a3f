"""The programme's figures for one month (and the months before it, for the charts), as
`../shared/domain.md` lists them: youths registered, screened, eligible, paired; time from
registration to pairing (median, 90th percentile); active pairs by health; check-in
response rate; contacts per pair; events, answers, attendance; exits by kind and the share
of positive outcomes at diploma level. By region and month, months in the programme's time
zone. The counts of people by region also come out as `CountTable`s for the funders'
export (which suppresses small cells).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.rules.regions import REGION_ALIASES, REGIONS
from conversations.staff import health as pair_health
from conversations.staff.tables import CountTable
from storage import figures
from storage.figures import HEALTHS, Months

__all__ = [
    "HEALTHS",
    "SPAN",
    "MonthFigures",
    "ProgrammeFigures",
    "context_of",
    "count_tables",
    "last_full_month",
    "parse_month",
    "programme_figures",
    "quantile",
    "region_code",
]

# months the charts show, the report's month last
SPAN = 12
_MONTH = re.compile(r"(\d{4})-(\d{2})")
# people counts by region and month, in the funders' export's order
PEOPLE_TABLES = ("registrations", "screened", "eligible", "paired")
# a region that was not given, as a table row
UNKNOWN_REGION = "unknown"


def parse_month(text: str) -> str | None:
    """ "YYYY-MM" if `text` is one (month 01 to 12), else None."""
    found = _MONTH.fullmatch(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        return None
    return f"{found.group(1)}-{found.group(2)}"


def last_full_month(now: datetime, zone: ZoneInfo) -> str:
    """The month before the one `now` is in (programme time): the report's default."""
    today = now.astimezone(zone).date()
    previous = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    return f"{previous:%Y-%m}"


def region_code(text: str) -> str | None:
    """The region code staff typed ("idf", "IDF", "paca"), or None when there is none."""
    typed = text.strip().lower()
    if typed in REGIONS:
        return typed
    return REGION_ALIASES.get(typed)


def quantile(histogram: Mapping[int, int], q: float) -> float | None:
    """The `q` quantile (0 to 1) of values given as {value: how many}, interpolated
    linearly between the two nearest values (as numpy's default); None with no values."""
    total = sum(histogram.values())
    if total == 0:
        return None
    position = (total - 1) * q
    below, fraction = int(position), position - int(position)
    ordered = sorted(histogram.items())

    def nth(rank: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if rank < seen:
                return value
        return ordered[-1][0]

    low = nth(below)
    return float(low) if fraction == 0 else low + (nth(below + 1) - low) * fraction


@dataclass(frozen=True)
class MonthFigures:
    """One month's figures (for the region asked, or all)."""

    month: str
    registrations: int = 0
    screened: int = 0
    eligible: int = 0
    paired: int = 0
    # days from registration to pairing, of the pairings started that month
    median_days: float | None = None
    p90_days: float | None = None
    checkins_asked: int = 0
    checkins_answered: int = 0
    contacts: int = 0
    # pairs started before the month ended and not closed before it began
    pairs_under_way: int = 0
    events: int = 0
    # answers to those events: yes, maybe, no
    answers: Mapping[str, int] = field(default_factory=dict)
    attended: int = 0
    # pairings closed that month, by kind (close reason, else the outcome's kind)
    exits: Mapping[str, int] = field(default_factory=dict)
    # of those, a job at the level of the youth's diploma
    positive: int = 0

    @property
    def exits_count(self) -> int:
        return sum(self.exits.values())

    @property
    def response_rate(self) -> float | None:
        """Check-ins answered out of those asked (0 to 1), None when none were asked."""
        return self.checkins_answered / self.checkins_asked if self.checkins_asked else None

    @property
    def contacts_per_pair(self) -> float | None:
        return self.contacts / self.pairs_under_way if self.pairs_under_way else None

    @property
    def positive_share(self) -> float | None:
        return self.positive / self.exits_count if self.exits_count else None

    @property
    def has_data(self) -> bool:
        """Whether anything happened in the programme that month."""
        return any(
            (
                self.registrations,
                self.screened,
                self.paired,
                self.checkins_asked,
                self.contacts,
                self.pairs_under_way,
                self.events,
                self.exits_count,
            )
        )


@dataclass(frozen=True)
class ProgrammeFigures:
    """The report's month and the months before it (`SPAN`, oldest first), the pairs'
    health now, and the people counts by region for the count tables."""

    region: str | None
    months: tuple[MonthFigures, ...]
    # active pairs by health at the time of the report (`HEALTHS`)
    health: Mapping[str, int]
    # table name -> (region, month) -> people
    people: Mapping[str, figures.Grid]
    # (region, month, kind) -> exits
    exits: Mapping[tuple[str, str, str], int]

    @property
    def current(self) -> MonthFigures:
        return self.months[-1]

    @property
    def month(self) -> str:
        return self.current.month

    @property
    def active_pairs(self) -> int:
        return sum(self.health.values())


def _total(grid: figures.Grid, month: str) -> int:
    return sum(count for (_, when), count in grid.items() if when == month)


async def programme_figures(
    session: AsyncSession,
    *,
    month: str,
    region: str | None,
    now: datetime,
    config: ProgrammeConfig,
    span: int = SPAN,
) -> ProgrammeFigures:
    """The figures of `month` ("YYYY-MM") and the `span - 1` months before it, for one
    region (a code) or all (None)."""
    months = Months.ending(month, span, config.zone)
    rule = pair_health.cutoffs(now, config.nudges)
    people = await figures.people_by_month(session, months, region)
    delays = await figures.delays_by_month(session, months, region)
    checkins = await figures.checkins_by_month(session, months, region)
    contacts = await figures.contacts_by_month(session, months, region)
    events = await figures.events_by_month(session, months, region)
    exits, positive = await figures.exits_by_month(session, months, region)
    health = await figures.health_counts(session, rule, region)
    series = []
    for label in months.labels:
        waited = delays.get(label, {})
        asked, answered = checkins.get(label, (0, 0))
        logged, under_way = contacts.get(label, (0, 0))
        happened = events.get(label, {})
        kinds: dict[str, int] = {}
        for (_, when, kind), count in exits.items():
            if when == label:
                kinds[kind] = kinds.get(kind, 0) + count
        series.append(
            MonthFigures(
                month=label,
                registrations=_total(people["registrations"], label),
                screened=_total(people["screened"], label),
                eligible=_total(people["eligible"], label),
                paired=_total(people["paired"], label),
                median_days=quantile(waited, 0.5),
                p90_days=quantile(waited, 0.9),
                checkins_asked=asked,
                checkins_answered=answered,
                contacts=logged,
                pairs_under_way=under_way,
                events=happened.get("events", 0),
                answers={name: happened.get(name, 0) for name in ("yes", "maybe", "no")},
                attended=happened.get("attended", 0),
                exits=dict(sorted(kinds.items(), key=lambda item: (-item[1], item[0]))),
                positive=_total(positive, label),
            )
        )
    return ProgrammeFigures(
        region=region, months=tuple(series), health=health, people=people, exits=exits
    )


def _row(region: str) -> str:
    return region or UNKNOWN_REGION


def count_tables(found: ProgrammeFigures) -> list[CountTable]:
    """The people counts by region (rows) and month (columns) — registrations, screened,
    eligible, paired — then exits by region and kind over those months: the tables the
    funders' export writes once small cells are suppressed. A region nobody gave is the
    row "unknown"."""
    columns = tuple(month.month for month in found.months)
    tables = []
    for name in PEOPLE_TABLES:
        grid = found.people[name]
        rows = tuple(sorted({_row(region) for region, _ in grid}))
        counts = tuple(
            tuple(
                sum(n for (r, m), n in grid.items() if _row(r) == row and m == column)
                for column in columns
            )
            for row in rows
        )
        tables.append(CountTable(name, "region", "month", rows, columns, counts))
    kinds = tuple(sorted({kind for _, _, kind in found.exits}))
    rows = tuple(sorted({_row(region) for region, _, _ in found.exits}))
    counts = tuple(
        tuple(
            sum(n for (r, _, k), n in found.exits.items() if _row(r) == row and k == kind)
            for kind in kinds
        )
        for row in rows
    )
    tables.append(CountTable("exits", "region", "kind", rows, kinds, counts))
    return tables


def _rounded(value: float | None) -> int | None:
    return None if value is None else round(value)


def context_of(found: ProgrammeFigures) -> dict[str, Any]:
    """The report's month as template variables (`staff.report.*`): counts, whole days,
    percentages and a contacts-per-pair ratio already rounded, None where there is nothing
    to divide by."""
    month = found.current
    rate, share, per_pair = month.response_rate, month.positive_share, month.contacts_per_pair
    return {
        "period": month.month,
        "region": found.region or "",
        "registered_count": month.registrations,
        "screened_count": month.screened,
        "eligible_count": month.eligible,
        "paired_count": month.paired,
        "median_days": _rounded(month.median_days),
        "p90_days": _rounded(month.p90_days),
        "active_count": found.active_pairs,
        "on_track_count": found.health.get("on_track", 0),
        "checkin_due_count": found.health.get("checkin_due", 0),
        "at_risk_count": found.health.get("at_risk", 0),
        "silent_count": found.health.get("silent", 0),
        "asked_count": month.checkins_asked,
        "response_percent": None if rate is None else round(100 * rate),
        "contact_count": month.contacts,
        "pair_count": month.pairs_under_way,
        "per_pair": None if per_pair is None else f"{per_pair:.1f}",
        "event_count": month.events,
        "answers": {**month.answers, "attended": month.attended},
        "exit_count": month.exits_count,
        "exits": dict(month.exits),
        "positive_percent": None if share is None else round(100 * share),
    }
