"""`/human` alone asks what it is about and takes the next message as the request; `/human
<text>` asks at once; /cancel sends nothing; a command in between leaves the question."""

from __future__ import annotations

from datetime import timedelta

from bot.container import Services
from conversations.core.clock import FixedClock
from storage.models import Case, ConversationState, SupportRequest
from tests.conversations.youth.test_eligibility_flow import answer_all
from tests.fakes.mentoring import make_pair
from tests.fakes.transcript import Person as Youth
from tests.handlers.slack.conftest import rows

TELEGRAM_ID = "5550001"


async def test_human_alone_asks_then_takes_the_next_message(services: Services) -> None:
    await make_pair(services, telegram_id=TELEGRAM_ID)
    youth = Youth(services, TELEGRAM_ID)
    said = await youth.command("human")
    assert said.keys == ["human.ask_what"]
    assert "Dis-moi en quelques mots ce dont tu as besoin" in said.text
    assert await rows(services, Case) == []
    # a sticker, an empty message: asked again, nothing sent
    assert (await youth.sends_sticker()).keys == ["human.ask_in_words"]
    assert (await youth.says("   ")).keys == ["common.empty", "human.ask_what"]
    # a command in between is answered; the question stays
    assert "status.paired" in (await youth.command("status")).keys
    said = await youth.says("Mon mentor ne répond plus depuis un mois")
    assert said.keys == ["human.requested"]
    [case] = await rows(services, Case)
    assert (case.kind, case.text) == ("human", "Mon mentor ne répond plus depuis un mois")
    [request] = await rows(services, SupportRequest)
    assert request.message == "Mon mentor ne répond plus depuis un mois"
    assert await rows(services, ConversationState) == []
    # asked again while it waits: already with the team
    assert (await youth.command("human")).keys == ["human.already_requested"]


async def test_human_with_a_text_asks_at_once(services: Services) -> None:
    await make_pair(services, telegram_id=TELEGRAM_ID)
    said = await Youth(services, TELEGRAM_ID).command("human", "Besoin d'aide pour mon CV")
    assert said.keys == ["human.requested"]
    [case] = await rows(services, Case)
    assert case.text == "Besoin d'aide pour mon CV"


async def test_cancel_sends_nothing_and_goes_back_to_the_questions(services: Services) -> None:
    youth = Youth(services, TELEGRAM_ID)
    said = await youth.command("start")
    said = await youth.presses(said.value_of("accepte"))
    question = said.keys[-1]
    assert (await youth.command("human")).keys == ["human.ask_what"]
    said = await youth.command("cancel")
    assert said.keys[0] == "human.cancelled"
    # the question the youth was at is asked again
    assert said.keys[-1] == question
    assert await rows(services, Case) == []
    [state] = await rows(services, ConversationState)
    assert state.flow == "eligibility"


async def test_the_question_left_for_weeks_is_forgotten(
    services: Services, clock: FixedClock
) -> None:
    youth = Youth(services, TELEGRAM_ID)
    await answer_all(youth)
    assert (await youth.command("human")).keys == ["human.ask_what"]
    clock.advance(timedelta(days=services.config.resume_after_days + 1))
    said = await youth.says("c'est quoi un mentor ?")
    assert "human.requested" not in said.keys
    assert await rows(services, Case) == []
    assert await rows(services, ConversationState) == [] or all(
        s.flow != "human" for s in await rows(services, ConversationState)
    )
