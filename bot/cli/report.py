"""`mentorbot report`: the programme's figures of a month, as tables; its charts as PNG
files and its figures as CSV files on request."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import console, fail, run_with_services, safe
from bot.container import Services, TemplateLabels
from conversations.core.spreadsheet import write_csv
from conversations.rules.regions import REGIONS
from conversations.staff import charts
from conversations.staff.figures import (
    HEALTHS,
    MonthFigures,
    ProgrammeFigures,
    count_tables,
    last_full_month,
    parse_month,
    programme_figures,
    region_code,
)

__all__ = ["register"]

# the by-month file's columns: (header, what it shows of a month)
SERIES_COLUMNS = (
    "month",
    "registered",
    "screened",
    "eligible",
    "paired",
    "median_days_to_pairing",
    "p90_days_to_pairing",
    "checkins_asked",
    "checkins_answered",
    "contacts",
    "pairs_under_way",
    "events",
    "answers_yes",
    "answers_maybe",
    "answers_no",
    "attended",
    "exits",
    "positive_outcomes",
)


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    month: Annotated[
        str | None,
        typer.Option("--month", help="The month, YYYY-MM (default: the last full month)."),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="A region code (idf, ara...); default: all.")
    ] = None,
    png: Annotated[
        Path | None, typer.Option("--png", help="Write the charts as PNG files in this folder.")
    ] = None,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Write the figures as CSV files in this folder.")
    ] = None,
) -> None:
    """The programme's figures of a month: youths registered, screened, eligible, paired,
    time to pairing, pairs by health, check-ins, contacts, events, exits; the twelve months
    up to it; by region with --region."""
    wanted = parse_month(month) if month is not None else None
    if month is not None and wanted is None:
        fail(f"Not a month: {month!r}. Write it YYYY-MM, e.g. 2026-03.", 2)
    code = region_code(region) if region is not None else None
    if region is not None and code is None:
        fail(f"No region {region!r}. The region codes are: {', '.join(REGIONS)}.", 2)

    async def work(services: Services) -> None:
        now = services.clock.now()
        chosen = wanted or last_full_month(now, services.config.zone)
        async with services.sessions() as session:
            found = await programme_figures(
                session, month=chosen, region=code, now=now, config=services.config
            )
        if not found.current.has_data:
            fail(f"Nothing happened in {chosen}{f' in {code}' if code else ''}: no report.", 1)
        for table in _tables(found, services.config.nudges.silence_days):
            console.print(table)
        if png is not None:
            _write_charts(found, services, png)
        if csv is not None:
            _write_csv(found, csv)

    run_with_services(work)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _tables(found: ProgrammeFigures, silence_days: int) -> list[Table]:
    month = found.current
    where = f", {found.region}" if found.region else ""
    youths = Table(title=f"Youths, {month.month}{where}")
    youths.add_column("figure")
    youths.add_column("value", justify="right")
    youths.add_row("registered", str(month.registrations))
    youths.add_row("screened", str(month.screened))
    youths.add_row("eligible", str(month.eligible))
    youths.add_row("paired", str(month.paired))
    youths.add_row("days to pairing, median", _number(month.median_days))
    youths.add_row("days to pairing, 90th percentile", _number(month.p90_days))
    health = Table(title=f"Active pairs now: {found.active_pairs}")
    health.add_column("health")
    health.add_column("pairs", justify="right")
    shown = {
        "silent": f"no contact for {silence_days} days",
        "at_risk": "at risk",
        "checkin_due": "check-in due",
        "on_track": "on track",
    }
    for name in HEALTHS:
        health.add_row(shown.get(name, name.replace("_", " ")), str(found.health.get(name, 0)))
    exits = Table(title=f"Exits: {month.exits_count}")
    exits.add_column("kind")
    exits.add_column("pairs", justify="right")
    for kind, count in month.exits.items():
        exits.add_row(safe(kind.replace("_", " ")), str(count))
    exits.add_row("positive (job at diploma level)", _share(month.positive_share))
    return [youths, health, exits, *_series(found.months)]


def _series(months: tuple[MonthFigures, ...]) -> list[Table]:
    """The months side by side, in two tables narrow enough for an 80-column terminal."""
    youths = _month_table(
        "Youths by month",
        ("registered", "screened", "eligible", "paired", "median days", "p90 days"),
    )
    follow_up = _month_table(
        "Follow-up by month",
        ("check-ins answered", "contacts per pair", "events", "answers", "attended", "exits"),
    )
    for month in months:
        youths.add_row(
            month.month,
            str(month.registrations),
            str(month.screened),
            str(month.eligible),
            str(month.paired),
            _number(month.median_days),
            _number(month.p90_days),
        )
        follow_up.add_row(
            month.month,
            _share(month.response_rate),
            _number(month.contacts_per_pair),
            str(month.events),
            str(sum(month.answers.values())),
            str(month.attended),
            str(month.exits_count),
        )
    return [youths, follow_up]


def _month_table(title: str, headers: tuple[str, ...]) -> Table:
    table = Table(title=title)
    table.add_column("month", no_wrap=True)
    for header in headers:
        table.add_column(header, justify="right")
    return table


def _folder(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"Cannot write in {path}: {error.strerror}", 3)
    return path


def _write_charts(found: ProgrammeFigures, services: Services, folder: Path) -> None:
    labels = TemplateLabels(services.renderer)
    drawn = charts.charts(found, labels, services.config.default_locale)
    target = _folder(folder)
    for chart in drawn:
        path = target / chart.attachment(found.month).filename
        path.write_bytes(chart.png)
        console.print(f"Chart written: {safe(str(path))}")


def _series_row(month: MonthFigures) -> list[object]:
    return [
        month.month,
        month.registrations,
        month.screened,
        month.eligible,
        month.paired,
        month.median_days,
        month.p90_days,
        month.checkins_asked,
        month.checkins_answered,
        month.contacts,
        month.pairs_under_way,
        month.events,
        month.answers.get("yes", 0),
        month.answers.get("maybe", 0),
        month.answers.get("no", 0),
        month.attended,
        month.exits_count,
        month.positive,
    ]


def _write_csv(found: ProgrammeFigures, folder: Path) -> None:
    """`figures-<month>.csv` (a line a month) and one file per count table (by region)."""
    target = _folder(folder)
    written = [target / f"figures-{found.month}.csv"]
    write_csv(written[0], SERIES_COLUMNS, [_series_row(m) for m in found.months])
    for table in count_tables(found):
        path = target / f"{table.name}-{found.month}.csv"
        header = [table.row_header, *table.columns]
        write_csv(
            path, header, [[row, *line] for row, line in zip(table.rows, table.counts, strict=True)]
        )
        written.append(path)
    for path in written:
        console.print(f"CSV written: {safe(str(path))}")
