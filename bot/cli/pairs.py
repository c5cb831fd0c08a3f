"""`mentorbot pair` and `mentorbot checkin`: a pairing made (by hand, or every row of a
proposal file), a check-in sent."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli import suggest
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
    youth: Annotated[
        str | None, typer.Argument(help=f"The youth: {REFERENCE_HELP}.", show_default=False)
    ] = None,
    mentor: Annotated[
        str | None, typer.Argument(help=f"The mentor: {REFERENCE_HELP}.", show_default=False)
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Your name, for the audit log.")] = "",
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Pair every row of a proposal file (`mentorbot suggest --all --csv FILE`, "
            "edited or not): columns youth_id and mentor_id.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Pair an eligible youth with a mentor who has room; both are told.

    Person ids (#12) are those `mentorbot review` and `mentorbot status --unpaired` show.
    With --from FILE, each row of the file is checked and paired; refused rows are listed
    with their line and why (exit 1), the others are paired.
    """
    if not by.strip():
        fail("Say who you are with --by NAME, for the audit log.", 2)
    if from_file is not None:
        if youth is not None or mentor is not None:
            fail("Give either a youth and a mentor, or --from FILE, not both.", 2)
        suggest.apply_file(from_file, by)
        return
    if youth is None or mentor is None:
        fail("Name the youth and the mentor (or give --from FILE).", 2)
    # named for the work below (the checks above do not carry into it)
    youth_reference, mentor_reference = youth, mentor

    async def work(services: Services) -> None:
        async with services.sessions() as session, session.begin():
            found_youth, found_mentor = await find_people(
                session, (youth_reference, Role.YOUTH), (mentor_reference, Role.MENTOR)
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
