"""The `mentorbot` command line."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import time
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from bot.app import PlatformUnavailable, Services, build, dispatcher
from bot.settings import Settings, SettingsError, load_settings
from conversations.rules.calendar import SendingWindow
from conversations.rules.eligibility import RulesError
from storage.database import DatabaseUnavailable, describe, reachable, upgrade

logger = logging.getLogger(__name__)

app = typer.Typer(
    help="Mentorbot: mentoring follow-up for youths (Telegram), mentors (Slack) and staff.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
review_app = typer.Typer(
    help="Staff review: applications to decide and requests to talk to a person.",
    invoke_without_command=True,
)
mentor_app = typer.Typer(help="Mentors (Slack).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(mentor_app, name="mentor")
app.add_typer(review_app, name="review")

console = Console()
errors = Console(stderr=True)
T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        errors.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(2) from None


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request (with the bot token in the URL) at INFO
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # alembic tells every start that it checked the schema; only problems are worth a line
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _run(work: Callable[[Services], Awaitable[T]], *, migrate: bool = True) -> T:
    """Build the services, make sure the schema is current, run `work`, close everything."""
    settings = _settings()
    _configure_logging(settings)

    async def main() -> T:
        try:
            services = build(settings)
        except RulesError as error:
            errors.print(f"[red]MENTORBOT_RULES_FILE: {error}[/red]", highlight=False)
            raise typer.Exit(2) from None
        try:
            async with reachable(services.db):
                if migrate:
                    await upgrade(services.db)
                return await work(services)
        finally:
            await services.close()

    try:
        return _asyncio_run(main())
    except DatabaseUnavailable as error:
        errors.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(3) from None


def _asyncio_run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@app.command()
def run() -> None:
    """Start the bot on every platform that has a token (Telegram, Slack).

    With no platform token, starts a chat in this terminal instead.
    """

    async def work(services: Services) -> None:
        settings = services.settings
        if settings.telegram_bot_token is None and settings.slack_bot_token is None:
            if sys.stdin.isatty():
                console.print(
                    "[yellow]No TELEGRAM_BOT_TOKEN nor SLACK_BOT_TOKEN set: talking to the bot "
                    "here, in the terminal (see README to connect Telegram and Slack). /quit to "
                    "leave.[/yellow]"
                )
                await _chat(services, "console", None)
                return
            errors.print(
                "[red]No platform token set (TELEGRAM_BOT_TOKEN, SLACK_BOT_TOKEN). Set one in "
                ".env, or try `mentorbot chat` to talk to the bot in a terminal.[/red]"
            )
            raise typer.Exit(2)
        from bot.app import serve

        try:
            await serve(services)
        except PlatformUnavailable as error:
            errors.print(f"[red]{error}[/red]", highlight=False)
            raise typer.Exit(3) from None

    _run(work)


async def _chat(services: Services, user: str, language: str | None) -> None:
    from handlers.console import ConsoleSender, chat
    from scheduler.dispatcher import Dispatcher, DispatchPolicy

    def write(text: str) -> None:
        console.print(text, highlight=False, markup=False)

    async def read() -> str | None:
        try:
            return await asyncio.to_thread(input, "> ")
        except EOFError:
            return None

    # the terminal is a demo: messages show at once, whatever the hour
    always = SendingWindow(
        opens=time(0, 0),
        closes=time(23, 59, 59),
        weekdays=frozenset(range(7)),
        skip_public_holidays=False,
    )
    dispatcher = Dispatcher(
        services.sessions,
        {"console": ConsoleSender(services.renderer, write)},
        services.clock,
        policy=DispatchPolicy(window=always, zone=services.settings.zone, daily_budget=False),
    )
    await chat(
        services.engine,
        services.renderer,
        read,
        write,
        external_id=f"console:{user}",
        language=language,
        before_prompt=lambda: _quietly(dispatcher.run_once()),
    )


async def _quietly(work: Awaitable[object]) -> None:
    await work


@app.command("chat")
def chat_command(
    user: Annotated[
        str, typer.Option(help="Who you are in this chat (each name is a person).")
    ] = "me",
    language: Annotated[str | None, typer.Option(help="fr or en")] = None,
) -> None:
    """Talk to the bot in this terminal, as a youth would on Telegram (no token needed)."""
    _run(lambda services: _chat(services, user, language))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database schema, or migrate it to the latest version."""

    async def work(services: Services) -> None:
        console.print(f"Database {describe(services.settings.database_url)} is up to date.")

    _run(work)


