"""`mentorbot pair` and `mentorbot checkin`: a pairing made, a check-in sent, by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import console, fail, find_people, run_with_services, safe
from bot.cli.sending import send_now
from bot.container import Services
from conversations.mentor import checkin
from conversations.staff import pairing
from conversations.staff.people import label
from storage.models import Role


def register(app: typer.Typer) -> None:
    app.command("pair")(pair)
    app.command("checkin")(checkin_now)


# the rule `find_person` applies, as `mentorbot pair --help` tells it
REFERENCE_HELP = (
    "person id (12, or '#12' quoted: an unquoted # starts a shell comment), email, "
    "Slack user id (U...) or Telegram id (tg:123456789); a bare number of more than 6 "
    "digits is also tried as a Telegram id"
)


def pair(
    youth: Annotated[str, typer.Argument(help=f"The youth: {REFERENCE_HELP}.")],
    mentor: Annotated[str, typer.Argument(help=f"The mentor: {REFERENCE_HELP}.")],
    by: Annotated[str, typer.Option("--by", help="Your name, for the audit log.")],
) -> None:
    """Pair an eligible youth with a mentor who has room; both are told.

    Person ids (#12) are those `mentorbot review` and `mentorbot status --unpaired` show.
    """

    async def work(services: Services) -> None:
        async with services.sessions() as session, session.begin():
            found_youth, found_mentor = await find_people(
                session, (youth, Role.YOUTH), (mentor, Role.MENTOR)
            )
            both = (
                f"youth {label(found_youth.id, found_youth.display_name)} with mentor "
                f"{label(found_mentor.id, found_mentor.display_name)}"
            )
            try:
                made = await pairing.pair(
                    session,
                    youth_id=found_youth.id,
                    mentor_id=found_mentor.id,
                    staff=by,
                    now=services.clock.now(),
                    config=services.config,
                )
            except pairing.PairingError as error:
                fail(f"Cannot pair {both}: {error}", 1)
        console.print(f"Pairing {made.id} created: {safe(both)}.")
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
