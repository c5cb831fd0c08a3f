"""`mentorbot cases`: the open cases (oldest first), take one, resolve one."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import console, fail, named, run_with_services, safe
from bot.cli.sending import send_now
from bot.container import Services
from conversations.staff import cases
from storage.models import Case, Person

_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]+")
_BY = "Your Slack user id (U…), for the audit log and as the case's owner."


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Cases: requests for a person on the staff, to take and resolve.",
        invoke_without_command=True,
    )
    group.callback()(cases_list)
    group.command("take")(take)
    group.command("resolve")(resolve)
    app.add_typer(group, name="cases")


def cases_list(ctx: typer.Context) -> None:
    """List the open cases, oldest first, with their age and owner."""
    if ctx.invoked_subcommand is not None:
        return

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            found = await cases.open_cases(session)
            rows = [(case, await _person(session, case.person_id)) for case in found]
        console.print(_table(rows, services.clock.now()))
        console.print(
            "Take: mentorbot cases take ID --by SLACK_ID\n"
            "Resolve: mentorbot cases resolve ID --by SLACK_ID"
        )

    run_with_services(work)


def _table(rows: Sequence[tuple[Case, Person | None]], now: datetime) -> Table:
    table = Table(title=f"Open cases ({len(rows)})")
    for column in ("case", "age", "kind", "person", "owner", "message"):
        table.add_column(column)
    for case, person in rows:
        table.add_row(
            str(case.id),
            _age(now - case.opened_at),
            safe(case.kind),
            named(person.id, person.display_name) if person else "-",
            safe(case.owner or "-"),
            safe(case.text or "", multiline=True),
        )
    return table


def _age(elapsed: timedelta) -> str:
    """How long a case has been open: `3d 4h`, or `2h 15m` under a day."""
    seconds = int(elapsed.total_seconds())
    days, rest = divmod(max(seconds, 0), 86400)
    return f"{days}d {rest // 3600}h" if days else f"{rest // 3600}h {rest % 3600 // 60}m"


def take(
    case_id: Annotated[int, typer.Argument(help="Case id (see `mentorbot cases`).")],
    by: Annotated[str, typer.Option("--by", help=_BY)],
) -> None:
    """Take a case; the person who asked is told someone from the team has it."""
    _change(case_id, by, cases.take_case)


def resolve(
    case_id: Annotated[int, typer.Argument(help="Case id (see `mentorbot cases`).")],
    by: Annotated[str, typer.Option("--by", help=_BY)],
) -> None:
    """Resolve a case; the person who asked is told."""
    _change(case_id, by, cases.resolve_case)


_SAID = {
    cases.Outcome.TAKEN: "Case {id} taken by {by}.",
    cases.Outcome.ALREADY_YOURS: "Case {id} is already yours.",
    cases.Outcome.TAKEN_BY_OTHER: "Case {id} is already taken by {owner}.",
    cases.Outcome.RESOLVED: "Case {id} resolved.",
    cases.Outcome.ALREADY_RESOLVED: "Case {id} was already resolved.",
    cases.Outcome.UNKNOWN: "No case {id}.",
}
_DONE = frozenset({cases.Outcome.TAKEN, cases.Outcome.RESOLVED, cases.Outcome.ALREADY_YOURS})


def _change(
    case_id: int,
    by: str,
    change: Callable[..., Awaitable[cases.CaseChange]],
) -> None:
    staff = by.strip()
    if not _SLACK_USER_ID.fullmatch(staff):
        fail(f"--by takes your Slack user id (U…), not {safe(by)!r}.", 2)

    async def work(services: Services) -> None:
        async with services.sessions() as session, session.begin():
            done = await change(session, case_id=case_id, staff=staff, now=services.clock.now())
            owner = done.case.owner if done.case is not None else None
        said = _SAID[done.outcome].format(id=case_id, by=staff, owner=safe(owner or "-"))
        if done.outcome not in _DONE:
            fail(said, 1)
        console.print(said)
        await send_now(services)

    run_with_services(work)


async def _person(session: AsyncSession, person_id: int | None) -> Person | None:
    return await session.get(Person, person_id) if person_id is not None else None
