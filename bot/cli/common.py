"""What every command shares: the consoles, safe text, settings, and running async work
with the services built and closed around it."""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from typing import NoReturn, TextIO, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.container import Services, build
from bot.logs import stream_handler
from bot.ops_alerts import OpsAlerts, build_ops_alerts
from bot.settings import Settings, SettingsError, load_settings
from conversations.core.clock import Clock, SystemClock
from conversations.rules.eligibility import RulesError
from conversations.rules.matching import MatchingError
from conversations.staff import people
from storage.database import DatabaseUnavailable, reachable, upgrade
from storage.models import Person, Role

logger = logging.getLogger(__name__)

console = Console()
errors = Console(stderr=True)
T = TypeVar("T")

# Unicode's Bidi_Control characters: they reorder what follows on the line, so a name can
# make the rest of a row read backwards (U+202E) or hide where it ends
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# line and paragraph separators: some terminals break the line there, as for "\n"
_SEPARATORS = frozenset("\u2028\u2029")
_REPLACEMENT = "\ufffd"


def _visible(character: str, *, multiline: bool) -> str:
    if character == "\t" or (multiline and character == "\n"):
        return character
    code = ord(character)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: "\x1b" shows as "␛"
    if code == 0x7F:
        return "\u2421"  # ␡
    if (
        character in _BIDI_CONTROLS
        or character in _SEPARATORS
        or unicodedata.category(character) in ("Cc", "Cs")  # C1 controls, lone surrogates
    ):
        return _REPLACEMENT
    return character


def safe(text: str, *, multiline: bool = False) -> str:
    """`text` (a name, a message, anything people typed) ready to embed in rich markup:
    printed exactly as typed, never as markup (`[/]`, `[link=...]`), with control and
    bidirectional characters shown as visible symbols instead of reaching the terminal.

    A line break is shown as "␊" unless `multiline` (a message in a table cell), so a
    name cannot forge a line of its own in the output.
    """
    value = text.replace("\r\n", "\n") if multiline else text
    shown = "".join(_visible(character, multiline=multiline) for character in value)
    return escape(shown)


def fail(message: object, code: int) -> NoReturn:
    """Tell the operator what went wrong (in red, on stderr) and exit with `code`:
    1 refused (the message says why), 2 wrong usage or settings, 3 something unreachable."""
    errors.print(f"[red]{safe(str(message), multiline=True)}[/red]", highlight=False)
    raise typer.Exit(code) from None


# where staff find the ids `find_person` takes (`#12` must be quoted in a shell, where an
# unquoted `#` starts a comment: `12` is the same id)
WHERE_IDS: dict[str, str] = {
    Role.YOUTH: "Youths' ids (#12) are shown by `mentorbot review` and "
    "`mentorbot status --unpaired`; type 12 or '#12'.",
    Role.MENTOR: "A mentor's #id is shown by `mentorbot mentor add`; "
    "their Slack user id (U...) or email works too.",
}


async def find_people(session: AsyncSession, *wanted: tuple[str, str]) -> list[Person]:
    """The person each `(reference, role)` names (`conversations.staff.people.find_person`),
    or exit 1 saying, for every reference that names nobody or several people, what was
    looked up and where ids are shown."""
    found: list[Person] = []
    refused: list[str] = []
    for reference, role in wanted:
        try:
            found.append(await people.find_person(session, reference, role=role))
        except people.FindError as error:
            refused.append(f"{error} {WHERE_IDS.get(role, '')}".strip())
    if refused:
        fail("\n".join(refused), 1)
    return found


def named(person_id: int, name: str | None) -> str:
    """A person as staff see them everywhere, `#12 Inès`, ready to embed in rich markup."""
    return safe(people.label(person_id, name))


def settings() -> Settings:
    """The settings, or exit 2 naming the key that is wrong."""
    try:
        return load_settings()
    except SettingsError as error:
        fail(error, 2)


# our own packages: what was handled, sent, refused, at the level the operator chose
OWN_LOGGERS = ("bot", "handlers", "conversations", "scheduler", "storage")


# the names our handlers carry on the root logger (replaced, not added, when configured again)
_HANDLER_NAMES = ("mentorbot", "mentorbot-ops")


def configure_logging(
    settings: Settings, *, stream: TextIO | None = None, clock: Clock | None = None
) -> OpsAlerts | None:
    """Our INFO lines at MENTORBOT_LOG_LEVEL; third-party libraries (APScheduler's "job
    executed" every two seconds, httpx's every request, alembic's schema check) only from
    WARNING, unless the level asked is DEBUG. Lines as text or JSON (MENTORBOT_LOG_FORMAT),
    scrubbed of tokens, emails and what people wrote (`bot.logs`), on stderr (or `stream`);
    ERROR lines summarised in SLACK_OPS_CHANNEL when it is set (the handler is returned)."""
    level = settings.log_level.upper()
    debugging = level == "DEBUG"
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() in _HANDLER_NAMES]:
        root.removeHandler(handler)
    written = stream_handler(settings.log_format, _secrets(settings), stream)
    written.set_name(_HANDLER_NAMES[0])
    root.addHandler(written)
    root.setLevel(logging.DEBUG if debugging else logging.WARNING)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    # httpx logs every request (with the bot token in its URL, scrubbed): noise below WARNING
    logging.getLogger("httpx").setLevel(logging.WARNING)
    alerts = build_ops_alerts(settings, clock or SystemClock())
    if alerts is not None:
        alerts.set_name(_HANDLER_NAMES[1])
        root.addHandler(alerts)
    return alerts


def _secrets(settings: Settings) -> list[str]:
    """The settings' secrets, hidden from every log line should a library write one."""
    found = [
        secret.get_secret_value()
        for secret in (
            settings.telegram_bot_token,
            settings.telegram_webhook_secret,
            settings.slack_bot_token,
            settings.slack_app_token,
            settings.slack_signing_secret,
        )
        if secret is not None
    ]
    password = make_url(settings.database_url).password
    if password:
        found.append(str(password))
    return found


def run_with_services(work: Callable[[Services], Awaitable[T]], *, migrate: bool = True) -> T:
    """Build the services, make sure the schema is current, run `work`, close everything."""
    loaded = settings()
    configure_logging(loaded)

    async def main() -> T:
        try:
            services = build(loaded)
        except RulesError as error:
            fail(f"MENTORBOT_RULES_FILE: {error}", 2)
        except MatchingError as error:
            fail(f"MENTORBOT_MATCHING_FILE: {error}", 2)
        try:
            async with reachable(services.db):
                if migrate:
                    await upgrade(services.db)
                return await work(services)
        finally:
            await services.close()

    try:
        return asyncio.run(main())
    except DatabaseUnavailable as error:
        fail(error, 3)
