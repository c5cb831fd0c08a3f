"""Suggestions through the engine, as a staff member's Slack events reach it (the Slack
adapter's own test is tests/handlers/slack/test_suggest.py): a "Pair" button whose value
is not one the bot makes does nothing, and a re-pair's list leaves the current mentor out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.container import Services, build
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel, Incoming, Kind
from storage.database import upgrade
from storage.models import Pairing
from tests.conftest import make_settings
from tests.fakes.mentoring import make_mentor, make_pair

STAFF = "USTAFF1"


@pytest.fixture
async def services(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'db.db'}", SLACK_STAFF_USERS=STAFF)
    built = build(settings, clock)
    await upgrade(built.db)
    yield built
    await built.close()


async def press(services: Services, value: str, event: str) -> list[str]:
    """A staff member presses a button; what they read (plain text)."""
    response = await services.engine.handle(
        Incoming(Channel.SLACK, STAFF, Kind.CHOICE, choice=value, event_id=event)
    )
    return [
        services.renderer.text(r.key, r.locale, Channel.CONSOLE, dict(r.context))
        for r in response.replies
    ]


async def test_a_pair_button_with_a_value_the_bot_never_makes(services: Services) -> None:
    pairing_id, youth_id, mentor_id = await make_pair(services)
    async with services.sessions() as session, session.begin():
        other = await make_mentor(session, services.clock.now(), "UOTHER", name="Bruno")
    [said] = await press(services, f"pm:{youth_id}:{other.id}:rX", "e1")
    assert said.startswith("Le binôme n'a pas pu être créé")
    [listed] = await press(services, f"pq:{pairing_id}", "e2")
    assert "Bruno" in listed
    assert "Claire" not in listed
    # the current mentor, pressed from an older list: refused, the pair stays
    [said] = await press(services, f"pm:{youth_id}:{mentor_id}:r{pairing_id}", "e3")
    assert "accompagne déjà cette personne" in said
    async with services.sessions() as session:
        pair = await session.get(Pairing, pairing_id)
    assert pair is not None
    assert pair.status == "active"
