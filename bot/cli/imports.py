"""`mentorbot import mentors|youths FILE`: a partner's spreadsheet in (CSV, UTF-8 or
Windows-1252, comma or semicolon), checked row by row, written in one transaction.

Imported youths are not on Telegram yet: `--links FILE` writes each one's personal deep link
(`https://t.me/<bot>?start=<token>`, single use) for staff to send them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import TelegramError

from bot.cli.common import console, fail, run_with_services, safe
from bot.container import Services
from conversations.core.messages import Channel
from conversations.core.spreadsheet import write_csv
from conversations.staff import import_plan, imports
from conversations.staff.import_plan import Applied, Link, Plan
from conversations.staff.imports import FileError, People, Rejection

__all__ = ["register"]

# rejected rows printed in the terminal; every one goes to --rejects
SHOWN_REJECTIONS = 200
REASONS = "staff.import."


class Language(StrEnum):
    EN = "en"
    FR = "fr"


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Spreadsheets in: mentors or youths from a partner's CSV file.",
        no_args_is_help=True,
    )
    group.command("mentors")(mentors)
    group.command("youths")(youths)
    app.add_typer(group, name="import")


_FILE = typer.Argument(
    help="The CSV file (UTF-8 or Windows-1252, comma or semicolon separated).",
    exists=True,
    dir_okay=False,
    readable=True,
)
By = Annotated[str, typer.Option("--by", help="Your name, for the audit log.")]
DryRun = Annotated[
    bool,
    typer.Option("--dry-run", help="Check everything against the database, write nothing."),
]
Encoding = Annotated[
    str | None,
    typer.Option(help="The file's encoding (e.g. utf-8, cp1252); found by itself otherwise."),
]
Rejects = Annotated[
    Path | None,
    typer.Option("--rejects", help="Write the rejected rows (line, column, value, reason) here."),
]
Lang = Annotated[Language, typer.Option("--lang", help="Language of the reasons.")]


def mentors(
    file: Annotated[Path, _FILE],
    by: By,
    dry_run: DryRun = False,
    encoding: Encoding = None,
    rejects: Rejects = None,
    lang: Lang = Language.EN,
) -> None:
    """Import mentors: email and first_name required; slack_id, company, sector, expertise,
    region, capacity, languages, remote optional. They are active at once."""
    _import(People.MENTORS, file, by, dry_run, encoding, rejects, None, lang)


def youths(
    file: Annotated[Path, _FILE],
    by: By,
    dry_run: DryRun = False,
    encoding: Encoding = None,
    rejects: Rejects = None,
    links: Annotated[
        Path | None,
        typer.Option(
            "--links", help="Write each imported youth's personal Telegram link (CSV) here."
        ),
    ] = None,
    lang: Lang = Language.EN,
) -> None:
    """Import youths: email and first_name required; birth_date, region, diploma, field,
    source optional. Each gets a single-use personal link to start the bot with."""
    _import(People.YOUTHS, file, by, dry_run, encoding, rejects, links, lang)


def _import(
    people: People,
    file: Path,
    by: str,
    dry_run: bool,
    encoding: str | None,
    rejects: Path | None,
    links: Path | None,
    lang: Language,
) -> None:
    if not by.strip():
        fail("Say who you are (--by) so the import can be audit-logged.", 2)
    try:
        data = file.read_bytes()
    except OSError as error:
        fail(f"Cannot read {file}: {error.strerror}", 1)

    async def work(services: Services) -> None:
        username = await _bot_username(services) if links is not None and not dry_run else None
        today = services.clock.now().astimezone(services.settings.zone).date()
        try:
            parsed = imports.read(data, people, today=today, encoding=encoding)
        except FileError as error:
            fail(_text(services, lang, error.reason, error.values), 1)
        for code, values in parsed.notices.items():
            console.print(f"[yellow]{safe(_text(services, lang, code, values))}[/yellow]")
        try:
            async with services.sessions() as session, session.begin():
                plan = await import_plan.check(session, parsed)
                applied = None if dry_run else await _apply(services, session, plan, by)
        except SQLAlchemyError as error:
            fail(
                "The import failed and was rolled back: nothing was imported "
                f"({type(error).__name__}).",
                3,
            )
        _summary(services, lang, plan, applied, people)
        if rejects is not None:
            _write(
                rejects, ("line", "column", "value", "reason"), _reject_rows(services, lang, plan)
            )
        if links is not None and applied is not None and username is not None:
            count = _write(
                links,
                ("line", "email", "first_name", "link"),
                [_link_row(link, username) for link in applied.links],
            )
            console.print(f"{count} personal link(s) written to {safe(str(links))}.")
        elif links is not None:
            console.print("Dry run: no links written (nobody was created).")

    run_with_services(work)


async def _apply(services: Services, session: AsyncSession, plan: Plan, by: str) -> Applied:
    progress = Progress(
        TextColumn("Importing"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    )
    with progress:
        task = progress.add_task("import", total=len(plan.new))
        return await import_plan.apply(
            session,
            plan,
            by=by,
            now=services.clock.now(),
            done=lambda count: progress.advance(task, count),
        )


async def _bot_username(services: Services) -> str:
    """The bot's @username: the setting, else Telegram's getMe with the token."""
    settings = services.settings
    if settings.telegram_bot_username:
        return settings.telegram_bot_username
    token = settings.telegram_bot_token
    if token is None:
        fail(
            "--links needs the bot's username: set TELEGRAM_BOT_USERNAME "
            "(or TELEGRAM_BOT_TOKEN, to ask Telegram).",
            2,
        )
    try:
        async with Bot(token.get_secret_value(), base_url=settings.telegram_api_base_url) as bot:
            return bot.username
    except TelegramError as error:
        fail(f"Telegram did not give the bot's username ({type(error).__name__}).", 3)


def _text(services: Services, lang: Language, code: str, values: Mapping[str, Any]) -> str:
    return services.renderer.text(REASONS + code, lang, Channel.CONSOLE, dict(values))


def _reason(services: Services, lang: Language, rejection: Rejection) -> str:
    context = {**rejection.values, "column": rejection.column, "value": rejection.value}
    return _text(services, lang, rejection.reason, context)


def _summary(
    services: Services, lang: Language, plan: Plan, applied: Applied | None, people: People
) -> None:
    new, unchanged, rejected = len(plan.new), len(plan.unchanged), len(plan.rejected)
    if applied is None:
        console.print(
            f"Dry run, {people}: {new} would be imported, {unchanged} unchanged, "
            f"{rejected} rejected. Nothing was written."
        )
    else:
        console.print(
            f"{people.capitalize()}: {applied.imported} imported, {unchanged} unchanged, "
            f"{rejected} rejected."
        )
    if not plan.rejected:
        return
    table = Table("Line", "Reason", title="Rejected rows", title_justify="left")
    for rejection in plan.rejected[:SHOWN_REJECTIONS]:
        table.add_row(str(rejection.line), safe(_reason(services, lang, rejection)))
    console.print(table)
    if rejected > SHOWN_REJECTIONS:
        console.print(f"… and {rejected - SHOWN_REJECTIONS} more: see --rejects FILE.")


def _reject_rows(services: Services, lang: Language, plan: Plan) -> list[Sequence[object]]:
    return [(r.line, r.column, r.value, _reason(services, lang, r)) for r in plan.rejected]


def _link_row(link: Link, username: str) -> Sequence[object]:
    return (link.line, link.email, link.first_name, f"https://t.me/{username}?start={link.token}")


def _write(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> int:
    try:
        return write_csv(path, header, rows)
    except OSError as error:
        fail(f"Cannot write {path}: {error.strerror}", 1)
