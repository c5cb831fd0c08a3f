"""`mentorbot event`: events staff announce. Create (options or a TOML file), list, show,
edit, cancel; announce, preview, send, pause, resume (`bot.cli.event_sending`); report
(with a CSV of recipients) and mark who attended."""

from __future__ import annotations

import csv
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import event_sending
from bot.cli.common import console, fail, named, run_with_services, safe
from bot.cli.event_output import csv_cell, errors_text, print_report, when
from bot.cli.sending import send_now
from bot.container import Services
from conversations.staff import event_report, people
from conversations.staff import events as staff_events
from storage.models import Event, Person

__all__ = ["register"]

BY = "Your Slack user id or name, for the audit log."
TIME_HELP = "'2026-12-03 18:00' in --zone (or ISO with an offset)"
KINDS = ", ".join(staff_events.KINDS)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Events: create, announce, follow, see who came.")
    group.command("create")(create)
    group.command("list")(list_events)
    group.command("show")(show)
    group.command("edit")(edit)
    group.command("cancel")(cancel)
    event_sending.register(group)
    group.command("report")(report)
    group.command("attend")(attend)
    app.add_typer(group, name="event")


def parse_time(text: str, zone: str) -> datetime:
    """A time typed in `zone` ("2026-12-03 18:00"), or ISO with an offset; exits 2 if not."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"Not a date and time: {text!r} (give {TIME_HELP}).", 2)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone(zone))
    return moment


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"Unknown time zone {name!r} (e.g. Europe/Paris, Indian/Reunion).", 2)


def _from_file(path: Path) -> dict[str, Any]:
    """An event from a TOML file (`title`, `kind`, `start`, `end`, `zone`, `place`, `link`,
    `description`, `capacity`)."""
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        fail(f"Cannot read {path}: {error}", 2)
    known = {"title", "kind", "start", "end", "zone", "place", "link", "description", "capacity"}
    unknown = sorted(set(values) - known)
    if unknown:
        fail(f"{path}: unknown keys {', '.join(unknown)} (known: {', '.join(sorted(known))}).", 2)
    return values


def _moment(value: Any, zone: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=_zone(zone))
    if isinstance(value, date):
        fail(f"{value}: give a time too.", 2)
    return parse_time(str(value), zone)


def create(
    title: Annotated[str | None, typer.Option(help="What it is called.")] = None,
    kind: Annotated[str | None, typer.Option(help=f"One of: {KINDS}.")] = None,
    start: Annotated[str | None, typer.Option(help=f"When it starts: {TIME_HELP}.")] = None,
    end: Annotated[str | None, typer.Option(help=f"When it ends: {TIME_HELP}.")] = None,
    zone: Annotated[str | None, typer.Option(help="Time zone of the times.")] = None,
    place: Annotated[str | None, typer.Option(help="The address.")] = None,
    link: Annotated[str | None, typer.Option(help="The link (https://...).")] = None,
    description: Annotated[str | None, typer.Option(help="A few lines about it.")] = None,
    capacity: Annotated[int | None, typer.Option(help="Seats (none: no limit).")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="A TOML file with these fields.")
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="A key of your own: the same key again creates nothing.")
    ] = None,
    by: Annotated[str, typer.Option("--by", help=BY)] = "cli",
) -> None:
    """Create an event (options, or --file event.toml; options win over the file)."""
    values = _from_file(file) if file is not None else {}
    given = {
        "title": title,
        "kind": kind,
        "start": start,
        "end": end,
        "zone": zone,
        "place": place,
        "link": link,
        "description": description,
        "capacity": capacity,
    }
    values.update({name: value for name, value in given.items() if value is not None})

    async def work(services: Services) -> None:
        in_zone = str(values.get("zone") or services.config.zone.key)
        starts_at, ends_at = (
            _moment(values.get("start"), in_zone),
            _moment(values.get("end"), in_zone),
        )
        if (
            starts_at is None
            or ends_at is None
            or not values.get("title")
            or not values.get("kind")
        ):
            fail("An event needs --title, --kind, --start and --end (or a --file with them).", 2)
        draft = staff_events.EventDraft(
            title=str(values["title"]),
            kind=str(values["kind"]),
            starts_at=starts_at,
            ends_at=ends_at,
            zone=in_zone,
            place=values.get("place"),
            link=values.get("link"),
            description=values.get("description"),
            capacity=values.get("capacity"),
        )
        now = services.clock.now()
        try:
            async with services.sessions() as session, session.begin():
                made = await staff_events.create_event(
                    session, draft, staff=by, now=now, request_key=key
                )
        except staff_events.EventProblems as refused:
            fail(errors_text(services, refused.errors), 1)
        said = "Created" if made.created else "Already created (same --key)"
        console.print(
            f"{said}: event {made.event.id}, {safe(made.event.title)}, {when(made.event)}."
        )
        console.print(f"Announce it: mentorbot event announce {made.event.id} --youths --fr FILE")

    run_with_services(work)


def list_events(
    past: Annotated[bool, typer.Option("--past", help="Include events already over.")] = False,
) -> None:
    """Events by start: those not over yet (or all with --past)."""

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            found = await staff_events.list_events(session, services.clock.now(), past=past)
        table = Table(title=f"Events ({len(found)})")
        for column in ("event", "when", "title", "kind", "capacity", "state"):
            table.add_column(column)
        for event in found:
            table.add_row(
                str(event.id),
                when(event),
                safe(event.title),
                event.kind,
                str(event.capacity or "-"),
                event.state,
            )
        console.print(table)

    run_with_services(work)


def show(
    event_id: Annotated[int, typer.Argument(help="Event id (see `mentorbot event list`).")],
) -> None:
    """An event's details and its announcements."""

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            found = (
                await event_report.event_report(session, event_id)
                if await session.get(Event, event_id)
                else None
            )
        if found is None:
            fail(f"No event {event_id}.", 1)
        event = found.event
        console.print(f"Event {event.id}: {safe(event.title)} ({event.kind}, {event.state})")
        console.print(f"When: {when(event)}")
        for label, value in (("Place", event.place), ("Link", event.link)):
            if value:
                console.print(f"{label}: {safe(value)}")
        if event.description:
            console.print(safe(event.description, multiline=True))
        console.print(f"Capacity: {event.capacity or 'no limit'}")
        for part in found.announcements:
            a = part.announcement
            console.print(
                f"Announcement {a.id}: {a.status}, {part.recipients} recipients, "
                f"not after {a.not_after:%Y-%m-%d %H:%M} UTC"
            )

    run_with_services(work)


