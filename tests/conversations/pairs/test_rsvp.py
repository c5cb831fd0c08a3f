"""Answering an event: yes / maybe / no, changeable until it starts; the waiting list with
its rank, moved up when a seat frees; the confirmation's calendar file; old buttons."""

from __future__ import annotations

from datetime import timedelta

import icalendar
from sqlalchemy import select

from bot.container import Services
from conversations.core import codec
from conversations.core.messages import Channel
from conversations.pairs import rsvp
from conversations.staff import events as staff_events
from storage import rsvps
from storage.models import Delivery, Person, Priority, RelayFile
from tests.fakes import events as fake


async def press(
    services: Services,
    person_id: int,
    announcement: int,
    value: str,
    *,
    later: timedelta | None = None,
) -> tuple[rsvp.RsvpResult, str]:
    """`person` presses a button under the announcement; what they are told (Telegram)."""
    now = services.clock.now() + (later or timedelta())
    async with services.sessions() as session, session.begin():
        person = await session.get(Person, person_id)
        assert person is not None
        result = await rsvp.answer(
            session, person=person, announcement_id=announcement, value=value, now=now
        )
        reply = rsvp.reply_for(result, person, now)
    channel = Channel.TELEGRAM if person.role == "youth" else Channel.SLACK
    return result, services.renderer.render(reply, channel).text


async def test_the_buttons_carry_the_announcement_and_the_answer() -> None:
    choices = rsvp.rsvp_choices(12)
    assert [c.value for c in choices] == ["rv:12:yes", "rv:12:maybe", "rv:12:no"]
    assert codec.decode("rv:12:maybe") == codec.Button("rv", (12,), "maybe")


async def test_yes_confirms_with_a_calendar_file_and_can_change_until_the_start(
    services: Services,
) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        ines = await fake.youth(session, now)
    event = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event)

    async with services.sessions() as session, session.begin():
        person = await session.get(Person, ines.id)
        assert person is not None
        result = await rsvp.answer(
            session, person=person, announcement_id=announcement, value="yes", now=now
        )
        reply = rsvp.reply_for(result, person, now)
    assert result.outcome is rsvp.Outcome.CONFIRMED
    text = services.renderer.render(reply, Channel.TELEGRAM).text
    assert "tu viens à « Réussir son entretien », jeudi 5 novembre à 18 h" in text
    assert "https://visio.example.org/entretien" in text
    assert reply.attachment is not None
    assert reply.attachment.filename == f"event-{event}.ics"
    calendar = icalendar.Calendar.from_ical(reply.attachment.content)
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["summary"]) == "Réussir son entretien"
    assert entry.decoded("dtstart") == now.replace(hour=17) + timedelta(days=3)

    result, text = await press(services, ines.id, announcement, "yes")
    assert result.outcome is rsvp.Outcome.UNCHANGED
    assert "déjà enregistrée" in text
    result, text = await press(services, ines.id, announcement, "maybe")
    assert result.outcome is rsvp.Outcome.MAYBE
    assert "la veille" in text
    result, text = await press(
        services, ines.id, announcement, "no", later=timedelta(days=3, hours=8)
    )
    assert result.outcome is rsvp.Outcome.STARTED
    assert "déjà commencé" in text
    async with services.sessions() as session:
        stored = await rsvps.get(session, event, ines.id)
    assert stored is not None
    assert stored.answer == "maybe"


