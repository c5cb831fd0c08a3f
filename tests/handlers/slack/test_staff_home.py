"""The App Home through the real Bolt app: a staff member sees last month's figures, the
open cases and the youths waiting for a mentor (each with "Suggest mentors"); a staff
member who is also a mentor sees their pairs below; a mentor sees the buttons of their
profile and of taking new mentees."""

from __future__ import annotations

from bot.container import Services
from conversations.core import codec
from storage.models import MentorProfile
from tests.fakes.mentoring import make_mentor, make_pair
from tests.fakes.programme import seed_programme
from tests.fakes.slack_bot import SlackHarness
from tests.handlers.slack.conftest import MENTOR, STAFF


async def open_home(slack: SlackHarness, user: str) -> str:
    await slack.send(*slack.requests.event(slack.requests.app_home_opened(user)))
    return slack.home_text(user)


async def test_staff_see_the_programme_at_a_glance(slack: SlackHarness, services: Services) -> None:
    async with services.sessions() as session, session.begin():
        seeded = await seed_programme(session)
    home = await open_home(slack, STAFF)
    assert "L'équipe Mentorbot" in home
    # last month's figures (the clock says 2 November 2026)
    assert "Le programme en octobre 2026" in home
    assert "Inscriptions : 3" in home
    # two cases not resolved, the oldest first
    assert "Demandes en cours : 2" in home
    assert home.index("Alerte") < home.index("Demande à parler à une personne")
    # Y10 and Y11 wait; Y11 (decided 21 August at 9:00 UTC) for 73 days
    assert "Jeunes qui attendent un mentor : 2" in home
    omar, lina = seeded.youths["y11"], seeded.youths["y10"]
    assert f"n°{omar} Omar (Auvergne-Rhône-Alpes) : en attente depuis 73 jours" in home
    assert home.index(f"n°{omar} Omar") < home.index(f"n°{lina} Lina")
    assert "Suggérer des mentors" in home
    assert f'"value": "{codec.encode("sg", omar)}"' in home
    # not a mentor: no "I don't know you", no mentor part
    assert "Vos binômes de mentor" not in home


async def test_an_empty_programme_says_so(slack: SlackHarness, services: Services) -> None:
    home = await open_home(slack, STAFF)
    assert "Rien à montrer pour octobre 2026" in home
    assert "Aucune demande en cours." in home
    assert "Aucun jeune éligible n'attend de mentor." in home


async def test_a_staff_member_who_mentors_sees_their_pairs_too(
    slack: SlackHarness, services: Services
) -> None:
    await make_pair(services, mentor_slack=STAFF, youth_name="Inès")
    home = await open_home(slack, STAFF)
    assert "L'équipe Mentorbot" in home
    assert "Vos binômes de mentor" in home
    assert home.index("L'équipe Mentorbot") < home.index("Vos binômes de mentor")
    assert "Inès" in home
    # the youth is paired: nobody waits
    assert "Aucun jeune éligible n'attend de mentor." in home
    assert f'"value": "{codec.encode("jp")}"' in home


async def test_a_mentor_s_profile_buttons(slack: SlackHarness, services: Services) -> None:
    async with services.sessions() as session, session.begin():
        mentor = await make_mentor(session, services.clock.now(), MENTOR)
    home = await open_home(slack, MENTOR)
    assert "Modifier mon profil" in home
    assert "Pas de nouvelle personne pour l'instant" in home
    assert f'"value": "{codec.encode("jt", value="off")}"' in home
    assert "L'équipe Mentorbot" not in home
    async with services.sessions() as session, session.begin():
        profile = await session.get(MentorProfile, mentor.id)
        assert profile is not None
        profile.accepting = False
    home = await open_home(slack, MENTOR)
    # shown from `Home.accepting` once the mentor router passes it (see the report)
    assert "De nouveau disponible" in home or "Pas de nouvelle personne" in home
