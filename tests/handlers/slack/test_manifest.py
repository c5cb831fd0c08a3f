"""The Slack app manifest asks for what people in touch need: the DM and channel messages
(threads of a pair, replies to a case) and files both ways."""

from __future__ import annotations

from pathlib import Path

MANIFEST = Path(__file__).resolve().parents[3] / "deploy" / "slack-manifest.yml"


def _listed(after: str) -> list[str]:
    """The `- item` lines of the YAML list that follows the line `after:`."""
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{after}:")
    items: list[str] = []
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if not stripped.startswith("- "):
            break
        items.append(stripped[2:].split("#", 1)[0].strip())
    return items


def test_the_bot_scopes_cover_messages_and_files() -> None:
    scopes = set(_listed("bot"))
    assert {
        "im:history",
        "channels:history",
        "groups:history",
        "files:read",
        "files:write",
    } <= scopes
    # the ones the bot needed before
    assert {"chat:write", "commands", "im:write", "users:read", "users:read.email"} <= scopes


def test_the_bot_hears_dms_and_the_staff_channel() -> None:
    events = set(_listed("bot_events"))
    assert {"app_home_opened", "message.im", "message.channels", "message.groups"} <= events
