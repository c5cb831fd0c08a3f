"""The terminal adapter: a typed number presses a button only when it is ASCII digits in
range; anything else ("²", "٢", "0", a huge number) is read as text, never a crash."""

from __future__ import annotations

import pytest

from bot.container import Services
from conversations.core.messages import Channel, Incoming, Kind
from handlers.console import chat, parse_line

BUTTONS = ["privacy:accept", "privacy:decline"]


@pytest.mark.parametrize(("line", "choice"), [("1", "privacy:accept"), (" 2 ", "privacy:decline")])
def test_an_ascii_number_in_range_presses_the_button(line: str, choice: str) -> None:
    assert parse_line(line, "me", BUTTONS) == Incoming(
        Channel.CONSOLE, "me", Kind.CHOICE, choice=choice
    )


@pytest.mark.parametrize("line", ["²", "¹", "٢", "१", "0", "3", "-1", "99999999999999999999999"])
def test_anything_else_is_text(line: str) -> None:
    incoming = parse_line(line, "me", BUTTONS)
    assert (incoming.kind, incoming.text) == (Kind.TEXT, line)


def test_a_command() -> None:
    incoming = parse_line("/start salon_2026", "me", BUTTONS)
    assert (incoming.kind, incoming.command, incoming.args) == (Kind.COMMAND, "start", "salon_2026")


async def test_a_superscript_digit_in_a_conversation_is_answered(services: Services) -> None:
    lines = iter(["²", "1"])
    shown: list[str] = []

    async def read() -> str | None:
        return next(lines, None)

    await chat(services.engine, services.renderer, read, shown.append)
    said = "".join(shown)
    assert "Tu acceptes ?" in said
    assert "Question 1/8" in said  # "1" pressed the first button after "²" was read as text
