"""Log lines as text or JSON (`MENTORBOT_LOG_FORMAT`), never carrying what people wrote,
their names, emails or our tokens.

Our own lines name people by pseudonymous ids only. Libraries are not as careful: httpx and
PTB put the bot token in the URLs they log, PTB and slack-sdk log whole API payloads at
DEBUG (names, message texts), Bolt logs an unhandled request's body, SQLAlchemy logs
statement parameters and puts them in its errors. So every line goes through `scrub` on
its way out, whichever formatter writes it:

- tokens (Telegram's `123456:AA...`, Slack's `xox?-`/`xapp-`, bearer headers) and the
  secrets of the settings are replaced, everywhere, as are email addresses and
  SQLAlchemy's `[parameters: ...]`;
- in a library's line (not one of our packages) every quoted string is replaced too, except
  dict keys and what is plainly a code (`'channel_not_found'`, a Slack id): that is where
  payloads, names and texts sit in a repr or in JSON;
- a library's `extra` fields are dropped (a JSON line would show them).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

__all__ = [
    "OWN_PACKAGES",
    "REDACTED",
    "PrivateJsonFormatter",
    "PrivateTextFormatter",
    "Scrubber",
    "formatter",
    "stream_handler",
]

# our packages: their lines are written with ids only (a review rule)
OWN_PACKAGES = frozenset({"bot", "handlers", "conversations", "scheduler", "storage", "bench"})
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
REDACTED = "[redacted]"

_TOKENS = (
    # Telegram bot tokens (also inside API URLs: .../bot123456:AA.../sendMessage)
    re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}"),
    # Slack tokens: bot, user, app-level, configuration, refresh
    re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+"),
    re.compile(r"(?i)\b(bearer)(\s+)(?!\[redacted\])[^\s'\",]+"),
    # "secret_token=...", "token: ...": the word stays, the value goes
    re.compile(r"(?i)(token|secret)(\s*[=:]\s*)(?!\[redacted\])[^\s'\",&}]+"),
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# SQLAlchemy's errors and logs: "[parameters: (...)]" up to the end of its line
_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(?:\n|$|\(Background))", re.DOTALL)
# a quoted string in a repr or in JSON, with its escapes
_QUOTED = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*\"""")
# quoted strings a library's line may keep: error codes and Slack/Telegram ids
_CODES = (
    re.compile(r"[a-z]+(?:_[a-z0-9]+)+"),  # channel_not_found, invalid_auth
    re.compile(r"[A-Z]{1,2}[A-Z0-9]*[0-9][A-Z0-9]*"),  # U0123ABC, C042, D1
    re.compile(r"[0-9]{10}\.[0-9]{6}"),  # a Slack message ts
    re.compile(r"[a-z]+\.[a-z]+[A-Z][A-Za-z]*"),  # chat.postMessage
)
# LogRecord's own attributes: anything else on a library's record is an `extra`
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _kept_or_redacted(found: re.Match[str], text: str) -> str:
    quoted = found.group(0)
    inner = quoted[1:-1]
    # a dict key (followed by ":") says what the value is, not who
    after = text[found.end() : found.end() + 2].lstrip()
    if after.startswith(":") or any(code.fullmatch(inner) for code in _CODES):
        return quoted
    return f"{quoted[0]}{REDACTED}{quoted[0]}"


class Scrubber:
    """Takes tokens, secrets, emails and statement parameters out of a text (and, for a
    library's text, its quoted strings)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # the longest first, so that one secret containing another is replaced whole
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str, *, library: bool = False) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        for pattern in _TOKENS:
            text = pattern.sub(_token_redacted, text)
        text = _PARAMETERS.sub("[parameters: hidden]", text)
        text = _EMAIL.sub(REDACTED, text)
        if library:
            text = _QUOTED.sub(lambda found: _kept_or_redacted(found, text), text)
        return text

    def exception(self, text: str) -> str:
        """A traceback: its code lines kept, its messages (whoever raised them) scrubbed as
        a library's line."""
        return "\n".join(
            self(line, library=not line.startswith(("  ", "Traceback ", "\t")))
            for line in text.splitlines()
        )


def _token_redacted(found: re.Match[str]) -> str:
    if found.lastindex:  # "token=...": keep the word, hide the value
        return f"{found.group(1)}{found.group(2)}{REDACTED}"
    return REDACTED


def _is_library(name: str) -> bool:
    return name.split(".", 1)[0] not in OWN_PACKAGES


def _scrubbed(record: logging.LogRecord, scrub: Scrubber) -> logging.LogRecord:
    """A copy of `record` safe to write (the record itself is left to the other handlers)."""
    library = _is_library(record.name)
    fields: dict[str, Any] = {
        key: value for key, value in vars(record).items() if not library or key in _RECORD_FIELDS
    }
    copy = logging.makeLogRecord(fields)
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # arguments that do not fit the format
        message = str(record.msg)
    copy.msg, copy.args = scrub(message, library=library), None
    copy.exc_text = None
    return copy


class _Private(logging.Formatter):
    """What both formatters share: the record scrubbed before it is written."""

    scrub: Scrubber = Scrubber()

    def format(self, record: logging.LogRecord) -> str:
        return self.scrub(super().format(_scrubbed(record, self.scrub)))

    def formatException(self, ei: Any) -> str:
        return self.scrub.exception(logging.Formatter.formatException(self, ei))

    def formatStack(self, stack_info: str) -> str:
        return self.scrub(super().formatStack(stack_info))


class PrivateTextFormatter(_Private):
    """`time LEVEL logger: message`, scrubbed."""

    def __init__(self, scrub: Scrubber) -> None:
        super().__init__(TEXT_FORMAT)
        self.scrub = scrub


class PrivateJsonFormatter(_Private, JsonFormatter):
    """One JSON object a line (`asctime`, `levelname`, `name`, `message`, `exc_info`),
    scrubbed."""

    def __init__(self, scrub: Scrubber) -> None:
        JsonFormatter.__init__(self, JSON_FIELDS, json_ensure_ascii=False)
        self.scrub = scrub


def formatter(log_format: str, secrets: Iterable[str] = ()) -> logging.Formatter:
    """The formatter of `MENTORBOT_LOG_FORMAT` (`text` or `json`), hiding `secrets`."""
    scrub = Scrubber(secrets)
    if log_format == "json":
        return PrivateJsonFormatter(scrub)
    return PrivateTextFormatter(scrub)


def stream_handler(
    log_format: str, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.StreamHandler[TextIO]:
    """A handler writing to `stream` (stderr by default) with `formatter`."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(log_format, secrets))
    return handler
