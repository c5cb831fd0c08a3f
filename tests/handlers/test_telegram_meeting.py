"""The youth's side of the first meeting and of sharing her email, on the real
python-telegram-bot `Application` against the stand-in Bot API: the proposal and the
introduction delivered with their buttons, pressed with their real `callback_data`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.container import Services
from conversations.core.messages import Channel, Incoming, Kind
from conversations.pairs import meeting
from conversations.staff import pairing as staff_pairing
from handlers.telegram import TelegramSender
from scheduler.dispatcher import Dispatcher
from storage import applications
from storage.models import Delivery, Meeting, MeetingState
from tests.fakes.mentoring import make_mentor, make_youth
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_fixtures import USER, RunningBot, Youth

THURSDAY = datetime(2026, 11, 5, 13, 0, tzinfo=UTC)


@pytest.fixture
async def outbox(api: FakeBotApi, services: Services) -> AsyncIterator[Dispatcher]:
    sender = TelegramSender(Bot(api.token, base_url=api.base_url), services.renderer)
    yield Dispatcher(services.sessions, {"telegram": sender}, services.clock)
    await sender.close()


async def _paired(services: Services) -> int:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, now, telegram_id=str(USER))
        application = await applications.latest(session, youth.id)
        assert application is not None
        application.answers = {**application.answers, "email": "ines@example.org"}
        mentor = await make_mentor(session, now)
        made = await staff_pairing.pair(
            session,
            youth_id=youth.id,
            mentor_id=mentor.id,
            staff="tests",
            now=now,
            config=services.config,
        )
        return made.id


async def test_the_youth_answers_a_proposal_and_shares_her_email_with_one_tap(
    telegram: RunningBot, services: Services, outbox: Dispatcher
) -> None:
    pairing_id = await _paired(services)
    await services.engine.handle(
        Incoming(
            Channel.SLACK,
            "UMENTOR1",
            Kind.FORM,
            form=meeting.FORM,
            answers={"starts_at": THURSDAY, "place": "<b>visio</b>"},
            metadata={"pairing": pairing_id},
            event_id="view:V1",
        )
    )
    await outbox.run_until_empty()
    youth = Youth(telegram)
    intro, proposal = telegram.api.texts(USER, plain=True)
    assert "tu peux aussi lui donner ton email" in intro
    assert (
        "Claire te propose une première rencontre le jeudi 5 novembre à 14 h (heure de Paris)"
        " — <b>visio</b>." in proposal
    )
    [asked] = [m for m in telegram.api.messages(USER) if "te propose" in m.get("text", "")]
    assert [label for label, _ in youth.buttons(asked)] == ["👍 OK", "Un autre moment"]

    said = await youth.presses("OK", message=asked)
    assert "C'est noté : première rencontre avec Claire le jeudi 5 novembre à 14 h" in said
    async with services.sessions() as session:
        [accepted] = (await session.scalars(select(Meeting))).all()
    assert accepted.state == MeetingState.ACCEPTED
    # the same old button again: a kind word, nothing twice
    said = await youth.presses("Un autre moment", message=asked)
    assert "Tu as déjà répondu à cette proposition (« OK »)" in said

    [introduction] = [m for m in telegram.api.messages(USER) if "mentorat commence" in m["text"]]
    said = await youth.presses("Partager mon email", message=introduction)
    assert "Claire a reçu ton email (ines@example.org)" in said
    said = await youth.presses("Partager mon email", message=introduction)
    assert "Tu as déjà donné ton email à Claire" in said
    async with services.sessions() as session:
        shared = (
            await session.scalars(
                select(Delivery).where(Delivery.template == "sharing.mentor.email")
            )
        ).all()
    assert len(shared) == 1
