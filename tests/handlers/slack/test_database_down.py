"""The database out of reach, through the real Bolt app over HTTP (signed requests, the
stand-in Web API): a message event is answered 500 so that Slack delivers it again, and is
handled once when the database is back; on Slack's last try, and for buttons and commands
(which Slack never sends again), the person is told to try again in a moment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.container import Services, build
from conversations.core.clock import FixedClock
from storage.database import upgrade
from storage.models import Interaction, ProcessedEvent
from tests.conftest import make_settings
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import SlackHarness
from tests.handlers.slack.conftest import MENTOR, STAFF, STAFF_CHANNEL, click

TRY_AGAIN = "réessayez dans un instant"


@dataclass
class Outage:
    services: Services
    slack: SlackHarness
    folder: Path

    async def down(self) -> None:
        """The database goes away: its folder is moved while no connection is open."""
        await self.services.close()
        self.folder.rename(self.folder.with_name("db-away"))

    def back(self) -> None:
        self.folder.with_name("db-away").rename(self.folder)


@pytest.fixture
async def outage(
    tmp_path: Path, clock: FixedClock, slack_api: FakeSlackApi
) -> AsyncIterator[Outage]:
    folder = tmp_path / "db"
    folder.mkdir()
    settings = make_settings(
        f"sqlite+aiosqlite:///{folder / 'slack.db'}",
        SLACK_STAFF_USERS=STAFF,
        SLACK_STAFF_CHANNEL=STAFF_CHANNEL,
    )
    services = build(settings, clock)
    await upgrade(services.db)
    try:
        async with SlackHarness.start(services, slack_api) as slack:
            yield Outage(services, slack, folder)
    finally:
        if not folder.exists():
            folder.with_name("db-away").rename(folder)
        await services.close()


async def count(services: Services, model: type[object]) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_message_is_answered_500_then_handled_once_when_slack_delivers_it_again(
    outage: Outage,
) -> None:
    slack, requests = outage.slack, outage.slack.requests
    await outage.down()
    event_id = requests.new_event_id()
    message = requests.message_im(MENTOR, "bonjour")
    status, _ = await slack.send(*requests.event(message, event_id=event_id))
    assert status == 500  # not acknowledged: Slack delivers it again
    status, _ = await slack.send(*requests.event(message, event_id=event_id, retry_num=1))
    assert status == 500
    assert slack.texts(MENTOR) == []  # no word while Slack still tries

    outage.back()
    status, _ = await slack.send(*requests.event(message, event_id=event_id, retry_num=2))
    assert status == 200
    answered = slack.texts(MENTOR)
    assert len(answered) == 1
    assert TRY_AGAIN not in answered[0]
    # one more delivery (the 200 lost on the way): nothing happens twice
    status, _ = await slack.send(*requests.event(message, event_id=event_id, retry_num=3))
    assert status == 200
    assert slack.texts(MENTOR) == answered
    assert await count(outage.services, ProcessedEvent) == 1


async def test_on_slacks_last_try_the_person_is_told_to_try_again(outage: Outage) -> None:
    slack, requests = outage.slack, outage.slack.requests
    await outage.down()
    message = requests.message_im(MENTOR, "bonjour")
    status, _ = await slack.send(*requests.event(message, retry_num=3))
    assert status == 200  # Slack would not try a fourth time: acknowledged, and said
    assert slack.texts(MENTOR) == [
        "Un souci de mon côté : je n'ai pas pu traiter votre demande. Rien n'est perdu de ce "
        "qui était déjà enregistré : réessayez dans un instant."
    ]


async def test_a_button_pressed_while_the_database_is_away_can_be_pressed_again(
    outage: Outage,
) -> None:
    slack = outage.slack
    pairing_id, _, _ = await make_pair(outage.services, mentor_slack=MENTOR)
    await outage.down()
    await click(slack, MENTOR, f"fm:{pairing_id}")  # acknowledged at once (Slack's 3 s)
    assert [TRY_AGAIN in text for text in slack.texts(MENTOR)] == [True]
    assert slack.api.calls("chat.update") == []  # the pressed message keeps its buttons

    outage.back()
    await click(slack, MENTOR, f"fm:{pairing_id}")
    assert slack.texts(MENTOR)[-1].startswith("Bravo ! Première rencontre avec Inès notée")
    assert await count(outage.services, Interaction) == 1


async def test_a_command_while_the_database_is_away_says_try_again(outage: Outage) -> None:
    slack = outage.slack
    await outage.down()
    status, _ = await slack.send(*slack.requests.slash_command(STAFF, text="help"))
    assert status == 200
    assert [TRY_AGAIN in text for text in slack.texts(STAFF)] == [True]
    outage.back()
    await slack.send(*slack.requests.slash_command(STAFF, text="help"))
    assert TRY_AGAIN not in slack.texts(STAFF)[-1]
