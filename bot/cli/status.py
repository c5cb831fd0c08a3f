"""`mentorbot status`: the outbox queue, doubts, unreachable and unpaired people."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import console, named, run_with_services, safe
from bot.container import Services
from conversations.pairs.followup import waiting_days
from scheduler.status import Status, gather
from scheduler.ticks import unpaired_query


def register(app: typer.Typer) -> None:
    app.command("status")(status)


def status(
    unpaired: Annotated[
        bool, typer.Option("--unpaired", help="List every eligible youth waiting for a mentor.")
    ] = False,
) -> None:
    """The outbox queue (due, pending, sent today, failed, in doubt) and who is unreachable."""

    async def work(services: Services) -> None:
        now, days = services.clock.now(), services.config.nudges.unpaired_days
        async with services.sessions() as session:
            found = await gather(session, now, services.config)
            waiting = (await session.execute(unpaired_query(now, days))).all()
        console.print(_queue(found))
        if found.in_doubt:
            console.print(_in_doubt(found))
        console.print(f"Unreachable people (blocked the bot...): {len(found.unreachable)}")
        for line in found.unreachable[:20]:
            console.print(f"  {safe(line)}")
        console.print(
            f"Eligible youths waiting for a mentor for more than {days} days: {len(waiting)}"
        )
        # from the rows, not `found.unpaired`'s lines: each youth named by the #id that
        # `mentorbot pair` takes
        for application, person in waiting if unpaired else waiting[:10]:
            console.print(
                f"  youth {named(person.id, person.display_name)} "
                f"({safe(application.region or '-')}), "
                f"eligible for {waiting_days(application.decided_at, now)} days"
            )

    run_with_services(work)


def _queue(found: Status) -> Table:
    table = Table(title="Outbox")
    table.add_column("state")
    table.add_column("messages", justify="right")
    for label, count in found.queue:
        table.add_row(safe(label), str(count))
    return table


def _in_doubt(found: Status) -> Table:
    table = Table(title="In doubt: may or may not have arrived (check, then resend by hand)")
    for column in ("id", "to", "message", "since", "why"):
        table.add_column(column)
    for row in found.in_doubt:
        table.add_row(*(safe(cell) for cell in row))
    return table
