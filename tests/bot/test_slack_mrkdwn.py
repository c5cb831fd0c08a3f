"""Someone's text rendered for Slack: formatting characters at a word's edge are kept
literal, those inside a word (an email address, a URL) are left exactly as typed."""

from __future__ import annotations

import pytest

from bot.i18n import to_slack

ZWSP = "\u200b"


@pytest.mark.parametrize(
    "typed",
    ["first_last@example.org", "https://example.org/my_page", "snake_case_name", "a*b"],
)
def test_markers_inside_a_word_are_left_as_typed(typed: str) -> None:
    assert to_slack(typed) == typed


@pytest.mark.parametrize("typed", ["*bold*", "_italic_", "~struck~", "`code`"])
def test_markers_at_a_word_edge_cannot_format(typed: str) -> None:
    shown = to_slack(typed)
    # every marker is fenced by zero-width spaces, so Slack reads no formatting pair
    assert shown == "".join(f"{ZWSP}{c}{ZWSP}" if c in "*_~`" else c for c in typed)
    assert shown.replace(ZWSP, "") == typed


def test_template_formatting_still_becomes_mrkdwn() -> None:
    assert to_slack("<b>Bonjour</b> *toi*") == f"*Bonjour* {ZWSP}*{ZWSP}toi{ZWSP}*{ZWSP}"
