"""`mentorbot youths|mentors`: lists with filters, one person shown with their pairs, search
by name or email; and what `mentorbot pairs` (bot/cli/pair_actions.py) shares with them.

`mentorbot mentor add` (bot/cli/mentors.py) registers a mentor; `mentors` here finds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from bot.cli.common import console, fail, find_people, named, run_with_services, safe
from bot.container import Services
from conversations.pairs.followup import waiting_days
from conversations.parsing.regions import parse_region
from conversations.rules.regions import REGION_NAMES
from conversations.staff.health import cutoffs
from storage import directory
from storage.directory import (
    ELIGIBLE,
    MentorFilter,
    MentorLine,
    Page,
    PairFilter,
    PairLine,
    YouthFilter,
    YouthLine,
    YouthStatus,
)
from storage.models import MentorStatus, Role

__all__ = [
    "BY",
    "LIMIT",
    "OFFSET",
    "REF",
    "REGION",
    "checked",
    "day",
    "health_cutoffs",
    "more",
    "pair_table",
    "region_code",
    "region_name",
    "register",
    "words",
]

LIMIT = typer.Option("--limit", min=1, max=500, help="How many lines at most.")
OFFSET = typer.Option("--offset", min=0, help="Skip this many lines (the next page).")
REGION = typer.Option("--region", help="Region code or name (idf, 'Île-de-France', Paris...).")
BY = typer.Option("--by", help="Your name, for the audit log.")
REF = "person id (12 or '#12'), email, Slack user id (U...) or Telegram id (tg:123456789)"
YOUTH_STATUSES = (*(s.value for s in YouthStatus), ELIGIBLE)


def register(app: typer.Typer) -> None:
    youths = typer.Typer(help="Youths: list, show, search.", no_args_is_help=True)
    youths.command("list")(youths_list)
    youths.command("show")(youths_show)
    youths.command("search")(youths_search)
    app.add_typer(youths, name="youths")
    mentors = typer.Typer(help="Mentors: list, show, search.", no_args_is_help=True)
    mentors.command("list")(mentors_list)
    mentors.command("show")(mentors_show)
    mentors.command("search")(mentors_search)
    app.add_typer(mentors, name="mentors")


# --------------------------------------------------------------------------- options


def checked(value: str | None, allowed: Sequence[str], option: str) -> str | None:
    if value is None:
        return None
    wanted = value.strip().lower().replace("-", "_").replace(" ", "_")
    if wanted not in allowed:
        fail(f"{option} takes one of {', '.join(allowed)}, not '{value}'.", 2)
    return wanted


def region_code(typed: str | None) -> str | None:
    if typed is None:
        return None
    code = parse_region(typed)
    if code is None:
        fail(f"Unknown region '{typed}': give a code such as idf or a region's name.", 2)
    return code


def words(code: str | None) -> str:
    return (code or "-").replace("_", " ")


def region_name(code: str | None) -> str:
    return safe(REGION_NAMES.get((code or "").lower(), code or "-"))


def day(moment: datetime | None, services: Services) -> str:
    return f"{moment.astimezone(services.config.zone):%Y-%m-%d}" if moment else "-"


def more(page: Page[Any], shown: int, command: str) -> None:
    """Say how to see the next page, if there is one."""
    if page.total > page.offset + shown:
        console.print(
            f"{page.total - page.offset - shown} more: {command} --offset {page.offset + shown}"
        )


# --------------------------------------------------------------------------- youths


def _youth_table(lines: Sequence[YouthLine], title: str, services: Services) -> Table:
    table = Table(title=title)
    for column in ("youth", "status", "waiting (days)", "region", "email", "pair"):
        table.add_column(column)
    now = services.clock.now()
    for line in lines:
        table.add_row(
            named(line.person_id, line.name),
            words(line.status),
            str(waiting_days(line.waiting_since, now)) if line.waiting_since else "-",
            region_name(line.region),
            safe(line.email or "-"),
            f"#{line.pairing_id}" if line.pairing_id else "-",
        )
    return table


def youths_list(
    region: Annotated[str | None, REGION] = None,
    status: Annotated[
        str | None, typer.Option("--status", help=f"One of {', '.join(YOUTH_STATUSES)}.")
    ] = None,
    waiting_more_than: Annotated[
        int | None,
        typer.Option("--waiting-more-than", min=0, help="Waiting for a mentor for more days."),
    ] = None,
    limit: Annotated[int, LIMIT] = 50,
    offset: Annotated[int, OFFSET] = 0,
) -> None:
    """Youths, those waiting for a mentor first (longest waiting first)."""
    wanted = checked(status, YOUTH_STATUSES, "--status")
    code = region_code(region)

    async def work(services: Services) -> None:
        before = None
        if waiting_more_than is not None:
            # more than N whole days, as the "waiting (days)" column counts them
            before = services.clock.now() - timedelta(days=waiting_more_than + 1)
        filters = YouthFilter(region=code, status=wanted, waiting_before=before)
        async with services.sessions() as session:
            page = await directory.youths(session, filters, limit=limit, offset=offset)
        console.print(_youth_table(page.items, f"Youths ({page.total})", services))
        more(page, len(page.items), "mentorbot youths list")

    run_with_services(work)


def youths_show(reference: Annotated[str, typer.Argument(help=f"The youth: {REF}.")]) -> None:
    """One youth: status, waiting time, email and their pairs."""

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            [person] = await find_people(session, (reference, Role.YOUTH))
            found = await directory.youths(session, YouthFilter(person_ids=(person.id,)))
            their = await directory.pairs(
                session, PairFilter(person_ids=(person.id,)), health_cutoffs(services)
            )
        console.print(_youth_table(found.items, "Youth", services))
        console.print(pair_table(their.items, f"Their pairs ({their.total})", services))

    run_with_services(work)


def youths_search(
    text: Annotated[str, typer.Argument(help="A name (accents or not) or an email.")],
    limit: Annotated[int, LIMIT] = 20,
) -> None:
    """Youths whose name or email matches, best match first."""

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            page = await directory.search_youths(session, text, limit=limit)
        title = f"Youths matching '{safe(text[:60])}' ({page.total})"
        console.print(_youth_table(page.items, title, services))

    run_with_services(work)


# --------------------------------------------------------------------------- mentors


def _mentor_table(lines: Sequence[MentorLine], title: str) -> Table:
    table = Table(title=title)
    for column in ("mentor", "status", "taking mentees", "pairs / capacity", "region", "company"):
        table.add_column(column)
    table.add_column("email")
    for line in lines:
        table.add_row(
            named(line.person_id, line.name),
            safe(line.status),
            "yes" if line.accepting else "not for now",
            f"{line.open_pairs} / {line.capacity}",
            region_name(line.region),
            safe(line.company or "-"),
            safe(line.email or "-"),
        )
    return table


def mentors_list(
    region: Annotated[str | None, REGION] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, active or declined.")
    ] = None,
    accepting: Annotated[
        bool | None,
        typer.Option("--accepting/--not-accepting", help="Taking new mentees for now, or not."),
    ] = None,
    room: Annotated[
        bool | None, typer.Option("--with-room/--full", help="With places left, or full.")
    ] = None,
    limit: Annotated[int, LIMIT] = 50,
    offset: Annotated[int, OFFSET] = 0,
) -> None:
    """Mentors, sign-ups waiting for approval first."""
    wanted = checked(status, tuple(s.value for s in MentorStatus), "--status")
    code = region_code(region)

    async def work(services: Services) -> None:
        filters = MentorFilter(region=code, status=wanted, accepting=accepting, with_room=room)
        async with services.sessions() as session:
            page = await directory.mentors(session, filters, limit=limit, offset=offset)
        console.print(_mentor_table(page.items, f"Mentors ({page.total})"))
        more(page, len(page.items), "mentorbot mentors list")

    run_with_services(work)


def mentors_show(reference: Annotated[str, typer.Argument(help=f"The mentor: {REF}.")]) -> None:
    """One mentor: status, capacity, details and their pairs."""

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            [person] = await find_people(session, (reference, Role.MENTOR))
            found = await directory.mentors(session, MentorFilter(person_ids=(person.id,)))
            their = await directory.pairs(
                session, PairFilter(person_ids=(person.id,)), health_cutoffs(services)
            )
        console.print(_mentor_table(found.items, "Mentor"))
        for line in found.items:
            console.print(
                f"Sector: {safe(line.sector or '-')}; expertise: {safe(line.expertise or '-')}"
            )
        console.print(pair_table(their.items, f"Their pairs ({their.total})", services))

    run_with_services(work)


def mentors_search(
    text: Annotated[str, typer.Argument(help="A name (accents or not) or an email.")],
    limit: Annotated[int, LIMIT] = 20,
) -> None:
    """Mentors whose name or email matches, best match first."""

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            page = await directory.search_mentors(session, text, limit=limit)
        console.print(
            _mentor_table(page.items, f"Mentors matching '{safe(text[:60])}' ({page.total})")
        )

    run_with_services(work)


# --------------------------------------------------------------------------- pairs


def health_cutoffs(services: Services) -> directory.HealthCutoffs:
    return cutoffs(services.clock.now(), services.config.nudges)


def pair_table(lines: Sequence[PairLine], title: str, services: Services) -> Table:
    table = Table(title=title)
    for column in ("pair", "youth", "mentor", "status", "health", "started", "last contact"):
        table.add_column(column)
    table.add_column("region")
    for line in lines:
        status = line.status
        if line.close_reason:
            status = f"{status} ({words(line.close_reason)})"
        table.add_row(
            f"#{line.pairing_id}",
            named(line.youth_id, line.youth_name or "(erased)"),
            named(line.mentor_id, line.mentor_name),
            safe(status),
            words(line.health),
            day(line.started_at, services),
            day(line.last_contact_at, services),
            region_name(line.region),
        )
    return table
