"""Templates: the same keys in French and English, every key the code uses exists, user
text is never interpreted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n import TemplateRenderer, to_plain, to_slack
from bot.settings import DEFAULT_TEMPLATES_DIR
from conversations.core.messages import Channel, Choice, Reply

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def renderer() -> TemplateRenderer:
    from zoneinfo import ZoneInfo

    return TemplateRenderer(DEFAULT_TEMPLATES_DIR, ZoneInfo("Europe/Paris"))


def test_every_key_exists_in_both_locales(renderer: TemplateRenderer) -> None:
    french, english = renderer.keys("fr"), renderer.keys("en")
    assert len(french) > 50
    assert french - english == set(), "keys missing in English"
    assert english - french == set(), "keys missing in French"


def test_every_literal_key_in_the_code_has_a_template(renderer: TemplateRenderer) -> None:
    keys = renderer.keys("fr")
    used: set[str] = set()
    pattern = re.compile(r"""(?:say|Reply|Choice)\(\s*f?["']([a-z_]+\.[a-z_.]+)["']""")
    for folder in ("conversations", "handlers", "bot", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            used.update(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the pattern found no key: it is broken"
    assert used - keys == set()


@pytest.mark.parametrize("name", ["<b>Inès</b>", "a_b*c", "{{ 7*7 }}", "&amp; <!channel>"])
def test_person_text_is_shown_literally(renderer: TemplateRenderer, name: str) -> None:
    reply = Reply("privacy.accepted", {"name": name}, locale="fr")
    telegram = renderer.render(reply, Channel.TELEGRAM).text
    console = renderer.render(reply, Channel.CONSOLE).text
    slack = renderer.render(reply, Channel.SLACK).text
    assert name in console
    assert "49" not in console
    assert "<b>Inès</b>" not in telegram
    assert "<!channel>" not in telegram
    assert "<!channel>" not in slack
    assert "<b>" not in slack


def test_buttons_are_plain_text_in_rows(renderer: TemplateRenderer) -> None:
    reply = Reply(
        "common.choose_language",
        choices=(
            Choice("choice.language.fr", "lang:fr"),
            Choice("choice.raw", "x", {"label": "<i>"}),
        ),
        columns=1,
        locale="en",
    )
    rendered = renderer.render(reply, Channel.TELEGRAM)
    assert rendered.buttons == ((("🇫🇷 Français", "lang:fr"),), (("<i>", "x"),))


def test_markup_conversions() -> None:
    assert (
        to_slack('<b>Hi</b> <a href="https://x.fr">x</a> &lt;@U1&gt;')
        == "*Hi* <https://x.fr|x> &lt;@U1&gt;"
    )
    assert to_plain("<b>Hi</b> &lt;3 &amp; co") == "Hi <3 & co"


def test_dates_are_written_in_the_persons_language(renderer: TemplateRenderer) -> None:
    from datetime import UTC, datetime

    when = datetime(2026, 3, 1, 12, tzinfo=UTC)
    fr = renderer.text("human.already_requested", "fr", Channel.CONSOLE, {"since": when})
    en = renderer.text("human.already_requested", "en", Channel.CONSOLE, {"since": when})
    assert "1 mars 2026" in fr
    assert "March 1, 2026" in en
