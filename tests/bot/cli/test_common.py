"""What every command shares: text people typed shown safely, and errors as exit codes."""

from __future__ import annotations

import io
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.markup import render

from bot.cli.common import safe
from tests.bot.cli.runner import run

LINK = "[link=http://evil.example]Open[/link]"


def terminal_output(markup: str) -> str:
    """What a real (colour, hyperlink-capable) terminal receives for `markup`."""
    screen = io.StringIO()
    Console(file=screen, force_terminal=True, color_system="truecolor", width=200).print(
        markup, highlight=False
    )
    return screen.getvalue()


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Inès", "Inès"),
        ("[/]", "[/]"),
        (LINK, LINK),
        ("[bold red]Urgent[/bold red]", "[bold red]Urgent[/bold red]"),
        ("\\[b]x", "\\[b]x"),
        ("\x1b[2J", "␛[2J"),
        ("a\u202eb", "a\ufffdb"),
        ("\u2066x\u2069", "\ufffdx\ufffd"),
        ("bell\x07 del\x7f csi\x9b", "bell␇ del␡ csi\ufffd"),
        ("line\nforged", "line␊forged"),
        ("back\rover", "back␍over"),
        ("tab\tkept", "tab\tkept"),
    ],
)
def test_what_was_typed_is_shown_as_typed_with_controls_made_visible(
    typed: str, shown: str
) -> None:
    assert render(safe(typed)).plain == shown


def test_a_message_keeps_its_lines_when_asked() -> None:
    assert render(safe("Bonjour\r\nJ'ai besoin\x1b d'aide", multiline=True)).plain == (
        "Bonjour\nJ'ai besoin␛ d'aide"
    )


def test_a_real_terminal_gets_no_link_and_no_escape_sequence_from_typed_text() -> None:
    typed = LINK + "\x1b[2J" + "a\u202eb"
    shown = terminal_output(f"[red]{safe(typed)}[/red]")
    assert "]8;" not in shown  # OSC 8, a hyperlink
    assert "\x1b[2J" not in shown
    assert "\u202e" not in shown
    assert LINK in shown
    # without safe(), the same text would make a link: the test above is not vacuous
    assert "]8;" in terminal_output(LINK)


@given(st.text())
def test_no_text_breaks_the_markup_nor_reaches_the_terminal_raw(typed: str) -> None:
    plain = render(f"[red]{safe(typed)}[/red]").plain
    assert not any(unicodedata.category(c) in ("Cc", "Cs") and c != "\t" for c in plain)
    assert not set(plain) & set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069")
    if all(c.isprintable() for c in typed):
        assert plain == typed


async def test_errors_are_clear(env: dict[str, str]) -> None:
    out = await run(env, "mentor", "add", "nobody@acme.example", "--by", "Camille", code=1)
    assert "Slack does not know nobody@acme.example" in out
    out = await run(env, "pair", "999", "UCLAIRE", "--by", "Camille", code=1)
    assert "No youth found for '999' (looked up as person id 999)." in out
    assert "No mentor found for 'UCLAIRE' (looked up as Slack user id UCLAIRE)." in out
    assert "`mentorbot review` and `mentorbot status --unpaired`" in out
    bad = {**env, "MENTORBOT_TIMEZONE": "Mars/Olympus"}
    out = await run(bad, "status", code=2)
    assert "MENTORBOT_TIMEZONE" in out
    down = {**env, "MENTORBOT_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    out = await run(down, "status", code=3)
    assert "Cannot reach the database" in out
    assert "MENTORBOT_DATABASE_URL" in out


async def test_a_refusal_naming_what_staff_typed_is_shown_as_typed(env: dict[str, str]) -> None:
    out = await run(env, "pair", "999", "[/]\x1b[2J", "--by", "Camille", code=1)
    assert "No mentor found for '[/]\\x1b[2J': it is not a person id (#12)" in out
