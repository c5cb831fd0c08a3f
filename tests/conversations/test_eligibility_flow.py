"""The eligibility flow through the engine, with no platform library."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.app import Services
from storage.models import Application, Person as PersonRow
from tests.fakes.transcript import Person


async def answer_all(youth: Person, *, birth: str = "12/03/2001") -> None:
    await youth.command("start", "agence_nord")
    await youth.presses("privacy:accept")
    await youth.presses("diploma:bac5")
    await youth.says(birth)
    await youth.presses("qpv:yes")
    await youth.presses("situation:job_seeker")
    await youth.presses("region:idf")
    await youth.says("Contrôle de gestion")
    await youth.says("ines@example.fr")


async def test_eligible_journey(services: Services) -> None:
    youth = Person(services)
    said = await youth.command("start", "agence_nord")
    assert "Tu acceptes ?" in said.text
    said = await youth.presses("privacy:accept")
    assert "Ton diplôme le plus élevé" in said.text
    said = await youth.presses("diploma:bac5")
    assert "date de naissance" in said.text
    said = await youth.says("12 mars 2001")
    assert "quartier prioritaire" in said.text
    said = await youth.presses("qpv:yes")
    assert "situation aujourd'hui" in said.text  # social question skipped: not needed
    await youth.presses("situation:job_seeker")
    await youth.says("Île-de-France")
    await youth.says("Contrôle de gestion")
    said = await youth.says("ines@example.fr")
    assert "tu es éligible" in said.text
    async with services.sessions() as session:
        application = (await session.execute(select(Application))).scalar_one()
    assert application.decision == "eligible"
    assert application.source == "agence_nord"
    assert application.rules_version == services.rules.version
    assert application.answers == {
        "diploma": "bac5",
        "birth_date": "2001-03-12",
        "qpv": "yes",
        "situation": "job_seeker",
        "region": "idf",
        "field": "Contrôle de gestion",
        "email": "ines@example.fr",
    }


async def test_mydata_exports_everything(services: Services) -> None:
    youth = Person(services)
    await answer_all(youth)
    said = await youth.command("mydata")
    attachment = said.replies[0].attachment
    assert attachment is not None
    data = json.loads(attachment.content)
    assert data["person"]["name"] == "Inès"
    assert data["applications"][0]["answers"]["email"] == "ines@example.fr"
    assert data["accounts"] == [{"channel": "telegram", "id": "1001"}]


async def test_delete_leaves_nothing_personal(services: Services) -> None:
    youth = Person(services)
    await answer_all(youth)
    said = await youth.command("delete")
    said = await youth.presses(said.value_of("effacer"))
    assert "j'ai effacé tout" in said.text
    async with services.sessions() as session:
        person = (await session.execute(select(PersonRow))).scalar_one()
        assert person.display_name is None and person.erased_at is not None
        application = (await session.execute(select(Application))).scalar_one()
        assert application.answers == {} and application.person_id is None
        assert application.decision == "eligible"  # anonymous statistics survive
