"""`mentorbot pairs`: list with filters (region, status, health), show, search; pause,
resume, close with a reason and re-pair, audit-logged, both sides told."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import typer

from bot.cli.common import console, fail, find_people, named, run_with_services, safe
from bot.cli.people import (
    BY,
    LIMIT,
    OFFSET,
    REF,
    REGION,
    checked,
    day,
    health_cutoffs,
    more,
    pair_table,
    region_code,
    words,
)
from bot.cli.sending import send_now
from bot.container import Services
from conversations.core import codec
from conversations.staff import pair_actions as actions
from conversations.staff.health import HEALTHS
from conversations.staff.pairing import PairingError
from storage import directory
from storage.directory import PairFilter
from storage.models import CloseReason, PairingStatus, Role

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    pairs = typer.Typer(
        help="Pairs: list, show, search, pause, resume, close, re-pair.", no_args_is_help=True
    )
    for name, command in (
        ("list", pairs_list),
        ("show", pairs_show),
        ("search", pairs_search),
        ("pause", pause),
        ("resume", resume),
        ("close", close),
        ("repair", repair),
    ):
        pairs.command(name)(command)
    app.add_typer(pairs, name="pairs")


def pairs_list(
    region: Annotated[str | None, REGION] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="proposed, active, paused or closed.")
    ] = None,
    health: Annotated[
        str | None,
        typer.Option("--health", help=f"One of {', '.join(h.value for h in HEALTHS)}."),
    ] = None,
    limit: Annotated[int, LIMIT] = 50,
    offset: Annotated[int, OFFSET] = 0,
) -> None:
    """Pairs, the ones in trouble first (silent, at risk, check-in due), then by newest."""
    wanted = checked(status, tuple(s.value for s in PairingStatus), "--status")
    judged = checked(health, tuple(h.value for h in HEALTHS), "--health")
    code = region_code(region)

    async def work(services: Services) -> None:
        filters = PairFilter(region=code, status=wanted, health=judged)
        async with services.sessions() as session:
            page = await directory.pairs(
                session, filters, health_cutoffs(services), limit=limit, offset=offset
            )
        console.print(pair_table(page.items, f"Pairs ({page.total})", services))
        more(page, len(page.items), "mentorbot pairs list")

    run_with_services(work)


def _pair_id(typed: str) -> int:
    number = codec.parse_id(typed.strip().removeprefix("#"))
    if number is None:
        fail(f"A pair id is a number such as 12 or '#12', not '{typed}'.", 2)
    return number


def pairs_show(pairing: Annotated[str, typer.Argument(help="The pair id: 12 or '#12'.")]) -> None:
    """One pair: who, status, health and dates."""
    number = _pair_id(pairing)

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            page = await directory.pairs(
                session, PairFilter(pairing_ids=(number,)), health_cutoffs(services)
            )
        if not page.items:
            fail(f"No pair {number}.", 1)
        console.print(pair_table(page.items, f"Pair #{number}", services))
        line = page.items[0]
        if line.closed_at:
            console.print(f"Closed on {day(line.closed_at, services)}.")

    run_with_services(work)


def pairs_search(
    text: Annotated[str, typer.Argument(help="The youth's or the mentor's name or email.")],
    limit: Annotated[int, LIMIT] = 20,
) -> None:
    """Pairs whose youth or mentor matches (a pair id finds that pair)."""

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            page = await directory.search_pairs(
                session, text, health_cutoffs(services), limit=limit
            )
        title = f"Pairs matching '{safe(text[:60])}' ({page.total})"
        console.print(pair_table(page.items, title, services))

    run_with_services(work)


Action = Callable[..., Awaitable[object]]


def _act(number: int, by: str, said: str, action: Action, **more: object) -> None:
    if not by.strip():
        fail("--by is empty: say who you are, for the audit log.", 2)

    async def work(services: Services) -> None:
        async with services.sessions() as session, session.begin():
            try:
                await action(
                    session,
                    pairing_id=number,
                    staff=by,
                    now=services.clock.now(),
                    config=services.config,
                    **more,
                )
            except PairingError as error:
                fail(f"Pair {number}: {error}", 1)
        console.print(said)
        await send_now(services)

    run_with_services(work)


def pause(
    pairing: Annotated[str, typer.Argument(help="The pair id.")],
    by: Annotated[str, BY],
) -> None:
    """Pause a pair: no check-in nor reminder until it resumes; both sides are told."""
    number = _pair_id(pairing)
    _act(
        number,
        by,
        f"Pair {number} paused; the mentor and the youth are told.",
        actions.pause_pair,
    )


def resume(
    pairing: Annotated[str, typer.Argument(help="The pair id.")],
    by: Annotated[str, BY],
) -> None:
    """Resume a paused pair; both sides are told."""
    number = _pair_id(pairing)
    _act(
        number,
        by,
        f"Pair {number} resumed; the mentor and the youth are told.",
        actions.resume_pair,
    )


def close(
    pairing: Annotated[str, typer.Argument(help="The pair id.")],
    reason: Annotated[
        str, typer.Option("--reason", help=f"One of {', '.join(r.value for r in CloseReason)}.")
    ],
    by: Annotated[str, BY],
    note: Annotated[
        str | None, typer.Option("--note", help="A note kept in the pair's log.")
    ] = None,
) -> None:
    """Close a pair with a reason; both sides are told."""
    number = _pair_id(pairing)
    why = checked(reason, tuple(r.value for r in CloseReason), "--reason")
    _act(
        number,
        by,
        f"Pair {number} closed ({words(why)}); the mentor and the youth are told.",
        actions.close_pair,
        reason=why,
        note=note,
    )


def repair(
    pairing: Annotated[str, typer.Argument(help="The pair id.")],
    mentor: Annotated[str, typer.Argument(help=f"The new mentor: {REF}.")],
    by: Annotated[str, BY],
) -> None:
    """Give the pair's youth another mentor: the pair is closed (poor match), a new one made."""
    number = _pair_id(pairing)
    if not by.strip():
        fail("--by is empty: say who you are, for the audit log.", 2)

    async def work(services: Services) -> None:
        async with services.sessions() as session, session.begin():
            [found] = await find_people(session, (mentor, Role.MENTOR))
            try:
                made = await actions.repair_pair(
                    session,
                    pairing_id=number,
                    mentor_id=found.id,
                    staff=by,
                    now=services.clock.now(),
                    config=services.config,
                )
            except PairingError as error:
                fail(f"Pair {number}: {error}", 1)
        console.print(
            f"Pair {number} closed; new pair {made.id} with mentor "
            f"{named(found.id, found.display_name)}. Everyone concerned is told."
        )
        await send_now(services)

    run_with_services(work)
