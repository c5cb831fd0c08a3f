"""What the bot says: Jinja2 templates per locale, rendered for each channel.

Templates live in `templates/<locale>/<area>/<name>.j2` (key `area.name`); a channel can
override one with `templates/<locale>/_<channel>/<area>/<name>.j2`. They are written in a
small HTML subset (`<b>`, `<i>`, `<a href>`, `<code>`) with autoescape on, so anything a
person typed is shown literally. That subset is Telegram's HTML; it is converted to Slack
mrkdwn and to plain text for the terminal.

Besides `t(key, **extra)` (another template, inline), templates get filters that turn what
the code stores into words: `date` and `datetime` (a date, a datetime or its ISO text, in
the reader's language: "1er décembre 2026", "1 December 2026"), `day_time` and `zone_city`
(a meeting's day and hour in a person's time zone: "jeudi 3 décembre à 14 h", and that
zone's city: "Paris"), `month` (a "YYYY-MM" period: "mars 2026"), `region_name` ("idf" ->
"Île-de-France") and `diploma_label`, `situation_label`, `outcome_label`, `contract_label`,
`at_level_label`, `close_reason_label` (a code -> its `choice.*` / `close_reason.*` label).
An unknown code is shown as it is rather than failing the message.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, get_timezone_location
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    pass_context,
)
from jinja2.runtime import Context
from markupsafe import Markup

from conversations.core.messages import Channel, Choice, Rendered, Reply
from conversations.rules.regions import REGION_ALIASES, REGION_NAMES

LOCALES = ("fr", "en")
# English is British English: "1 March 2026", not "March 1, 2026" (see docs/copy-style.md).
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
DATETIME_FORMAT = "d MMMM y, HH:mm"
# codes stored by the code -> the template folder holding their labels
LABEL_AREAS = {
    "diploma_label": "choice.diploma",
    "situation_label": "choice.situation",
    "outcome_label": "choice.outcome",
    "contract_label": "choice.contract",
    "at_level_label": "choice.at_level",
    "close_reason_label": "close_reason",
}


# a template's values as a key: (name, value) pairs, a flat mapping's as pairs of its own
Frozen = tuple[tuple[str, Any], ...]
_NUMBERS = (int, float, type(None))  # bool is an int
_FLAT = (str, int, float, type(None))


def _frozen(context: Mapping[str, Any]) -> Frozen | None:
    """`context` as a cache key if a text rendered from it can be kept: numbers, yes/no,
    nothing, and flat mappings of such and of codes; None otherwise (a text, a list...)."""
    items: list[tuple[str, Any]] = []
    for name, value in context.items():
        if isinstance(value, _NUMBERS):
            items.append((name, value))
        elif isinstance(value, dict) and all(isinstance(v, _FLAT) for v in value.values()):
            items.append((name, tuple(value.items())))
        else:
            return None
    return tuple(items)


def template_path(key: str, locale: str, channel: Channel | None = None) -> str:
    area_and_name = key.replace(".", "/")
    if channel is None:
        return f"{locale}/{area_and_name}.j2"
    return f"{locale}/_{channel.value}/{area_and_name}.j2"


def to_plain(text: str) -> str:
    """The HTML subset as plain text (terminal, button labels)."""
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', r"\2 (\1)", text, flags=re.DOTALL)
    text = re.sub(r"</?[a-z][a-z0-9-]*(\s[^>]*)?>", "", text)
    return html.unescape(text)


# a tag (left alone), or a character Slack's mrkdwn could read as formatting: one at the
# edge of a word (inside one, as in "first_last@example.org", Slack formats nothing, and
# a zero-width space there would break an address copied from the message)
_MRKDWN_MARKER = re.compile(r"<[^<>]*>|(?<!\w)[*_~`]|[*_~`](?!\w)")


def _literal_marker(found: re.Match[str]) -> str:
    marker = found.group()
    return marker if len(marker) > 1 else f"\u200b{marker}\u200b"


def to_slack(text: str) -> str:
    """The HTML subset as Slack mrkdwn; `&`, `<` and `>` stay escaped so nothing pings, and
    a `*`, `_`, `~` or backquote in the text (someone's message: templates format with
    tags) gets zero-width spaces around it, so Slack never reads it as formatting."""
    text = _MRKDWN_MARKER.sub(_literal_marker, text)
    text = re.sub(r"</?(b|strong)>", "*", text)
    text = re.sub(r"</?(i|em)>", "_", text)
    text = re.sub(r"</?code>", "`", text)
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', r"<\1|\2>", text, flags=re.DOTALL)
    return text.replace("&#34;", '"').replace("&#39;", "'").replace("&quot;", '"')


def _folded(text: str) -> str:
    """Lower case, no accents, words separated by one space ("Île-de-France" -> "ile de france")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[-_'’]", " ", letters).split())


_REGION_BY_NAME = {
    **{_folded(name): code for code, name in REGION_NAMES.items()},
    **{_folded(alias): code for alias, code in REGION_ALIASES.items()},
}


def region_name(value: str | None) -> str:
    """The official name of a region from its code ("idf" -> "Île-de-France"); a name or an
    alias typed by staff ("ile de france") gives the official name too; anything else is
    returned as it is."""
    if not value:
        return ""
    text = str(value).strip()
    code = text.casefold()
    if code in REGION_NAMES:
        return REGION_NAMES[code]
    found = _REGION_BY_NAME.get(_folded(text))
    return REGION_NAMES[found] if found else text


def _as_date_or_datetime(value: date | datetime | str) -> date | datetime:
    """Outbox contexts are JSON: their dates arrive as ISO text."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if len(text) == len("2026-03-01"):
        return date.fromisoformat(text)
    return datetime.fromisoformat(text)


def _first_of_month(text: str, day: int, locale: str) -> str:
    """French writes the first of the month as an ordinal: "1er décembre"."""
    if locale == "fr" and day == 1:
        return re.sub(r"^1(?=\s)", "1er", text)
    return text


def _tidy(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", text)


class TemplateRenderer:
    """Renders replies from the template folder (one `Environment` for the process)."""

    def __init__(self, templates_dir: Path, zone: ZoneInfo) -> None:
        self._zone = zone
        self.env = Environment(
            loader=FileSystemLoader(str(templates_dir)),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,
        )
        self._resolved: dict[tuple[str, str, Channel], Template] = {}
        # button labels: a template depends on nothing but its key, language, channel and
        # values (its globals and filters are the process's), so a label whose values are
        # plain words or numbers is rendered once (the most recent few thousand are kept:
        # some carry a name)
        self._cached_label = lru_cache(maxsize=4096)(self._label_of_items)
        # texts likewise, when their values are numbers, yes/no and the programme's flat
        # figures (a question's number, the rules it quotes): the same for everyone, while
        # a text naming someone or listing answers (a text or a list among its values) is
        # rendered each time
        self._cached_text = lru_cache(maxsize=1024)(self._text_of_items)
        self.env.globals["t"] = self._include
        self.env.globals["region_name"] = region_name
        self.env.filters["date"] = self._date
        self.env.filters["datetime"] = self._datetime
        self.env.filters["month"] = self._month
        self.env.filters["day_time"] = self._day_time
        self.env.filters["zone_city"] = self._zone_city
        self.env.filters["region_name"] = region_name
        for name, area in LABEL_AREAS.items():
            self.env.filters[name] = self._labeller(area)

    # -- template helpers

    @pass_context
    def _include(self, context: Context, key: str, **extra: Any) -> Markup:
        locale = context["_locale"]
        channel = Channel(context["_channel"])
        values = {**context.get_all(), **extra}
        return Markup(self._markup(key, locale, channel, values))  # noqa: S704 - rendered escaped

    def _labeller(self, area: str) -> Callable[[Context, str | None], Markup | str]:
        @pass_context
        def label(context: Context, code: str | None) -> Markup | str:
            if code is None or code == "":
                return ""
            try:
                return self._include(context, f"{area}.{code}")
            except TemplateNotFound:
                return str(code)

        return label

    @pass_context
    def _date(self, context: Context, value: date | datetime | str | None) -> str:
        """A day in the reader's language: "1er mars 2026", "1 March 2026"."""
        if value is None or value == "":
            return ""
        day = _as_date_or_datetime(value)
        if isinstance(day, datetime):
            day = day.astimezone(self._zone).date() if day.tzinfo else day.date()
        locale = context["_locale"]
        text = format_date(day, format="long", locale=BABEL_LOCALES.get(locale, locale))
        return _first_of_month(text, day.day, locale)

    def _zone_of(self, name: str | None) -> ZoneInfo:
        """A person's time zone by its IANA name; the programme's when unknown."""
        try:
            return ZoneInfo(name) if name else self._zone
        except (ZoneInfoNotFoundError, ValueError):
            return self._zone

    @pass_context
    def _day_time(self, context: Context, value: datetime | str | None, zone: str = "") -> str:
        """A meeting's day and hour in `zone` (an IANA name; the programme's by default):
        "jeudi 3 décembre à 14 h", "jeudi 3 décembre à 14 h 30", "Thursday 3 December at 2 pm"."""
        if value is None or value == "":
            return ""
        moment = _as_date_or_datetime(value)
        if not isinstance(moment, datetime):
            return self._date(context, moment)
        local = moment.astimezone(self._zone_of(zone)) if moment.tzinfo else moment
        locale = context["_locale"]
        babel_locale = BABEL_LOCALES.get(locale, locale)
        day = _first_of_month(format_date(local, "d MMMM", locale=babel_locale), local.day, locale)
        weekday = format_date(local, "EEEE", locale=babel_locale)
        if locale == "fr":
            hour = f"{local.hour} h" + (f" {local.minute:02d}" if local.minute else "")
            return f"{weekday} {day} à {hour}"
        clock = "h a" if not local.minute else "h:mm a"
        return f"{weekday} {day} at {format_datetime(local, clock, locale=babel_locale)}"

    @pass_context
    def _zone_city(self, context: Context, zone: str | None) -> str:
        """The city a time zone is named after, in the reader's language ("Paris",
        "La Réunion"): "(heure de Paris)"."""
        locale = context["_locale"]
        found = get_timezone_location(
            self._zone_of(zone), locale=BABEL_LOCALES.get(locale, locale), return_city=True
        )
        return str(found)

    @pass_context
    def _month(self, context: Context, value: date | str | None) -> str:
        """A monthly period ("2026-03", as stored) as words: "mars 2026", "March 2026"."""
        if value is None or value == "":
            return ""
        first = date.fromisoformat(f"{value}-01") if isinstance(value, str) else value
        locale = context["_locale"]
        return format_date(first, format="MMMM y", locale=BABEL_LOCALES.get(locale, locale))

    @pass_context
    def _datetime(self, context: Context, value: datetime | str | None) -> str:
        """A moment in the reader's language and the programme's time zone."""
        if value is None or value == "":
            return ""
        moment = _as_date_or_datetime(value)
        if not isinstance(moment, datetime):
            return self._date(context, moment)
        local = moment.astimezone(self._zone) if moment.tzinfo else moment
        locale = context["_locale"]
        text = format_datetime(
            local, format=DATETIME_FORMAT, locale=BABEL_LOCALES.get(locale, locale)
        )
        return _first_of_month(text, local.day, locale)

    # -- rendering

    def _markup(self, key: str, locale: str, channel: Channel, context: Mapping[str, Any]) -> str:
        found = (key, locale, channel)
        template = self._resolved.get(found)
        if template is None:
            # compiled and resolved (channel override or not) once per process: a change to
            # the templates is read at the next start
            template = self.env.select_template(
                [template_path(key, locale, channel), template_path(key, locale)]
            )
            self._resolved[found] = template
        return template.render({**context, "_locale": locale, "_channel": channel.value})

    def text(
        self, key: str, locale: str, channel: Channel, context: Mapping[str, Any] | None = None
    ) -> str:
        """One template rendered for a channel."""
        frozen = _frozen(context) if context else ()
        if frozen is not None:
            return self._cached_text(key, locale, channel, frozen)
        return self._text(key, locale, channel, context or {})

    def _text_of_items(self, key: str, locale: str, channel: Channel, items: Frozen) -> str:
        context = {name: dict(v) if isinstance(v, tuple) else v for name, v in items}
        return self._text(key, locale, channel, context)

    def _text(self, key: str, locale: str, channel: Channel, context: Mapping[str, Any]) -> str:
        markup = _tidy(self._markup(key, locale, channel, context))
        if channel is Channel.TELEGRAM:
            return markup
        if channel is Channel.SLACK:
            return to_slack(markup)
        return to_plain(markup)

    def label(self, choice: Choice, locale: str, channel: Channel) -> str:
        """A button label, always plain text."""
        context = choice.label_context
        if not all(isinstance(value, str | int) for value in context.values()):
            return self._label(choice.label_key, locale, channel, context)
        return self._cached_label(choice.label_key, locale, channel, tuple(context.items()))

    def _label_of_items(
        self, key: str, locale: str, channel: Channel, items: tuple[tuple[str, Any], ...]
    ) -> str:
        return self._label(key, locale, channel, dict(items))

    def _label(self, key: str, locale: str, channel: Channel, context: Mapping[str, Any]) -> str:
        return to_plain(_tidy(self._markup(key, locale, channel, context)))

    def render(self, reply: Reply, channel: Channel) -> Rendered:
        text = self.text(reply.key, reply.locale, channel, reply.context)
        labelled = [(self.label(c, reply.locale, channel), c.value) for c in reply.choices]
        columns = max(1, reply.columns)
        rows = tuple(tuple(labelled[i : i + columns]) for i in range(0, len(labelled), columns))
        return Rendered(text=text, buttons=rows)

    def keys(self, locale: str) -> set[str]:
        """Every template key of a locale (channel overrides excluded)."""
        prefix = f"{locale}/"
        return {
            name.removeprefix(prefix).removesuffix(".j2").replace("/", ".")
            for name in self.env.list_templates(extensions=["j2"])
            if name.startswith(prefix) and "/_" not in name
        }
