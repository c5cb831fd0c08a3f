"""What the bot says: Jinja2 templates per locale, rendered for each channel.

Templates live in `templates/<locale>/<area>/<name>.j2` (key `area.name`); a channel can
override one with `templates/<locale>/_<channel>/<area>/<name>.j2`. They are written in a
small HTML subset (`<b>`, `<i>`, `<a href>`, `<code>`) with autoescape on, so anything a
person typed is shown literally. That subset is Telegram's HTML; it is converted to Slack
mrkdwn and to plain text for the terminal.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from conversations.core.messages import Channel, Choice, Rendered, Reply

LOCALES = ("fr", "en")


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


def to_slack(text: str) -> str:
    """The HTML subset as Slack mrkdwn; `&`, `<` and `>` stay escaped so nothing pings."""
    text = re.sub(r"</?(b|strong)>", "*", text)
    text = re.sub(r"</?(i|em)>", "_", text)
    text = re.sub(r"</?code>", "`", text)
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', r"<\1|\2>", text, flags=re.DOTALL)
    return text.replace("&#34;", '"').replace("&#39;", "'").replace("&quot;", '"')


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
        )
        self.env.globals["t"] = self._include
        self.env.filters["date"] = self._date
        self.env.filters["datetime"] = self._datetime

    # -- template helpers

    @pass_context
    def _include(self, context: Context, key: str, **extra: Any) -> Markup:
        locale = context["_locale"]
        channel = Channel(context["_channel"])
        values = {**context.get_all(), **extra}
        return Markup(self._markup(key, locale, channel, values))  # noqa: S704 - rendered escaped

    @pass_context
    def _date(self, context: Context, value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(self._zone).date()
        return format_date(value, format="long", locale=context["_locale"])

    @pass_context
    def _datetime(self, context: Context, value: datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(
            value.astimezone(self._zone), format="d MMMM y, HH:mm", locale=context["_locale"]
        )

    # -- rendering

    def _markup(self, key: str, locale: str, channel: Channel, context: Mapping[str, Any]) -> str:
        template = self.env.select_template(
            [template_path(key, locale, channel), template_path(key, locale)]
        )
        return template.render({**context, "_locale": locale, "_channel": channel.value})

    def text(
        self, key: str, locale: str, channel: Channel, context: Mapping[str, Any] | None = None
    ) -> str:
        """One template rendered for a channel."""
        markup = _tidy(self._markup(key, locale, channel, context or {}))
        if channel is Channel.TELEGRAM:
            return markup
        if channel is Channel.SLACK:
            return to_slack(markup)
        return to_plain(markup)

    def label(self, choice: Choice, locale: str, channel: Channel) -> str:
        """A button label, always plain text."""
        return to_plain(
            _tidy(self._markup(choice.label_key, locale, channel, choice.label_context))
        )

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
