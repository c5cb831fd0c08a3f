"""`mentorbot cases`: the open cases (oldest first, yours or nobody's), take one, answer the
person who asked, resolve one."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import console, fail, named, run_with_services, safe
from bot.cli.sending import send_now
from bot.container import Services
from conversations.core import codec
from conversations.staff import case_answers, cases

_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]+")
_BY = "Your Slack user id (U…), for the audit log and as the case's owner."
_ID = "Case id (see `mentorbot cases`): 12 or '#12'."


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Cases: requests for a person on the staff and alerts, to take, answer and resolve.",
        invoke_without_command=True,
    )
    group.callback()(cases_list)
    group.command("take")(take)
    group.command("answer")(answer)
    group.command("resolve")(resolve)
    app.add_typer(group, name="cases")


def cases_list(
    ctx: typer.Context,
    mine: Annotated[
        bool, typer.Option("--mine", help="Only the cases you took (with --by).")
    ] = False,
    unassigned: Annotated[
        bool, typer.Option("--unassigned", help="Only the cases nobody has taken.")
    ] = False,
    by: Annotated[str | None, typer.Option("--by", help=_BY)] = None,
) -> None:
    """List the open cases, oldest first, with their age, kind, who and owner."""
    if ctx.invoked_subcommand is not None:
        return
    if mine and by is None:
        fail("--mine needs --by with your Slack user id (U…).", 2)
    owner = _staff(by) if mine else None

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            lines = await cases.listing(session, owner=owner, unassigned=unassigned)
        console.print(_table(lines, services.clock.now(), mine=mine, unassigned=unassigned))
        console.print(
            "Take: mentorbot cases take ID --by SLACK_ID\n"
            'Answer: mentorbot cases answer ID --by SLACK_ID "your message"\n'
            "Resolve: mentorbot cases resolve ID --by SLACK_ID"
        )

    run_with_services(work)


def _table(
    lines: Sequence[cases.CaseLine], now: datetime, *, mine: bool, unassigned: bool
) -> Table:
    which = "yours" if mine else "unassigned" if unassigned else ""
    title = f"Open cases, {which} ({len(lines)})" if which else f"Open cases ({len(lines)})"
    table = Table(title=title)
    for column in ("case", "age", "kind", "who", "owner", "message"):
        table.add_column(column)
    for line in lines:
        case = line.case
        kind = f"{case.kind}: {case.topic}" if case.topic else case.kind
        table.add_row(
            f"#{case.id}",
            _age(now - case.opened_at),
            safe(kind),
            _who(line),
            safe(case.owner or "-"),
            safe(case.text or "", multiline=True),
        )
    return table


def _who(line: cases.CaseLine) -> str:
    """The person who asked, or for an alert the pair, named as they are now."""
    if line.person is not None:
        return named(line.person.id, line.person.display_name)
    if line.pairing is not None:
        mentor, mentee = line.mentor or "(erased)", line.mentee or "(erased)"
        return safe(f"pair #{line.pairing.id}: {mentor} / {mentee}")
    return "-"


def _age(elapsed: timedelta) -> str:
    """How long a case has been open: `3d 4h`, or `2h 15m` under a day."""
    seconds = int(elapsed.total_seconds())
    days, rest = divmod(max(seconds, 0), 86400)
    return f"{days}d {rest // 3600}h" if days else f"{rest // 3600}h {rest % 3600 // 60}m"


def take(
    case_id: Annotated[str, typer.Argument(help=_ID)],
    by: Annotated[str, typer.Option("--by", help=_BY)],
) -> None:
    """Take a case; the person who asked is told someone from the team has it."""
    _change(_case_id(case_id), _staff(by), cases.take_case)


def resolve(
    case_id: Annotated[str, typer.Argument(help=_ID)],
    by: Annotated[str, typer.Option("--by", help=_BY)],
) -> None:
    """Resolve a case; the person who asked is told."""
    _change(_case_id(case_id), _staff(by), cases.resolve_case)


def answer(
    case_id: Annotated[str, typer.Argument(help=_ID)],
    text: Annotated[str, typer.Argument(help="Your message to the person who asked.")],
    by: Annotated[str, typer.Option("--by", help=_BY)],
) -> None:
    """Write to the person who asked (on Telegram or in Slack, at once), as a reply in the
    case's thread would; the answer is shown in the thread too. Takes the case if nobody
    has it, reopens it if it was resolved."""
    number, staff = _case_id(case_id), _staff(by)
    if not text.strip():
        fail("The message is empty: nothing was sent.", 2)

    async def work(services: Services) -> None:
        async with services.sessions() as session, session.begin():
            done = await case_answers.answer_from_cli(
                session,
                case_id=number,
                staff=staff,
                text=text,
                now=services.clock.now(),
                config=services.config,
            )
        said = _ANSWERED[done.outcome].format(
            id=number, to=safe(done.to or "the person"), channel=done.channel or "-"
        )
        if done.outcome not in (cases.Outcome.ANSWERED, cases.Outcome.REOPENED):
            fail(said, 1)
        console.print(said)
        await send_now(services)

    run_with_services(work)


_ANSWERED = {
    cases.Outcome.ANSWERED: "Answer to case {id} queued for {to} ({channel}).",
    cases.Outcome.REOPENED: "Case {id} was resolved: reopened, answer queued for {to} ({channel}).",
    cases.Outcome.NOBODY: "Case {id} has nobody to answer (an alert, or the person erased "
    "their data).",
    cases.Outcome.EMPTY: "The message is empty: nothing was sent.",
    cases.Outcome.UNKNOWN: "No case {id}.",
}
_SAID = {
    cases.Outcome.TAKEN: "Case {id} taken by {by}.",
    cases.Outcome.ALREADY_YOURS: "Case {id} is already yours.",
    cases.Outcome.TAKEN_BY_OTHER: "Case {id} is already taken by {owner}.",
    cases.Outcome.RESOLVED: "Case {id} resolved.",
    cases.Outcome.ALREADY_RESOLVED: "Case {id} was already resolved.",
    cases.Outcome.UNKNOWN: "No case {id}.",
}
_DONE = frozenset({cases.Outcome.TAKEN, cases.Outcome.RESOLVED, cases.Outcome.ALREADY_YOURS})


def _case_id(typed: str) -> int:
    """A case id as typed: `12` or `#12`."""
    number = codec.parse_id(typed.strip().removeprefix("#"))
    if number is None:
        fail(f"A case id is a number such as 12 or '#12', not {safe(typed)!r}.", 2)
    return number


def _staff(by: str | None) -> str:
    staff = (by or "").strip()
    if not _SLACK_USER_ID.fullmatch(staff):
        fail(f"--by takes your Slack user id (U…), not {safe(by or '')!r}.", 2)
    return staff


def _change(
    case_id: int,
    staff: str,
    change: Callable[..., Awaitable[cases.CaseChange]],
) -> None:
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
