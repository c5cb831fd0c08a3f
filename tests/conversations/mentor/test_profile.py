"""A mentor updates their profile (the sign-up form, filled in with what it holds) and says
whether they take new mentees; a capacity below the pairs they follow is refused under its
field, nothing changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel
from conversations.mentor import profile
from storage.models import MentorProfile, Person
from tests.conversations.mentor.on_slack import STAFF, Slack, all_of, with_staff
from tests.fakes.mentoring import make_mentor, make_pair

MENTOR = "UMENTOR1"
ANSWERS: dict[str, object] = {
    "first_name": "Claire",
    "company": "Globex",
    "sector": "Banque",
    "expertise": "finance, CV",
    "region": "reu",
    "capacity": "3",
    "languages": ["fr", "es"],
    "remote": "no",
}


@pytest.fixture
async def services(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    async with with_staff(tmp_path, clock, STAFF) as built:
        yield built


async def mentor_profile(services: Services) -> MentorProfile:
    [found] = await all_of(services, MentorProfile)
    return found


async def test_the_profile_form_is_filled_in_with_what_it_holds(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await make_mentor(session, services.clock.now(), MENTOR)
    claire = Slack(services, MENTOR)
    for opened in (await claire.command("profile"), await claire.command("profil"),
                   await claire.press("jp")):  # fmt: skip
        assert opened.form is not None
        assert opened.form.name == profile.FORM
        initial = {f.name: f.initial for f in opened.form.fields}
        assert initial == {
            "first_name": "Claire",
            "company": "ACME",
            "sector": "IT",
            "expertise": "",
            "region": "idf",
            "capacity": "2",
            "languages": [],
            "remote": "yes",
        }


async def test_an_update_replaces_the_profile(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await make_mentor(session, services.clock.now(), MENTOR)
    claire = Slack(services, MENTOR)
    refused = await claire.submit(profile.FORM, {**ANSWERS, "region": "mars"})
    assert refused.form_errors == {"region": "form.invalid_choice"}
    assert (await mentor_profile(services)).company == "ACME"
    done = await claire.submit(profile.FORM, ANSWERS)
    assert done.refresh_home
    assert done.home is not None
    assert "votre profil est à jour" in claire.text
    assert "jusqu'à 3 personnes" in claire.text
    found = await mentor_profile(services)
    assert (found.company, found.sector, found.expertise, found.region) == (
        "Globex", "Banque", "finance, CV", "reu"
    )  # fmt: skip
    assert (found.capacity, found.languages, found.remote, found.status) == (
        3, ["fr", "es"], False, "active"
    )  # fmt: skip
    [person] = await all_of(services, Person)
    # the region gives the time zone the check-ins are sent in
    assert person.region == "reu"


async def test_a_capacity_below_the_pairs_followed_is_refused(services: Services) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    await make_pair(services, mentor_slack=MENTOR, youth_name="Samir")
    claire = Slack(services, MENTOR)
    refused = await claire.submit(profile.FORM, {**ANSWERS, "capacity": "1"})
    assert refused.form_errors == {"capacity": "mentor.profile.error_capacity_below"}
    assert refused.form_error_context == {"capacity": {"count": 2}}
    text = services.renderer.text(
        "mentor.profile.error_capacity_below", "fr", Channel.CONSOLE, {"count": 2}
    )
    assert "Vous accompagnez en ce moment 2 personnes : choisissez au moins 2" in text
    assert (await mentor_profile(services)).capacity == 2
    # as many as they follow is fine
    await claire.submit(profile.FORM, {**ANSWERS, "capacity": "2"})
    assert "(en ce moment : 2)" in claire.text
    assert (await mentor_profile(services)).company == "Globex"


async def test_a_capacity_staff_set_above_five_can_be_kept(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await make_mentor(session, services.clock.now(), MENTOR, capacity=8)
    claire = Slack(services, MENTOR)
    opened = await claire.command("profile")
    assert opened.form is not None
    [capacity] = [f for f in opened.form.fields if f.name == "capacity"]
    assert [c.value for c in capacity.options] == [str(n) for n in range(1, 9)]
    await claire.submit(profile.FORM, {**ANSWERS, "capacity": "8"})
    assert (await mentor_profile(services)).capacity == 8
    refused = await claire.submit(profile.FORM, {**ANSWERS, "capacity": "9"})
    assert refused.form_errors == {"capacity": "form.invalid_choice"}


async def test_not_taking_new_mentees_for_now_and_again(services: Services) -> None:
    await make_pair(services, mentor_slack=MENTOR)
    claire = Slack(services, MENTOR)
    off = await claire.command("available off")
    assert off.refresh_home
    assert "ne vous proposera pas de nouvelle personne" in claire.text
    assert "Vos binômes en cours continuent" in claire.text
    assert not (await mentor_profile(services)).accepting
    await claire.command("dispo off")
    assert "ne vous propose déjà plus" in claire.text
    # where they stand, when the word is not understood
    await claire.command("available peut-être")
    assert "Vous n'acceptez pas de nouvelle personne" in claire.text
    assert "/mentorbot available on" in claire.text
    await claire.command("disponible")
    assert "Vous n'acceptez pas de nouvelle personne" in claire.text
    # the App Home's button
    await claire.press("jt", value="on")
    assert "peut de nouveau vous proposer" in claire.text
    assert (await mentor_profile(services)).accepting
    await claire.press("jt", value="off")
    assert not (await mentor_profile(services)).accepting
    await claire.press("jt", value="maybe")
    assert "Vous n'acceptez pas de nouvelle personne" in claire.text
    assert not (await mentor_profile(services)).accepting