async def test_beyond_the_capacity_a_waiting_list_moves_up(services: Services) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        first = await fake.youth(session, now, name="Inès")
        second = await fake.youth(session, now, name="Samir")
        third = await fake.youth(session, now, name="Léa")
        claire = await fake.mentor(session, now)
    event = await fake.event_id(services, capacity=1)
    announcement = await fake.announcement_id(services, event)

    result, _ = await press(services, first.id, announcement, "yes")
    assert result.outcome is rsvp.Outcome.CONFIRMED
    result, text = await press(services, second.id, announcement, "yes")
    assert result.outcome is rsvp.Outcome.WAITLISTED
    assert "tu es en position 1" in text
    result, text = await press(services, claire.id, announcement, "yes")
    assert result.outcome is rsvp.Outcome.WAITLISTED
    assert "vous êtes en position 2" in text
    result, _ = await press(services, third.id, announcement, "maybe")
    assert result.outcome is rsvp.Outcome.MAYBE

    # the one with the seat cannot come any more: the first waiting gets it and is told
    result, _ = await press(services, first.id, announcement, "no")
    assert result.outcome is rsvp.Outcome.NO
    assert result.promoted == second.id
    async with services.sessions() as session:
        told = (
            await session.scalars(select(Delivery).where(Delivery.person_id == second.id))
        ).all()
        moved = await rsvps.get(session, event, second.id)
        waiting = await rsvps.waiting_list(session, event)
        counts = await rsvps.answer_counts(session, event)
        (promotion,) = told
        ics = await session.get(RelayFile, promotion.context["file"])
    assert moved is not None
    assert moved.waiting_since is None
    assert [person.id for _rsvp, person in waiting] == [claire.id]
    assert counts == {"yes": 1, "waiting": 1, "maybe": 1, "no": 1, "none": 0, "attended": 0}
    assert promotion.template == "events.youth.promoted"
    assert promotion.priority == Priority.URGENT
    assert ics is not None
    assert ics.mime_type == "text/calendar"
    text = services.renderer.text(
        promotion.template, "fr", Channel.TELEGRAM, {**promotion.context, "zone": ""}
    )
    assert "Une place s'est libérée pour « Réussir son entretien » : elle est à toi !" in text

    # a larger capacity moves the rest up at once
    async with services.sessions() as session, session.begin():
        await staff_events.edit_event(
            session, event, {"capacity": 3}, staff=fake.STAFF, now=now, zone=services.config.zone
        )
    async with services.sessions() as session:
        assert await rsvps.waiting_list(session, event) == []
        assert await rsvps.confirmed_count(session, event) == 2


async def test_old_buttons_are_answered_kindly_and_change_nothing(services: Services) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        ines = await fake.youth(session, now)
    older = await fake.event_id(services, title="Atelier CV")
    old_announcement = await fake.announcement_id(services, older)
    newer = await fake.event_id(services, title="Job dating")
    await fake.announcement_id(services, newer)

    # from an announcement two events ago: the answer is about that event, by name
    result, text = await press(services, ines.id, old_announcement, "yes")
    assert result.outcome is rsvp.Outcome.CONFIRMED
    assert "« Atelier CV »" in text
    async with services.sessions() as session:
        assert await rsvps.get(session, newer, ines.id) is None

    async with services.sessions() as session, session.begin():
        await staff_events.cancel_event(
            session, older, staff=fake.STAFF, now=now, zone=services.config.zone
        )
    result, text = await press(services, ines.id, old_announcement, "no")
    assert result.outcome is rsvp.Outcome.CANCELLED
    assert "annulé" in text
    result, text = await press(services, ines.id, 999_999, "yes")
    assert result.outcome is rsvp.Outcome.UNKNOWN
    assert "Je ne retrouve pas cet événement" in text
    result, _ = await press(services, ines.id, old_announcement, "attend")
    assert result.outcome is rsvp.Outcome.UNKNOWN
    async with services.sessions() as session:
        stored = await rsvps.get(session, older, ines.id)
    assert stored is not None
    assert stored.answer == "yes"


async def test_someone_who_turned_announcements_off_may_still_answer(services: Services) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        ines = await fake.youth(session, now)
    event = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event)
    async with services.sessions() as session, session.begin():
        person = await session.get(Person, ines.id)
        assert person is not None
        person.announcements_opt_out_at = now
    result, text = await press(services, ines.id, announcement, "yes")
    assert result.outcome is rsvp.Outcome.CONFIRMED
    assert "Les annonces restent désactivées" in text
    result, text = await press(services, ines.id, announcement, "yes")
    assert result.outcome is rsvp.Outcome.UNCHANGED


async def test_an_erased_person_s_seat_goes_to_the_first_one_waiting(services: Services) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        first = await fake.youth(session, now, name="Inès")
        second = await fake.youth(session, now, name="Samir")
    event = await fake.event_id(services, capacity=1)
    announcement = await fake.announcement_id(services, event)
    await press(services, first.id, announcement, "yes")
    result, _ = await press(services, second.id, announcement, "yes")
    assert result.outcome is rsvp.Outcome.WAITLISTED

    # Inès deletes her data: her seat is Samir's, and he is told
    async with services.sessions() as session, session.begin():
        moved = await rsvp.give_up_seats(session, first.id, now)
    assert moved == [second.id]
    async with services.sessions() as session:
        assert await rsvps.get(session, event, first.id) is None
        seat = await rsvps.get(session, event, second.id)
        told = (
            await session.scalars(select(Delivery).where(Delivery.person_id == second.id))
        ).all()
    assert seat is not None
    assert seat.waiting_since is None
    assert [row.template for row in told] == ["events.youth.promoted"]
