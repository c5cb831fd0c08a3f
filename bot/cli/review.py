"""`mentorbot review`: applications to decide and requests to talk to a person."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import console, fail, named, run_with_services, safe
from bot.cli.sending import send_now
from bot.container import Services
from conversations.staff import review
from storage.models import Person, SupportRequest


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Staff review: applications to decide and requests to talk to a person.",
        invoke_without_command=True,
    )
    group.callback()(review_list)
    group.command("decide")(decide)
    group.command("resolve")(resolve)
    app.add_typer(group, name="review")


def review_list(ctx: typer.Context) -> None:
    """List applications waiting for review and requests to talk to a person."""
    if ctx.invoked_subcommand is not None:
        return

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            items = await review.queue(session)
            requests = await review.open_requests(session)
        console.print(_applications(items))
        console.print(_requests(requests))
        console.print(
            "Decide: mentorbot review decide ID eligible|not-eligible --by NAME [--note TEXT]\n"
            "Resolve a request: mentorbot review resolve ID --by NAME\n"
            "Pair: mentorbot pair YOUTH MENTOR --by NAME (YOUTH: the #id shown, typed 12 or '#12')"
        )

    run_with_services(work)


def _applications(items: list[review.ReviewItem]) -> Table:
    table = Table(title=f"Applications to review ({len(items)})")
    # "application": the id `review decide` takes, not the person's (#12, what `pair` takes)
    for column in ("application", "person", "since", "why", "answers"):
        table.add_column(column)
    for item in items:
        answers = ", ".join(f"{k}={v}" for k, v in item.answers.items() if k != "email")
        table.add_row(
            str(item.application_id),
            named(item.person_id, item.name),
            f"{item.decided_at:%Y-%m-%d}" if item.decided_at else "-",
            safe(", ".join(str(reason) for reason in item.reasons)),
            safe(answers),
        )
    return table


def _requests(requests: list[tuple[SupportRequest, Person | None]]) -> Table:
    table = Table(title=f"Requests to staff ({len(requests)})")
    for column in ("request", "kind", "person", "since", "message"):
        table.add_column(column)
    for request, person in requests:
        table.add_row(
            str(request.id),
            safe(request.kind),
            named(person.id, person.display_name) if person else "-",
            f"{request.created_at:%Y-%m-%d}",
            safe(request.message or "", multiline=True),
        )
    return table


def decide(
    application_id: Annotated[int, typer.Argument(help="Application id (see `mentorbot review`).")],
    verdict: Annotated[str, typer.Argument(help="eligible or not-eligible")],
    by: Annotated[str, typer.Option("--by", help="Your name, for the audit log.")],
    note: Annotated[str | None, typer.Option(help="A message for the youth.")] = None,
) -> None:
    """Record a decision on an application; the youth is told on Telegram."""
    normalised = verdict.strip().lower().replace("-", "_")
    if normalised not in {v.value for v in review.Verdict}:
        fail(f"Verdict must be eligible or not-eligible, not {verdict!r}.", 2)

    async def work(services: Services) -> None:
        try:
            async with services.sessions() as session, session.begin():
                application = await review.decide(
                    session,
                    application_id=application_id,
                    verdict=review.Verdict(normalised),
                    note=note,
                    staff=by,
                    now=services.clock.now(),
                    config=services.config,
                )
                whose = await _whose(session, application.person_id)
        except review.ReviewError as error:
            fail(error, 1)
        console.print(f"Application {application_id}{whose}: {normalised} recorded.")
        await send_now(services)

    run_with_services(work)


def resolve(
    request_id: Annotated[int, typer.Argument(help="Request id (see `mentorbot review`).")],
    by: Annotated[str, typer.Option("--by", help="Your name, for the audit log.")],
) -> None:
    """Mark a request to talk to a person as handled."""

    async def work(services: Services) -> None:
        try:
            async with services.sessions() as session, session.begin():
                await review.resolve_request(
                    session, request_id=request_id, staff=by, now=services.clock.now()
                )
                request = await session.get(SupportRequest, request_id)
                whose = await _whose(session, request.person_id if request else None)
        except review.ReviewError as error:
            fail(error, 1)
        console.print(f"Request {request_id}{whose} resolved.")

    run_with_services(work)


async def _whose(session: AsyncSession, person_id: int | None) -> str:
    """` (#12 Inès)`, whom an application or request is about, ready for rich markup; empty
    when it is about nobody any more."""
    person = await session.get(Person, person_id) if person_id is not None else None
    return f" ({named(person.id, person.display_name)})" if person is not None else ""
