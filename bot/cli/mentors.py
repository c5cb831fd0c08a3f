"""`mentorbot mentor`: registering mentors (Slack)."""

from __future__ import annotations

from typing import Annotated

import typer
from slack_sdk.errors import SlackApiError

from bot.cli.common import console, fail, named, run_with_services, safe
from bot.container import Services
from conversations.staff import pairing
from handlers.slack import build_client


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Mentors (Slack).", no_args_is_help=True)
    group.command("add")(add)
    app.add_typer(group, name="mentor")


def add(
    who: Annotated[str, typer.Argument(help="Slack user id (U...) or email known to Slack.")],
    by: Annotated[str, typer.Option("--by", help="Your name, for the audit log.")],
    name: Annotated[str | None, typer.Option(help="First name shown to the mentee.")] = None,
    company: Annotated[str | None, typer.Option()] = None,
    sector: Annotated[str | None, typer.Option()] = None,
    region: Annotated[str | None, typer.Option(help="Region code, e.g. IDF.")] = None,
    capacity: Annotated[int, typer.Option(help="Mentees at a time.")] = 1,
    language: Annotated[str, typer.Option(help="fr or en")] = "fr",
) -> None:
    """Register a mentor (or update their profile); an email is looked up in Slack."""

    async def work(services: Services) -> None:
        slack_id, email = who.strip(), None
        if "@" in slack_id:
            email, slack_id = slack_id, await _slack_id_for(services, slack_id)
        details = pairing.MentorDetails(
            slack_user_id=slack_id,
            display_name=name,
            email=email,
            company=company,
            sector=sector,
            region=region,
            capacity=capacity,
            locale=language if language in ("fr", "en") else "fr",
        )
        try:
            async with services.sessions() as session, session.begin():
                person = await pairing.add_mentor(
                    session, details, staff=by, now=services.clock.now()
                )
        except pairing.PairingError as error:
            fail(error, 1)
        console.print(
            f"Mentor {named(person.id, person.display_name)} ({safe(slack_id)}) registered, "
            f"capacity {capacity}."
        )

    run_with_services(work)


async def _slack_id_for(services: Services, email: str) -> str:
    """The Slack user id of the member with this email."""
    token = services.settings.slack_bot_token
    if token is None:
        fail("Looking a mentor up by email needs SLACK_BOT_TOKEN.", 2)
    client = build_client(
        token.get_secret_value(), services.settings.slack_api_url, retry_on_rate_limit=True
    )
    try:
        response = await client.users_lookupByEmail(email=email)
    except SlackApiError as error:
        fail(f"Slack does not know {email}: {error.response.get('error')}", 1)
    return str((response.get("user") or {}).get("id"))