@review_app.callback()
def review_list(ctx: typer.Context) -> None:
    """List applications waiting for review and requests to talk to a person."""
    if ctx.invoked_subcommand is not None:
        return
    from conversations.staff import review

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            items = await review.queue(session)
            requests = await review.open_requests(session)
        table = Table(title=f"Applications to review ({len(items)})")
        for column in ("id", "name", "since", "why", "answers"):
            table.add_column(column)
        for item in items:
            answers = ", ".join(f"{k}={v}" for k, v in item.answers.items() if k != "email")
            table.add_row(
                str(item.application_id),
                item.name or "-",
                f"{item.decided_at:%Y-%m-%d}" if item.decided_at else "-",
                ", ".join(item.reasons),
                answers,
            )
        console.print(table)
        table = Table(title=f"Requests to staff ({len(requests)})")
        for column in ("id", "kind", "name", "since", "message"):
            table.add_column(column)
        for request, person in requests:
            table.add_row(
                str(request.id),
                request.kind,
                (person.display_name if person else None) or "-",
                f"{request.created_at:%Y-%m-%d}",
                request.message or "",
            )
        console.print(table)
        console.print(
            "Decide: mentorbot review decide ID eligible|not-eligible --by NAME [--note TEXT]\n"
            "Resolve a request: mentorbot review resolve ID --by NAME"
        )

    _run(work)


@review_app.command("decide")
def review_decide(
    application_id: Annotated[int, typer.Argument(help="Application id (see `mentorbot review`).")],
    verdict: Annotated[str, typer.Argument(help="eligible or not-eligible")],
    by: Annotated[str, typer.Option("--by", help="Your name, for the audit log.")],
    note: Annotated[str | None, typer.Option(help="A message for the youth.")] = None,
) -> None:
    """Record a decision on an application; the youth is told on Telegram."""
    from conversations.staff import review

    normalised = verdict.strip().lower().replace("-", "_")
    if normalised not in {v.value for v in review.Verdict}:
        errors.print(f"[red]Verdict must be eligible or not-eligible, not {verdict!r}.[/red]")
        raise typer.Exit(2)

    async def work(services: Services) -> None:
        try:
            async with services.sessions() as session, session.begin():
                await review.decide(
                    session,
                    application_id=application_id,
                    verdict=review.Verdict(normalised),
                    note=note,
                    staff=by,
                    now=services.clock.now(),
                    config=services.config,
                )
        except review.ReviewError as error:
            errors.print(f"[red]{error}[/red]", highlight=False)
            raise typer.Exit(1) from None
        console.print(f"Application {application_id}: {normalised} recorded.")
        await _send_now(services)

    _run(work)


async def _close(senders: dict[str, Any]) -> None:
    for sender in senders.values():
        close = getattr(sender, "close", None)
        if close is not None:
            await close()


def _senders(services: Services) -> dict[str, Any]:
    senders: dict[str, Any] = {}
    if services.settings.telegram_bot_token is not None:
        from handlers.telegram import TelegramSender

        senders["telegram"] = TelegramSender.from_settings(services.settings, services.renderer)
    if services.settings.slack_bot_token is not None:
        from handlers.slack import build_slack

        senders["slack"] = build_slack(services)[1]
    return senders


async def _send_now(services: Services) -> None:
    senders = _senders(services)
    if not senders:
        console.print("Messages will go out when the bot runs (`mentorbot run`).")
        return
    try:
        report = await dispatcher(services, senders).run_until_empty()
    finally:
        await _close(senders)
    console.print(
        f"Messages sent now: {report.sent}; queued for later: {report.retried + report.postponed}"
        " (outside sending hours, or retried)."
    )


