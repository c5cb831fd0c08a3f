"""`mentorbot audit`: who did what and when (staff actions, imports, exports, erasures, the
rules files noticed at start), newest first, as a table or a CSV file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from bot.cli.common import console, fail, run_with_services, safe
from bot.container import Services
from conversations.core.spreadsheet import write_csv
from storage import audit
from storage.models import AuditLog

__all__ = ["CSV_COLUMNS", "register"]

# what the table shows when --limit is not given (the CSV file has every entry then)
SHOWN = 50
CSV_COLUMNS = ("at", "actor", "action", "person", "detail")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_log)


def parse_since(text: str, zone: ZoneInfo) -> datetime:
    """`2026-11-01` (from midnight in the programme's zone) or a date and time
    (`2026-11-01 14:00`, in that zone unless it has an offset); exits 2 if neither."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        pass
    else:
        return datetime.combine(day, time(0), tzinfo=zone)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"Not a date: {text!r} (give 2026-11-01, or '2026-11-01 14:00').", 2)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _detail(detail: dict[str, Any]) -> str:
    """`key=value` pairs in one line, values as JSON when not plain text or numbers."""
    return ", ".join(
        f"{key}={value if isinstance(value, str | int | float) else json.dumps(value)}"
        for key, value in sorted(detail.items())
    )


def _table(entries: Sequence[AuditLog], zone: ZoneInfo, more: bool) -> Table:
    title = f"Audit log, newest first ({len(entries)}{'+' if more else ''})"
    table = Table(title=title)
    for column in ("when", "actor", "action", "person", "detail"):
        table.add_column(column)
    for entry in entries:
        table.add_row(
            f"{entry.at.astimezone(zone):%Y-%m-%d %H:%M}",
            safe(entry.actor),
            safe(entry.action),
            "" if entry.subject_person_id is None else f"#{entry.subject_person_id}",
            safe(_detail(entry.detail)),
        )
    return table


def _csv_rows(entries: Sequence[AuditLog]) -> list[list[object]]:
    return [
        [
            entry.at.isoformat(),
            entry.actor,
            entry.action,
            entry.subject_person_id,
            json.dumps(entry.detail, ensure_ascii=False, sort_keys=True),
        ]
        for entry in entries
    ]


def audit_log(
    since: Annotated[
        str | None, typer.Option(help="From this day (2026-11-01) or time on.")
    ] = None,
    actor: Annotated[
        str | None, typer.Option(help="Only this actor (a Slack user id, 'system', ...).")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="Only this action (pairing_created, export...), or those it begins (pairing)."
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(min=1, help=f"At most this many entries (default {SHOWN}; the CSV: all)."),
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write the entries to this CSV file.")
    ] = None,
) -> None:
    """Who did what and when, newest first (staff actions, imports, exports, erasures).

    Also the changes of the rules files, noticed when the bot starts.
    """

    async def work(services: Services) -> None:
        zone = services.config.zone
        start = parse_since(since, zone) if since is not None else None
        wanted = limit if limit is not None else (None if csv_file is not None else SHOWN)
        async with services.sessions() as session:
            found = await audit.listing(
                session,
                since=start,
                actor=actor,
                action=kind,
                limit=None if wanted is None else wanted + 1,
            )
        more = wanted is not None and len(found) > wanted
        entries = found[:wanted] if wanted is not None else found
        if csv_file is not None:
            try:
                written = write_csv(csv_file, CSV_COLUMNS, _csv_rows(entries))
            except OSError as error:
                fail(f"Cannot write {csv_file}: {error.strerror or error}", 2)
            console.print(f"{written} entries written to {safe(str(csv_file))}.")
            return
        console.print(_table(entries, zone, more))
        if more:
            console.print(f"Older entries not shown: --limit {2 * (wanted or SHOWN)} for more.")

    run_with_services(work)