def edit(
    event_id: Annotated[int, typer.Argument(help="Event id.")],
    title: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option(help=f"One of: {KINDS}.")] = None,
    start: Annotated[str | None, typer.Option(help=TIME_HELP)] = None,
    end: Annotated[str | None, typer.Option(help=TIME_HELP)] = None,
    zone: Annotated[str | None, typer.Option()] = None,
    place: Annotated[str | None, typer.Option()] = None,
    link: Annotated[str | None, typer.Option()] = None,
    description: Annotated[str | None, typer.Option()] = None,
    capacity: Annotated[int | None, typer.Option()] = None,
    by: Annotated[str, typer.Option("--by", help=BY)] = "cli",
) -> None:
    """Change an event; a new date, time or place is told to those who said they would
    come or maybe."""

    async def work(services: Services) -> None:
        in_zone = zone or services.config.zone.key
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("title", title),
                ("kind", kind),
                ("zone", zone),
                ("place", place),
                ("link", link),
                ("description", description),
                ("capacity", capacity),
                ("starts_at", _moment(start, in_zone)),
                ("ends_at", _moment(end, in_zone)),
            )
            if value is not None
        }
        if not changes:
            fail("Nothing to change: give at least one option.", 2)
        try:
            async with services.sessions() as session, session.begin():
                event, told = await staff_events.edit_event(
                    session,
                    event_id,
                    changes,
                    staff=by,
                    now=services.clock.now(),
                    zone=services.config.zone,
                )
        except LookupError:
            fail(f"No event {event_id}.", 1)
        except staff_events.EventProblems as refused:
            fail(errors_text(services, refused.errors), 1)
        console.print(f"Event {event.id} changed; {told} people told.")
        await send_now(services)

    run_with_services(work)


