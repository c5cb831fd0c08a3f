"""`/announcements` (`/annonces`): the current state with two buttons, `off` and `on` at
once; the next announcement skips whoever turned them off (and counts them), an old
announcement's buttons still work for them; the command is in /help."""

from __future__ import annotations

from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from storage.events import Audience
from storage.models import Announcement, Delivery, Person, Role
from tests.fakes import events as fake
from tests.fakes.transcript import Person as Youth
from tests.scheduler.test_announcements import send, tick


async def _youths(services: Services) -> tuple[Youth, int, int]:
    """Inès (who talks here) and Samir, both of the same region; Inès and their ids."""
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        ines = await fake.youth(session, now, name="Inès")
        samir = await fake.youth(session, now, name="Samir")
        chat = await fake.chat_of(session, ines.id)
    return Youth(services, chat), ines.id, samir.id


async def _announced(services: Services) -> int:
    """A webinar announced to every youth, its recipients written to the outbox."""
    event = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event, Audience(roles=(Role.YOUTH,)))
    await send(services, announcement)
    await tick(services)
    return announcement


async def _recipients(services: Services, announcement: int) -> set[int]:
    async with services.sessions() as session:
        found = await session.scalars(
            select(Delivery.person_id).where(
                Delivery.idempotency_key.startswith(f"announce:{announcement}:")
            )
        )
        return {person for person in found if person is not None}


async def _opted_out(services: Services, person_id: int) -> bool:
    async with services.sessions() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        return person.announcements_opt_out_at is not None


async def test_the_state_with_two_buttons_then_off_and_on(
    services: Services, clock: FixedClock
) -> None:
    ines, ines_id, samir_id = await _youths(services)
    said = await ines.command("announcements")
    assert said.keys == ["announcements.youth.state"]
    assert "🔔 Tu reçois les annonces d'événements" in said.text
    assert [value for _, value in said.buttons] == ["an:on", "an:off"]

    said = await ines.presses(said.value_of("Ne plus"))
    assert said.keys == ["announcements.youth.set"]
    assert "C'est fait : tu ne recevras plus les annonces" in said.text
    assert "Les rappels des événements auxquels tu as répondu continuent" in said.text
    assert await _opted_out(services, ines_id)

    # the next announcement skips her, and counts her apart
    announcement = await _announced(services)
    assert await _recipients(services, announcement) == {samir_id}
    async with services.sessions() as session:
        stored = await session.get(Announcement, announcement)
    assert stored is not None
    assert stored.excluded["opted_out"] == 1

    # the French name, said twice: nothing changes twice
    said = await ines.command("annonces", "off")
    assert "Tu ne reçois déjà plus les annonces" in said.text
    said = await ines.command("announcements")
    assert "🔕 Tu ne reçois plus les annonces d'événements" in said.text

    said = await ines.command("announcements", "on")
    assert "C'est fait : tu recevras les annonces d'événements" in said.text
    assert not await _opted_out(services, ines_id)
    later = await _announced(services)
    assert await _recipients(services, later) == {ines_id, samir_id}


async def test_a_word_it_does_not_know_shows_the_state_and_how(services: Services) -> None:
    ines, ines_id, _ = await _youths(services)
    said = await ines.command("announcements", "<b>peut-être</b>")
    assert said.keys == ["announcements.youth.state"]
    assert "Je n'ai pas compris « <b>peut-être</b> »" in said.text
    assert "/announcements on ou /announcements off" in said.text
    assert not await _opted_out(services, ines_id)
    # a forged value under the buttons: a kind word, nothing changes
    said = await ines.presses("an:maybe")
    assert said.keys == ["common.stale_button"]
    assert not await _opted_out(services, ines_id)


async def test_opted_out_she_can_still_answer_an_earlier_announcement(
    services: Services,
) -> None:
    ines, ines_id, _ = await _youths(services)
    announcement = await _announced(services)
    await ines.command("announcements", "off")
    said = await ines.presses(f"rv:{announcement}:yes")
    assert said.keys == ["events.youth.rsvp_confirmed"]
    assert "C'est noté : tu viens à « Réussir son entretien »" in said.text
    assert "Les annonces restent désactivées" in said.text
    assert said.replies[0].attachment is not None
    assert await _opted_out(services, ines_id)


async def test_help_lists_the_command(services: Services) -> None:
    ines, _, _ = await _youths(services)
    said = await ines.command("help")
    assert "/announcements — recevoir ou non les annonces d'événements" in said.text
