"""Typed answers a person expects to work: "boursière", "Lyon", "93", "lookin for a job",
"pas d'email", "gmial.com" (a suggestion first, then taken as typed)."""

from __future__ import annotations

import pytest

from bot.container import Services
from conversations.core.messages import Channel
from storage.models import Application
from tests.conversations.youth.test_eligibility_flow import _decision
from tests.fakes.transcript import Person


async def _until_social(youth: Person) -> None:
    await youth.command("start")
    await youth.presses("privacy:accept")
    await youth.presses("diploma:bac5")
    await youth.says("12/03/2001")
    await youth.presses("qpv:no")


async def _answers(services: Services) -> dict[str, object]:
    application: Application = await _decision(services)
    return dict(application.answers)


@pytest.mark.parametrize("typed", ["boursiere", "boursière", "j'étais boursier"])
async def test_a_scholarship_holder_is_understood(services: Services, typed: str) -> None:
    youth = Person(services)
    await _until_social(youth)
    said = await youth.says(typed)
    assert "situation" in said.replies[-1].key
    assert (await _answers(services))["social"] == "scholarship"


@pytest.mark.parametrize(
    ("typed", "region"),
    [("Lyon", "ara"), ("paris", "idf"), ("Bobigny 93", "idf"), ("93", "idf"), ("971", "gua")],
)
async def test_a_city_or_department_gives_the_region(
    services: Services, typed: str, region: str
) -> None:
    youth = Person(services)
    await _until_social(youth)
    await youth.says("boursière")
    await youth.says("lookin for a job")  # a typo in the situation is tolerated
    said = await youth.says(typed)
    assert said.replies[-1].key == "eligibility.ask_field"
    answers = await _answers(services)
    assert answers["situation"] == "job_seeker"
    assert answers["region"] == region


async def _until_email(youth: Person) -> None:
    await youth.command("start")
    await youth.presses("privacy:accept")
    await youth.presses("diploma:bac5")
    await youth.says("12/03/2001")
    await youth.presses("qpv:yes")
    await youth.presses("situation:job_seeker")
    await youth.presses("region:idf")
    await youth.says("Finance")


async def test_no_email_is_understood(services: Services) -> None:
    youth = Person(services)
    await _until_email(youth)
    said = await youth.says("pas d'email")
    assert said.replies[0].key == "eligibility.summary"
    assert (await _answers(services))["email"] == "skip"


async def test_a_misspelt_provider_is_suggested_once(services: Services) -> None:
    youth = Person(services)
    await _until_email(youth)
    said = await youth.says("ines@gmial.com")
    assert "ines@gmail.com" in said.text
    said = await youth.says("ines@gmial.com")  # sent again: it was right after all
    assert said.replies[0].key == "eligibility.summary"
    assert (await _answers(services))["email"] == "ines@gmial.com"


async def test_the_suggestion_taken(services: Services) -> None:
    youth = Person(services)
    await _until_email(youth)
    await youth.says("ines@gmial.com")
    said = await youth.says("ines@gmail.com")
    assert said.replies[0].key == "eligibility.summary"
    assert (await _answers(services))["email"] == "ines@gmail.com"


async def test_telegram_refusals_do_not_mention_numbers(services: Services) -> None:
    youth = Person(services)
    await _until_social(youth)
    said = await youth.says("la réponse D")
    refusal = said.replies[0]
    assert refusal.key == "eligibility.not_understood_buttons"
    on_telegram = services.renderer.render(refusal, Channel.TELEGRAM).text
    assert "numéro" not in on_telegram  # Telegram's buttons carry no numbers
    assert "boutons" in on_telegram
    assert "numéro" in said.text  # the terminal numbers its options


async def test_a_wrong_answer_is_changed_from_the_summary(services: Services) -> None:
    """ "ile de france" typed as the field: one tap to fix it before the decision."""
    youth = Person(services)
    await _until_email(youth)  # the field answered "Finance"
    said = await youth.says("ines@example.fr")
    assert "• Domaine : Finance" in said.text
    said = await youth.presses(said.value_of("Changer"))
    assert said.replies[0].key == "eligibility.which_change"
    said = await youth.presses(said.value_of("Domaine"))
    assert said.replies[-1].key == "eligibility.ask_field"
    said = await youth.says("Contrôle de gestion")
    assert "• Domaine : Contrôle de gestion" in said.text  # back to the summary
    said = await youth.says("oui")
    assert said.replies[0].key == "eligibility.decision_eligible"
    assert (await _answers(services))["field"] == "Contrôle de gestion"


async def test_the_summary_answers_typed_text_and_stale_buttons(services: Services) -> None:
    youth = Person(services)
    await _until_email(youth)
    await youth.says("ines@example.fr")
    said = await youth.says("euh")
    assert said.replies[0].key == "eligibility.summary"
    said = await youth.presses("change:nothing")
    assert said.keys[0] == "common.stale_button"
    said = await youth.says("non")
    assert said.replies[0].key == "eligibility.which_change"
