"""`mentorbot status`: the outbox queue, doubts, unreachable and unpaired people."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bot.app import Services
from bot.cli.common import console, run_with_services, safe
from scheduler.status import Status, gather


def register(app: typer.Typer) -> None:
    app.command("status")(status)


def status(
    unpaired: Annotated[
        bool, typer.Option("--unpaired", help="List every eligible youth waiting for a mentor.")
    ] = False,
) -> None:
    """The outbox queue (due, pending, sent today, failed, in doubt) and who is unreachable."""

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            found = await gather(session, services.clock.now(), services.config)
        console.print(_queue(found))
        if found.in_doubt:
            console.print(_in_doubt(found))
        console.print(f"Unreachable people (blocked the bot...): {len(found.unreachable)}")
        for line in found.unreachable[:20]:
            console.print(f"  {safe(line)}")
        console.print(
            f"Eligible youths waiting for a mentor for more than "
            f"{services.config.nudges.unpaired_days} days: {len(found.unpaired)}"
        )
        for line in found.unpaired if unpaired else found.unpaired[:10]:
            console.print(f"  {safe(line)}")

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
