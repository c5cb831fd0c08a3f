"""First names a youth could type that must reach a staff terminal as text, never as markup
or terminal control, each with what staff should see instead."""

from __future__ import annotations

import pytest

NAMES = [
    pytest.param("[/]", "[/]", id="closing-tag"),
    pytest.param(
        "[link=http://evil.example]Open[/link]",
        "[link=http://evil.example]Open[/link]",
        id="link",
    ),
    pytest.param("[bold red]Urgent", "[bold red]Urgent", id="style"),
    pytest.param("\x1b[2J", "␛[2J", id="clear-screen"),
    pytest.param("a\u202eb", "a\ufffdb", id="right-to-left-override"),
]


def assert_shown(output: str, shown: str) -> None:
    """`shown` is in `output`, and nothing raw reached the terminal."""
    assert shown in output
    assert "\x1b" not in output  # no escape sequence: no clear screen, colour or OSC 8 link
    assert "\u202e" not in output
