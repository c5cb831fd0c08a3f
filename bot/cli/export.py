"""`mentorbot export`: the CSV files for funders. One file per table of counts (youths
registered, screened, eligible, paired by region and month; exits by region and kind), each
with its totals and its small cells withheld (`conversations.staff.suppression`): region
codes, months and counts only, never a name, an email or a person's id."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import console, fail, run_with_services, safe
from bot.container import Services
from conversations.core.spreadsheet import write_csv
from conversations.staff import figures
from conversations.staff.suppression import SUPPRESSED, THRESHOLD, PublishedTable, suppress
from storage import audit

__all__ = ["ACTION", "register", "write_tables"]

# the audit log's action for an export
ACTION = "export"
# a table's name is the file's stem: nothing that could leave the directory
_STEM = re.compile(r"[a-z0-9_-]+")


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def _directory(path: Path) -> None:
    """`path` made if missing; exit 2 saying why when it is not a directory we can make."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        fail(f"{path} is a file, not a directory: give a directory for the CSV files.", 2)
    except OSError as error:
        fail(f"Cannot create {path}: {error.strerror or error}.", 2)


def write_tables(directory: Path, tables: list[PublishedTable]) -> list[str]:
    """One CSV file per table in `directory` (`<name>.csv`, header then rows, the totals
    row last); the files' names. `OSError` when one cannot be written."""
    names = []
    for table in tables:
        if not _STEM.fullmatch(table.name):
            raise ValueError(f"not a file name: {table.name!r}")
        name = f"{table.name}.csv"
        write_csv(directory / name, table.header(), table.lines())
        names.append(name)
    return names


def export(
    directory: Annotated[
        Path, typer.Argument(help="Where to write the CSV files (made if missing).")
    ],
    by: Annotated[str, typer.Option("--by", help="Your Slack user id or name, for the audit log.")],
    month: Annotated[
        str | None,
        typer.Option(help="The last month, YYYY-MM (default: last month); 12 months end there."),
    ] = None,
) -> None:
    """Write the funders' CSV files (counts by region and month, small cells withheld).

    Twelve months ending with --month; no figure of fewer than 10 people, and none that
    the totals would give back, is published: both show as "<10".
    """
    wanted = figures.parse_month(month) if month is not None else None
    if month is not None and wanted is None:
        fail(f"Not a month: {month!r} (give YYYY-MM, e.g. 2026-10).", 2)
    _directory(directory)

    async def work(services: Services) -> None:
        now = services.clock.now()
        chosen = wanted or figures.last_full_month(now, services.config.zone)
        async with services.sessions() as session:
            found = await figures.programme_figures(
                session, month=chosen, region=None, now=now, config=services.config
            )
        tables = [suppress(table) for table in figures.count_tables(found)]
        try:
            names = write_tables(directory, tables)
        except OSError as error:
            fail(f"Cannot write in {directory}: {error.strerror or error}.", 2)
        async with services.sessions() as session, session.begin():
            await audit.record(
                session,
                actor=f"staff:{by}",
                action=ACTION,
                now=now,
                detail={"files": names, "month": chosen},
            )
        withheld = sum(table.withheld for table in tables)
        console.print(
            f"{len(names)} files for {found.months[0].month} to {chosen} written to "
            f"{safe(str(directory))}: {', '.join(names)}."
        )
        console.print(
            f'{withheld} figures withheld, shown as "{SUPPRESSED}": fewer than {THRESHOLD} '
            "people, or withheld so that such a figure cannot be worked out from the totals."
        )

    run_with_services(work)
