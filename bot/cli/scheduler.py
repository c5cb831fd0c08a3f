"""`mentorbot send` and `mentorbot scheduler`: what is due, outside `mentorbot run`."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

from bot.cli.common import console, run_with_services, safe
from bot.cli.sending import close, send_now, senders
from bot.container import Services, build_scheduler


def register(app: typer.Typer) -> None:
    app.command("send")(send)
    app.command("scheduler")(scheduler)


def send() -> None:
    """Send the proactive messages that are due now (the running bot does this by itself)."""
    run_with_services(send_now)


def scheduler(
    once: Annotated[
        bool, typer.Option("--once", help="Run the ticks and send what is due once, then stop.")
    ] = False,
) -> None:
    """Run only the scheduler: what is due (nudges, reminders, escalations) and the outbox.

    `mentorbot run` already includes it; this is for a separate process (or cron, --once).
    """

    async def work(services: Services) -> None:
        found = senders(services)
        ticking = build_scheduler(services, found)
        try:
            if once:
                report = await ticking.tick()
                sent = await ticking.dispatch()
                console.print(f"Due work: {safe(str(report.counts))}; messages sent: {sent.sent}.")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            ticking.start()
            console.print("Scheduler running; Ctrl+C to stop.")
            await stop.wait()
        finally:
            await ticking.stop()
            await close(found)

    run_with_services(work)
