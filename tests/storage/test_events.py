"""The audience as one query and recipients written in batches: one row per person however
many filters match, exclusions counted apart, and a write interrupted half-way resumes with
no duplicate and no skip."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.container import Services, build
from conversations.core.clock import FixedClock
from conversations.pairs import event_notices, rsvp
from conversations.staff import announcements
from conversations.staff import events as staff_events
from storage import events
from storage.database import upgrade
from storage.events import Audience
from storage.models import (
    Announcement,
    Delivery,
    Event,
    Pairing,
    PairingStatus,
    Role,
    RsvpAnswer,
)
from tests.conftest import make_settings
from tests.fakes import events as fake


async def test_the_audience_counts_channels_and_exclusions(services: Services) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        await fake.youth(session, now, name="Inès")
        opted = await fake.youth(session, now, name="Léa")
        await events.set_announcements(session, opted, False, now)
        blocked = await fake.youth(session, now, name="Samir")
        blocked.unreachable_at = now
        erased = await fake.youth(session, now, name="Yanis")
        erased.erased_at = now
        await fake.youth(session, now, name="Far", region="reu")
        await fake.mentor(session, now, name="Claire")
        await fake.mentor(session, now, name="Marc", region="ara")
    async with services.sessions() as session:
        everyone = await events.reach(session, Audience(roles=(Role.YOUTH, Role.MENTOR)))
        ile_de_france = await events.reach(
            session, Audience(roles=(Role.YOUTH, Role.MENTOR), regions=("idf",))
        )
        nobody = await events.reach(session, Audience(roles=(Role.YOUTH,), keywords=("chimie",)))
    assert everyone.channels == {"telegram": 2, "slack": 2}
    assert everyone.excluded == {"erased": 1, "opted_out": 1, "unreachable": 1}
    assert ile_de_france.channels == {"telegram": 1, "slack": 1}
    assert nobody.total == 0


async def test_filters_compose_and_a_person_matched_twice_gets_one_message(
    services: Services,
) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        waiting = await fake.youth(session, now, name="Inès", field="Développement web")
        paired = await fake.youth(session, now, name="Samir", field="web design")
        await fake.youth(session, now, name="Léa", field="Comptabilité")
        await fake.youth(session, now, name="Noa", field="web", decision="not_eligible")
        claire = await fake.mentor(session, now)
        session.add(
            Pairing(
                youth_id=paired.id,
                mentor_id=claire.id,
                status=PairingStatus.ACTIVE,
                proposed_at=now,
            )
        )
    event = await fake.event_id(services)
    audience = Audience(
        roles=(Role.YOUTH,), keywords=("WEB", "développement"), eligibility=("eligible",)
    )
    announcement = await fake.announcement_id(services, event, audience)
    async with services.sessions() as session, session.begin():
        row = await session.get(Announcement, announcement)
        assert row is not None
        await announcements.queue_recipients(session, row, now=now, zone=services.config.zone)
        waiting_only = await events.reach(
            session, Audience(roles=(Role.YOUTH,), keywords=("web",), youth_status="waiting")
        )
    async with services.sessions() as session:
        keys = (await session.scalars(select(Delivery.idempotency_key))).all()
    # Inès matches both words and is written once; Noa is not eligible, Léa not in the field
    assert sorted(keys) == sorted(
        [
            events.announcement_key(announcement, waiting.id),
            events.announcement_key(announcement, paired.id),
        ]
    )
    assert waiting_only.channels["telegram"] == 1


class Interrupted(Exception):
    """The process dies half-way through a batch."""


async def test_an_interrupted_write_resumes_with_no_duplicate_and_no_skip(
    services: Services,
) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        youths = [await fake.youth(session, now, name=f"Y{n}") for n in range(23)]
    event = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event, Audience(roles=(Role.YOUTH,)))

    async def one_batch(*, crash: bool = False) -> None:
        async with services.sessions() as session, session.begin():
            row = await session.get(Announcement, announcement)
            assert row is not None
            await announcements.queue_recipients(
                session, row, now=now, zone=services.config.zone, batch=5
            )
            if crash:
                raise Interrupted

    await one_batch()
    await one_batch()
    for _ in range(2):  # killed twice in the middle of the third batch: nothing of it stays
        with pytest.raises(Interrupted):
            await one_batch(crash=True)
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 10
    for _ in range(10):
        await one_batch()
    async with services.sessions() as session:
        keys = (await session.scalars(select(Delivery.idempotency_key))).all()
        row = await session.get(Announcement, announcement)
    assert sorted(keys) == sorted(events.announcement_key(announcement, y.id) for y in youths)
    assert len(keys) == len(set(keys)) == 23
    assert row is not None
    assert row.queued == 23
    assert row.queued_at == now


async def test_writing_again_from_the_start_adds_nothing(services: Services) -> None:
    """A cursor lost (two replicas, a restore): the keys keep every person to one row."""
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        for n in range(7):
            await fake.youth(session, now, name=f"Y{n}")
    event = await fake.event_id(services)
    announcement = await fake.announcement_id(services, event, Audience(roles=(Role.YOUTH,)))
    for _ in range(2):
        async with services.sessions() as session, session.begin():
            row = await session.get(Announcement, announcement)
            assert row is not None
            row.cursor, row.queued_at = 0, None
            await announcements.queue_recipients(session, row, now=now, zone=services.config.zone)
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 7


async def test_announcements_off_and_on(services: Services) -> None:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        ines = await fake.youth(session, now)
        assert await events.set_announcements(session, ines, False, now)
        assert not await events.set_announcements(session, ines, False, now + timedelta(hours=1))
        assert ines.announcements_opt_out_at == now
        assert await events.set_announcements(session, ines, True, now)
        assert ines.announcements_opt_out_at is None


@pytest.fixture
async def any_services(any_database_url: str, clock: FixedClock) -> AsyncIterator[Services]:
    """The services on SQLite, then on PostgreSQL when MENTORBOT_TEST_DATABASE_URL is set."""
    built = build(make_settings(any_database_url), clock)
    await upgrade(built.db)
    yield built
    await built.close()


async def test_the_statements_run_on_every_backend(any_services: Services) -> None:
    """`INSERT … SELECT` with the contexts as JSON, the grouped reach, the atomic creation
    of an event by its request key, the RSVP notices: on SQLite and PostgreSQL."""
    services = any_services
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        far = await fake.youth(session, now, name="Far", region="reu", locale="en")
        near = await fake.youth(session, now, name="Near")
        await fake.mentor(session, now)
    event = await fake.event_id(services)
    async with services.sessions() as session, session.begin():
        again = await staff_events.create_event(
            session, fake.draft(now), staff=fake.STAFF, now=now, request_key="k"
        )
        same = await staff_events.create_event(
            session, fake.draft(now), staff=fake.STAFF, now=now, request_key="k"
        )
    assert same.event.id == again.event.id
    assert not same.created
    announcement = await fake.announcement_id(services, event)
    async with services.sessions() as session, session.begin():
        row = await session.get(Announcement, announcement)
        assert row is not None
        await announcements.queue_recipients(session, row, now=now, zone=services.config.zone)
        assert (await events.reach(session, Audience(roles=(Role.YOUTH, Role.MENTOR)))).total == 3
        # renamed while out: each unsent row rewritten with its own language and time zone
        renamed = await session.get(Event, event)
        assert renamed is not None
        renamed.title = "Réussir son entretien d'embauche"
        fresh = announcements.variants(row, renamed, services.config.zone)
        assert await events.rewrite_unsent(session, announcement, fresh) == 3
        for person in (far, near):
            await rsvp.answer(
                session, person=person, announcement_id=announcement, value="yes", now=now
            )
    async with services.sessions() as session, session.begin():
        stored = await session.get(Event, event)
        assert stored is not None
        told = await event_notices.notify_answerers(
            session,
            stored,
            message="reminder_day",
            answers=(RsvpAnswer.YES,),
            key=f"event:{event}:day",
            now=now,
            zone=services.config.zone,
        )
        assert told == 2
        assert await events.expire_unsent(session, announcement, now) == 3
    async with services.sessions() as session:
        rows = {
            row.person_id: row
            for row in (await session.scalars(select(Delivery))).all()
            if row.template.endswith("reminder_day")
        }
        announced = (
            await session.scalars(
                select(Delivery).where(Delivery.idempotency_key.startswith("announce:"))
            )
        ).all()
    assert rows[far.id].context["zone"] == "Indian/Reunion"
    assert rows[near.id].context["zone"] == "Europe/Paris"
    bodies = {row.person_id: "".join(row.context["body"]) for row in announced}
    assert "Réunion time" in bodies[far.id]
    assert "heure de Paris" in bodies[near.id]
    assert all("d'embauche" in body for body in bodies.values())
    assert {row.status for row in announced} == {"cancelled"}
