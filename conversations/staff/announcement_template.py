"""Staff's announcement templates: Jinja2 in a sandbox, checked before anything is sent.

A template may use the event's fields and the recipient's first name (`VARIABLES`); it is
rendered in `jinja2.sandbox.SandboxedEnvironment` with `StrictUndefined`, so an unknown
variable, a syntax error or anything the sandbox refuses (`{{ ''.__class__.__mro__ }}`,
a huge `'a' * 10**9`) is a `TemplateProblem` with its line, found at preview, never at
sending time.

The first name is the one thing that differs from one recipient to the next: it is
rendered as a marker and the text is kept as the pieces around it (`segments`), which the
outbox's template joins with each person's name when it sends.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_timezone_location
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from storage.models import Event

__all__ = [
    "MAX_TEXT",
    "VARIABLES",
    "TemplateProblem",
    "body_values",
    "problems",
    "segments",
]

# what a template may use
VARIABLES = (
    "title",
    "kind",
    "date",
    "start",
    "end",
    "when",
    "place",
    "link",
    "description",
    "capacity",
    "first_name",
)
# a rendered announcement stays within one Slack section (3,000) and one Telegram message
MAX_TEXT = 3000
# the longest string or sequence an operator in a template may build
_MAX_BUILT = 10_000
_MARK = "\x00"
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
# an event's kind as a template shows it (staff's templates are data, not files: these
# words are given to them as the `kind` variable)
KIND_WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "webinar": "webinaire",
        "information_meeting": "réunion d'information",
        "job_dating": "job dating",
        "online_fair": "salon en ligne",
        "workshop": "atelier",
        "national_meeting": "rencontre nationale",
        "other": "événement",
    },
    "en": {
        "webinar": "webinar",
        "information_meeting": "information meeting",
        "job_dating": "job dating",
        "online_fair": "online fair",
        "workshop": "workshop",
        "national_meeting": "national meeting",
        "other": "event",
    },
}


@dataclass(frozen=True)
class TemplateProblem:
    """What is wrong with a template: `code` is syntax, unknown_variable, refused, empty,
    too_long or error; `line` counts from 1 (0: the whole template)."""

    locale: str
    code: str
    line: int
    detail: str


class _Sandbox(SandboxedEnvironment):
    """The sandbox, also refusing to build huge strings or lists (`'a' * 10**9`)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int) and abs(right) > 64:
                raise SecurityError("exponent too large")
            return left**right
        size = max(_length(left), _length(right))
        other = right if _length(left) else left
        if size and isinstance(other, int) and size * other > _MAX_BUILT:
            raise SecurityError("the result would be too large")
        return left * right


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


@lru_cache(maxsize=1)
def _sandbox() -> _Sandbox:
    env = _Sandbox(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    env.globals.clear()  # no range, cycler, lipsum...: only the variables given
    return env


@lru_cache(maxsize=64)
def _compiled(source: str) -> Template:
    """A staff template compiled once (a sending renders it for every batch and zone)."""
    return _sandbox().from_string(source)


def _template_line(error: BaseException) -> int:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "<template>"]
    return int(frames[-1].lineno or 0) if frames else 0


def _name_line(ast: nodes.Template, name: str) -> int:
    for node in ast.find_all(nodes.Name):
        if node.name == name:
            return int(node.lineno)
    return 0


def problems(
    source: str | None, locale: str, samples: list[Mapping[str, Any]]
) -> list[TemplateProblem]:
    """What is wrong with `source`, rendered with each of `samples` (every time zone and the
    event's real fields), before anything is sent."""
    if source is None or not source.strip():
        return [TemplateProblem(locale, "empty", 0, "")]
    if len(source) > MAX_TEXT:
        return [TemplateProblem(locale, "too_long", 0, str(MAX_TEXT))]
    env = _sandbox()
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as error:
        return [TemplateProblem(locale, "syntax", int(error.lineno or 0), error.message or "")]
    unknown = sorted(meta.find_undeclared_variables(ast) - set(VARIABLES))
    if unknown:
        return [
            TemplateProblem(locale, "unknown_variable", _name_line(ast, name), name)
            for name in unknown
        ]
    template = _compiled(source)
    for values in samples:
        try:
            text = template.render(values)
        except SecurityError as error:
            return [TemplateProblem(locale, "refused", _template_line(error), str(error))]
        except UndefinedError as error:
            return [TemplateProblem(locale, "unknown_variable", _template_line(error), str(error))]
        except Exception as error:
            detail = f"{type(error).__name__}: {error}"
            return [TemplateProblem(locale, "error", _template_line(error), detail)]
        if len(text) > MAX_TEXT:
            return [TemplateProblem(locale, "too_long", 0, str(MAX_TEXT))]
    return []


def segments(source: str, values: Mapping[str, Any]) -> list[str]:
    """The rendered text as the pieces around the first name (`problems` found nothing)."""
    text = _compiled(source).render({**values, "first_name": _MARK}).strip()
    return text.split(_MARK)


def _day(moment: datetime, locale: str) -> str:
    text = format_date(moment, "EEEE d MMMM y", locale=BABEL_LOCALES.get(locale, locale))
    if locale == "fr" and moment.day == 1:
        text = text.replace(" 1 ", " 1er ", 1)
    return text


def _hour(moment: datetime, locale: str) -> str:
    if locale == "fr":
        return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{f':{moment.minute:02d}' if moment.minute else ''} {suffix}"


def body_values(event: Event, locale: str, zone: ZoneInfo, first_name: str) -> dict[str, Any]:
    """The variables of a template for one language and time zone."""
    start = event.starts_at.astimezone(zone)
    end = event.ends_at.astimezone(zone)
    city = get_timezone_location(zone, locale=BABEL_LOCALES.get(locale, locale), return_city=True)
    same_day = start.date() == end.date()
    until = _hour(end, locale) if same_day else f"{_day(end, locale)} {_hour(end, locale)}"
    if locale == "fr":
        when = f"{_day(start, locale)}, {_hour(start, locale)} – {until} (heure de {city})"
    else:
        when = f"{_day(start, locale)}, {_hour(start, locale)} – {until} ({city} time)"
    return {
        "title": event.title,
        "kind": KIND_WORDS.get(locale, KIND_WORDS["fr"]).get(event.kind, event.kind),
        "date": _day(start, locale),
        "start": _hour(start, locale),
        "end": until,
        "when": when,
        "place": event.place or "",
        "link": event.link or "",
        "description": event.description or "",
        "capacity": event.capacity or "",
        "first_name": first_name,
    }