@mentor_app.command("add")
def mentor_add(
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
    from conversations.pairs import lifecycle as pairing

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
            errors.print(f"[red]{error}[/red]", highlight=False)
            raise typer.Exit(1) from None
        console.print(f"Mentor {person.id} ({slack_id}) registered, capacity {capacity}.")

    _run(work)


async def _slack_id_for(services: Services, email: str) -> str:
    from slack_sdk.errors import SlackApiError

    from handlers.slack import build_client

    token = services.settings.slack_bot_token
    if token is None:
        errors.print("[red]Looking a mentor up by email needs SLACK_BOT_TOKEN.[/red]")
        raise typer.Exit(2)
    client = build_client(
        token.get_secret_value(), services.settings.slack_api_url, retry_on_rate_limit=True
    )
    try:
        response = await client.users_lookupByEmail(email=email)
    except SlackApiError as error:
        errors.print(f"[red]Slack does not know {email}: {error.response.get('error')}[/red]")
        raise typer.Exit(1) from None
    return str((response.get("user") or {}).get("id"))


@app.command("pair")
def pair_command(
    youth: Annotated[int, typer.Argument(help="The youth's person id.")],
    mentor: Annotated[str, typer.Argument(help="The mentor: person id, Slack id or email.")],
    by: Annotated[str, typer.Option("--by", help="Your name, for the audit log.")],
) -> None:
    """Pair an eligible youth with a mentor who has room; both are told."""
    from conversations.pairs import lifecycle as pairing

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
            errors.print(f"[red]{error}[/red]", highlight=False)
            raise typer.Exit(1) from None
        console.print(f"Pairing {made.id} created: youth {youth} with mentor {found.id}.")
        await _send_now(services)

    _run(work)


@app.command("checkin")
def checkin_command(
    pairing_id: Annotated[int, typer.Argument(help="The pairing id.")],
) -> None:
    """Send this month's check-in of a pairing now (once per month)."""
    from conversations.mentor import checkin

    async def work(services: Services) -> None:
        try:
            async with services.sessions() as session, session.begin():
                made = await checkin.start_checkin(
                    session, pairing_id=pairing_id, now=services.clock.now(), config=services.config
                )
        except checkin.CheckinError as error:
            errors.print(f"[red]{error}[/red]", highlight=False)
            raise typer.Exit(1) from None
        console.print(f"Check-in {made.id} ({made.period}) queued for pairing {pairing_id}.")
        await _send_now(services)

    _run(work)


@app.command("send")
def send_due() -> None:
    """Send the proactive messages that are due now (the running bot does this by itself)."""
    _run(_send_now)


@app.command("scheduler")
def scheduler_command(
    once: Annotated[
        bool, typer.Option("--once", help="Run the ticks and send what is due once, then stop.")
    ] = False,
) -> None:
    """Run only the scheduler: what is due (nudges, reminders, escalations) and the outbox.

    `mentorbot run` already includes it; this is for a separate process (or cron, --once).
    """
    from bot.app import build_scheduler

    async def work(services: Services) -> None:
        senders = _senders(services)
        scheduler = build_scheduler(services, senders)
        try:
            if once:
                report = await scheduler.tick()
                sent = await scheduler.dispatch()
                console.print(f"Due work: {report.counts}; messages sent: {sent.sent}.")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            scheduler.start()
            console.print("Scheduler running; Ctrl+C to stop.")
            await stop.wait()
        finally:
            await scheduler.stop()
            await _close(senders)

    _run(work)


@app.command("status")
def status_command(
    unpaired: Annotated[
        bool, typer.Option("--unpaired", help="List every eligible youth waiting for a mentor.")
    ] = False,
) -> None:
    """The outbox queue (due, pending, sent today, failed, in doubt) and who is unreachable."""
    from scheduler.status import gather

    async def work(services: Services) -> None:
        async with services.sessions() as session:
            status = await gather(session, services.clock.now(), services.config)
        table = Table(title="Outbox")
        table.add_column("state")
        table.add_column("messages", justify="right")
        for label, count in status.queue:
            table.add_row(label, str(count))
        console.print(table)
        if status.in_doubt:
            table = Table(
                title="In doubt: may or may not have arrived (check, then resend by hand)"
            )
            for column in ("id", "to", "message", "since", "why"):
                table.add_column(column)
            for row in status.in_doubt:
                table.add_row(*row)
            console.print(table)
        console.print(f"Unreachable people (blocked the bot...): {len(status.unreachable)}")
        for line in status.unreachable[:20]:
            console.print(f"  {line}")
        console.print(
            f"Eligible youths waiting for a mentor for more than "
            f"{services.config.nudges.unpaired_days} days: {len(status.unpaired)}"
        )
        for line in status.unpaired if unpaired else status.unpaired[:10]:
            console.print(f"  {line}")

    _run(work)


@review_app.command("resolve")
def review_resolve(
    request_id: Annotated[int, typer.Argument(help="Request id (see `mentorbot review`).")],
    by: Annotated[str, typer.Option("--by", help="Your name, for the audit log.")],
) -> None:
    """Mark a request to talk to a person as handled."""
    from conversations.staff import review

    async def work(services: Services) -> None:
        try:
            async with services.sessions() as session, session.begin():
                await review.resolve_request(
                    session, request_id=request_id, staff=by, now=services.clock.now()
                )
        except review.ReviewError as error:
            errors.print(f"[red]{error}[/red]", highlight=False)
            raise typer.Exit(1) from None
        console.print(f"Request {request_id} resolved.")

    _run(work)


def main() -> None:
    # python-telegram-bot 22: durations (RetryAfter.retry_after...) as timedelta, no warning
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    app()
