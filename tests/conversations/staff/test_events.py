"""Staff create, edit and cancel events: every bad input refused field by field, a double
click makes one event, a change of date or a cancellation is told to those who answered."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.container import Services
from conversations.core.messages import Channel
from conversations.pairs import rsvp
from conversations.staff import events as staff_events
from storage.models import AuditLog, Delivery, Event, Person, Priority
from tests.fakes import events as fake


def problems_of(services: Services, **changes: object) -> list[tuple[str, str]]:
    now = services.clock.now()
    _tidy, errors = staff_events.check(fake.draft(now, **changes), now)
    return [(error.field, error.key.removeprefix("events.staff.error_")) for error in errors]


async def test_bad_input_is_refused_field_by_field(services: Services) -> None:
    now = services.clock.now()
    assert problems_of(services) == []
    assert problems_of(services, starts_at=now - timedelta(hours=1)) == [
        ("starts_at", "in_the_past")
    ]
    start = now + timedelta(days=1)
    assert problems_of(services, starts_at=start, ends_at=start) == [
        ("ends_at", "ends_before_start")
    ]
    assert problems_of(services, capacity=0) == [("capacity", "capacity_invalid")]
    assert problems_of(services, kind="party") == [("kind", "kind_unknown")]
    assert problems_of(services, title="  ") == [("title", "title_missing")]
    assert problems_of(services, link=None, place=None) == [("place", "place_or_link")]
    assert problems_of(services, link="javascript:alert(1)") == [("link", "link_invalid")]
    assert problems_of(services, zone="Mars/Olympus") == [("zone", "zone_unknown")]
    with pytest.raises(staff_events.EventProblems) as refused:
        async with services.sessions() as session, session.begin():
            await staff_events.create_event(
                session, fake.draft(now, capacity=0), staff=fake.STAFF, now=now
            )
    assert [e.field for e in refused.value.errors] == ["capacity"]
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 0
    for error in refused.value.errors:
        for locale in ("fr", "en"):
            assert services.renderer.text(error.key, locale, Channel.SLACK)


async def test_a_double_click_creates_one_event(services: Services) -> None:
    now = services.clock.now()

    async def create() -> staff_events.Created:
        async with services.sessions() as session, session.begin():
            return await staff_events.create_event(
                session, fake.draft(now), staff=fake.STAFF, now=now, request_key="view-V123"
            )

    first = await create()
    again = await create()
    assert first.created
    assert not again.created
    assert again.event.id == first.event.id
    # the two clicks at the same instant
    both = await asyncio.gather(create(), create())
    assert {made.event.id for made in both} == {first.event.id}
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 1
        audited = (await session.scalars(select(AuditLog.action))).all()
    assert audited == ["event_created"]


async def test_reminders_are_armed_from_the_start(services: Services) -> None:
    event_id = await fake.event_id(services)
    async with services.sessions() as session:
        event = await session.get(Event, event_id)
    assert event is not None
    assert event.day_reminder_due_at == event.starts_at - timedelta(days=1)
    assert event.hour_reminder_due_at == event.starts_at - timedelta(hours=1)


async def test_a_date_change_is_told_to_yes_and_maybe_only(services: Services) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        coming = await fake.youth(session, now, name="Inès")
        maybe = await fake.mentor(session, now, name="Claire")
        not_coming = await fake.youth(session, now, name="Samir")
        silent = await fake.youth(session, now, name="Léa")
    event_id = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event_id)
    async with services.sessions() as session, session.begin():
        for person_id, value in ((coming.id, "yes"), (maybe.id, "maybe"), (not_coming.id, "no")):
            person = await session.get(Person, person_id)
            assert person is not None
            await rsvp.answer(
                session, person=person, announcement_id=announcement, value=value, now=now
            )
    async with services.sessions() as session, session.begin():
        event = await session.get(Event, event_id)
        assert event is not None
        later = event.starts_at + timedelta(days=1, hours=1)
        _event, told = await staff_events.edit_event(
            session,
            event_id,
            {"starts_at": later, "ends_at": later + timedelta(hours=2), "title": "Entretiens"},
            staff=fake.STAFF,
            now=now,
            zone=services.config.zone,
        )
    assert told == 2
    async with services.sessions() as session:
        rows = (await session.scalars(select(Delivery).order_by(Delivery.person_id))).all()
        event = await session.get(Event, event_id)
    assert event is not None
    assert event.version == 2
    assert event.hour_reminder_due_at == later - timedelta(hours=1)
    assert {row.person_id for row in rows} == {coming.id, maybe.id}
    assert silent.id not in {row.person_id for row in rows}
    by_person = {row.person_id: row for row in rows}
    assert by_person[coming.id].template == "events.youth.changed"
    assert by_person[maybe.id].template == "events.mentor.changed"
    assert by_person[maybe.id].channel == "slack"
    assert all(row.priority == Priority.URGENT for row in rows)
    text = services.renderer.text(
        "events.youth.changed", "fr", Channel.TELEGRAM, by_person[coming.id].context
    )
    assert "Changement pour « Entretiens » : c'est maintenant vendredi 6 novembre à 19 h." in text

    # a title alone changes nothing anyone must hear about
    async with services.sessions() as session, session.begin():
        _event, told = await staff_events.edit_event(
            session,
            event_id,
            {"title": "Entretiens blancs"},
            staff=fake.STAFF,
            now=now,
            zone=services.config.zone,
        )
    assert told == 0
    with pytest.raises(staff_events.EventProblems):
        async with services.sessions() as session, session.begin():
            await staff_events.edit_event(
                session,
                event_id,
                {"capacity": 0},
                staff=fake.STAFF,
                now=now,
                zone=services.config.zone,
            )


async def test_a_cancellation_stops_its_announcements_and_is_told(services: Services) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        coming = await fake.youth(session, now, name="Inès")
        await fake.youth(session, now, name="Samir")
    event_id = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event_id)
    async with services.sessions() as session, session.begin():
        person = await session.get(Person, coming.id)
        assert person is not None
        await rsvp.answer(
            session, person=person, announcement_id=announcement, value="yes", now=now
        )
    async with services.sessions() as session, session.begin():
        _event, told = await staff_events.cancel_event(
            session, event_id, staff=fake.STAFF, now=now, zone=services.config.zone
        )
    async with services.sessions() as session, session.begin():
        _event, again = await staff_events.cancel_event(
            session, event_id, staff=fake.STAFF, now=now, zone=services.config.zone
        )
    assert (told, again) == (1, 0)
    async with services.sessions() as session:
        rows = (await session.scalars(select(Delivery))).all()
        event = await session.get(Event, event_id)
    assert event is not None
    assert event.state == "cancelled"
    assert event.day_reminder_due_at is None
    assert [(row.person_id, row.template) for row in rows] == [
        (coming.id, "events.youth.cancelled")
    ]
    text = services.renderer.text("events.youth.cancelled", "en", Channel.TELEGRAM, rows[0].context)
    assert "is cancelled" in text
