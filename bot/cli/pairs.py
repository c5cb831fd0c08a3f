"""`mentorbot pair` and `mentorbot checkin`: a pairing made, a check-in sent, by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import Services
from bot.cli.common import console, fail, run_with_services
from bot.cli.sending import send_now
from conversations.mentor import checkin
from conversations.staff import pairing


def register(app: typer.Typer) -> None:
    app.command("pair")(pair)
    app.command("checkin")(checkin_now)


def pair(
    youth: Annotated[int, typer.Argument(help="The youth's person id.")],
    mentor: Annotated[str, typer.Argument(help="The mentor: person id, Slack id or email.")],
    by: Annotated[str, typer.Option("--by", help="Your name, for the audit log.")],
) -> None:
    """Pair an eligible youth with a mentor who has room; both are told."""

    async def work(services: Services) -> None:
        try:
            async with services.sessions() as session, session.begin():
                found = await pairing.find_mentor(session, mentor)
                if found is None:
                    raise pairing.PairingError(f"No mentor {mentor!r}.")
                made = await pairing.pair(
                    session,
                    youth_id=youth,
                    mentor_id=found.id,
                    staff=by,
                    now=services.clock.now(),
                    config=services.config,
                )
        except pairing.PairingError as error:
            fail(error, 1)
        console.print(f"Pairing {made.id} created: youth {youth} with mentor {found.id}.")
        await send_now(services)

    run_with_services(work)


def checkin_now(
    pairing_id: Annotated[int, typer.Argument(help="The pairing id.")],
) -> None:
    """Send this month's check-in of a pairing now (once per month)."""

    async def work(services: Services) -> None:
        try:
            async with services.sessions() as session, session.begin():
                made = await checkin.start_checkin(
                    session, pairing_id=pairing_id, now=services.clock.now(), config=services.config
                )
        except checkin.CheckinError as error:
            fail(error, 1)
        console.print(f"Check-in {made.id} ({made.period}) queued for pairing {pairing_id}.")
        await send_now(services)

    run_with_services(work)