def cancel(
    event_id: Annotated[int, typer.Argument(help="Event id.")],
    by: Annotated[str, typer.Option("--by", help=BY)] = "cli",
) -> None:
    """Cancel an event: its announcements stop; those who answered yes or maybe are told."""

    async def work(services: Services) -> None:
        try:
            async with services.sessions() as session, session.begin():
                _event, told = await staff_events.cancel_event(
                    session, event_id, staff=by, now=services.clock.now(), zone=services.config.zone
                )
        except LookupError:
            fail(f"No event {event_id}.", 1)
        console.print(f"Event {event_id} cancelled; {told} people told.")
        await send_now(services)

    run_with_services(work)


def report(
    event_id: Annotated[int, typer.Argument(help="Event id.")],
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write every recipient and their status here.")
    ] = None,
) -> None:
    """What was sent, pending, failed (and why), unreachable, excluded; the answers, the
    waiting list, who came."""

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            try:
                found = await event_report.event_report(session, event_id)
            except LookupError:
                fail(f"No event {event_id}.", 1)
            rows = await event_report.recipients(session, event_id) if csv_file else []
        print_report(found)
        if csv_file is not None:
            _write_csv(csv_file, rows)
            console.print(f"{len(rows)} recipients written to {safe(str(csv_file))}.")

    run_with_services(work)


def _write_csv(path: Path, rows: Any) -> None:
    columns = (
        "announcement",
        "person",
        "name",
        "role",
        "channel",
        "status",
        "reason",
        "answer",
        "attended",
    )
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_cell(getattr(row, column)) for column in columns])


def _people_in(path: Path) -> list[str]:
    """References from a CSV: its `person` column (or the first one)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as source:
            lines = list(csv.reader(source))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        fail(f"Cannot read {path}: {error}", 2)
    if not lines:
        return []
    header = [cell.strip().lower() for cell in lines[0]]
    column = header.index("person") if "person" in header else 0
    body = lines[1:] if "person" in header or not header[0].lstrip("#").isdigit() else lines
    return [line[column].strip() for line in body if len(line) > column and line[column].strip()]


def attend(
    event_id: Annotated[int, typer.Argument(help="Event id.")],
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="A CSV with a `person` column (ids, emails...).")
    ] = None,
    people: Annotated[
        str | None, typer.Option("--people", help="People who came: '12,14,claire@acme.example'.")
    ] = None,
    by: Annotated[str, typer.Option("--by", help=BY)] = "cli",
) -> None:
    """Mark who came (counted apart from answers)."""
    references = _people_in(csv_file) if csv_file is not None else []
    references += [part.strip() for part in (people or "").split(",") if part.strip()]
    if not references:
        fail("Say who came: --people 12,14 or --csv FILE.", 2)

    async def work(services: Services) -> None:
        async with services.sessions() as session, session.begin():
            found = await _find_anyone(session, references)
            try:
                marked = await staff_events.mark_attendance(
                    session, event_id, [p.id for p in found], staff=by, now=services.clock.now()
                )
            except LookupError:
                fail(f"No event {event_id}.", 1)
        console.print(
            f"{marked} people marked as attending event {event_id}: "
            + ", ".join(named(p.id, p.display_name) for p in found)
        )

    run_with_services(work)


async def _find_anyone(session: AsyncSession, references: list[str]) -> list[Person]:
    """The person each reference names, youth or mentor; exit 1 naming those that fail."""
    found: list[Person] = []
    refused: list[str] = []
    for reference in references:
        try:
            found.append(await people.find_person(session, reference))
        except people.FindError as error:
            refused.append(str(error))
    if refused:
        fail("\n".join(refused), 1)
    return found
