"""/status says where the youth stands now: paired with whom since when, first meeting,
last contact, a job recorded, a mentoring ended."""

from __future__ import annotations

from datetime import date, timedelta

from bot.container import Services
from storage.models import Outcome, Pairing
from tests.fakes.mentoring import make_pair
from tests.fakes.transcript import Person as Youth


async def test_status_follows_the_pairing_the_first_meeting_and_a_job(
    services: Services,
) -> None:
    pairing_id, _youth, _mentor = await make_pair(services, telegram_id="1001")
    youth = Youth(services, "1001", name="Inès")
    said = await youth.command("status")
    assert "Claire t'accompagne depuis le 2 novembre 2026" in said.text
    assert "cherche" not in said.text  # no longer "looking for a mentor"
    assert "première rencontre n'est pas encore notée" in said.text

    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        pairing.first_meeting_at = now + timedelta(days=5)
        pairing.last_contact_at = now + timedelta(days=12)
        session.add(
            Outcome(
                pairing_id=pairing_id,
                kind="job",
                contract="cdi",
                at_diploma_level=True,
                occurred_on=date(2027, 1, 4),
                reported_at=now,
            )
        )
    said = await youth.command("status")
    assert "Première rencontre : le 7 novembre 2026." in said.text
    assert "Dernier échange noté : le 14 novembre 2026." in said.text
    assert "Ton emploi est enregistré (début le 4 janvier 2027)" in said.text


async def test_status_after_the_mentoring_ended(services: Services) -> None:
    pairing_id, _youth, _mentor = await make_pair(services, telegram_id="1002")
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        pairing.status = "closed"
        pairing.closed_at = services.clock.now() + timedelta(days=90)
    said = await Youth(services, "1002", name="Inès").command("status")
    assert "Ton mentorat avec Claire s'est terminé le 31 janvier 2027." in said.text
