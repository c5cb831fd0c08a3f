"""Registering a mentor by hand (`mentorbot mentor add`) finds the one a spreadsheet
imported without a Slack id, and approves a sign-up still waiting."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.staff import pairing
from storage import people
from storage.models import MentorProfile, MentorStatus, Person, Role


async def _imported(services: Services, clock: FixedClock) -> int:
    """A mentor as `mentorbot import mentors` leaves one with no slack_id column."""
    async with services.sessions() as session, session.begin():
        person = Person(
            role=Role.MENTOR, display_name="Claire", locale="fr", created_at=clock.now()
        )
        session.add(person)
        await session.flush()
        session.add(
            MentorProfile(
                person_id=person.id, email="claire@acme.fr", capacity=2, created_at=clock.now()
            )
        )
        return person.id


async def test_the_imported_mentor_gets_the_slack_id_instead_of_a_second_person(
    services: Services, clock: FixedClock
) -> None:
    imported = await _imported(services, clock)
    async with services.sessions() as session, session.begin():
        added = await pairing.add_mentor(
            session,
            pairing.MentorDetails(slack_user_id="UCLAIRE", email="Claire@ACME.fr", capacity=2),
            staff="Anne",
            now=clock.now(),
        )
    assert added.id == imported
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 1
        found = await people.find_by_identity(session, "slack", "UCLAIRE")
        assert found is not None
        assert found.id == imported
        assert found.display_name == "Claire"


async def test_staff_registering_a_waiting_sign_up_approves_it(
    services: Services, clock: FixedClock
) -> None:
    async with services.sessions() as session, session.begin():
        person = await pairing.add_mentor(
            session, pairing.MentorDetails(slack_user_id="UNEW"), staff="Anne", now=clock.now()
        )
        profile = await session.get(MentorProfile, person.id)
        assert profile is not None
        profile.status = MentorStatus.PENDING
    async with services.sessions() as session, session.begin():
        await pairing.add_mentor(
            session, pairing.MentorDetails(slack_user_id="UNEW"), staff="Anne", now=clock.now()
        )
    async with services.sessions() as session:
        profile = await session.get(MentorProfile, person.id)
        assert profile is not None
        assert profile.status == MentorStatus.ACTIVE
        assert profile.approved_by == "staff:Anne"
