"""The FAQ reached through the engine: a question typed by a youth who is not paired, and
`/faq`; a paired youth's text is not taken for a question."""

from __future__ import annotations

from bot.container import Services
from tests.conversations.youth.test_eligibility_flow import answer_all
from tests.fakes.mentoring import make_pair
from tests.fakes.transcript import Person


async def test_a_registered_youth_asking_a_question_gets_the_faq(services: Services) -> None:
    youth = Person(services)
    await answer_all(youth)
    said = await youth.says("c'est quoi un mentor ?")
    assert said.replies[0].key.startswith("faq.")
    assert any(
        "choice.faq" in label
        for label, _ in [(c.label_key, c.value) for c in said.replies[0].choices]
    )
    said = await youth.presses(said.value_of("personne"))
    assert "human.requested" in said.keys


async def test_faq_command_lists_topics_and_answers(services: Services) -> None:
    youth = Person(services)
    await answer_all(youth)
    said = await youth.command("faq")
    assert said.replies[0].key == "faq.index"
    assert len(said.buttons) >= 10
    said = await youth.command("faq", "combien ça coûte")
    assert said.replies[0].key.startswith("faq.")


async def test_a_paired_youths_text_is_not_a_faq_question(services: Services) -> None:
    await make_pair(services, telegram_id="1009")
    said = await Person(services, "1009").says("c'est quoi un mentor ?")
    assert not any(key.startswith("faq.") for key in said.keys)
