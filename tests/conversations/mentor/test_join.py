"""Mentors sign up themselves (`/mentorbot join`), staff approve or decline: every bad answer
refused under its field with nothing stored, one case per sign-up however often it is
sent, one decision however often (and by whomever) it is pressed, every decision
audit-logged, the mentor told."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel
from conversations.mentor import join
from conversations.rules.regions import REGIONS
from storage import people
from storage.models import (
    AuditLog,
    Case,
    CaseState,
    Delivery,
    Identity,
    MentorProfile,
    Person,
    Role,
)
from tests.conversations.mentor.on_slack import STAFF, Slack, all_of, with_staff
from tests.fakes.mentoring import make_mentor

NEWCOMER = "UNEW1"
OTHER_STAFF = "USTAFF2"
GOOD: dict[str, object] = {
    "first_name": "  Claire ",
    "company": "ACME",
    "sector": "Informatique",
    "expertise": "développement web, entretiens",
    "region": "ara",
    "capacity": "2",
    "languages": ["en", "fr"],
    "remote": "yes",
}


@pytest.fixture
async def services(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    async with with_staff(tmp_path, clock, STAFF, OTHER_STAFF) as built:
        yield built


async def signed_up(services: Services) -> Person:
    newcomer = Slack(services, NEWCOMER)
    await newcomer.command("join")
    await newcomer.submit(join.FORM, GOOD)
    (person,) = [p for p in await all_of(services, Person) if p.display_name == "Claire"]
    return person


# ------------------------------------------------------------------ the answers


def test_good_answers_are_read_tidied() -> None:
    found = join.parse_profile(GOOD)
    assert found == join.ProfileAnswers(
        first_name="Claire",
        company="ACME",
        sector="Informatique",
        expertise="développement web, entretiens",
        region="ara",
        capacity=2,
        # in the order they are offered
        languages=("fr", "en"),
        remote=True,
    )
    assert join.parse_profile({**GOOD, "company": "  ", "remote": "no"}) == join.ProfileAnswers(
        "Claire", None, "Informatique", "développement web, entretiens", "ara", 2,
        ("fr", "en"), False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"first_name": "   "}, {"first_name": "form.required"}),
        ({"first_name": None}, {"first_name": "form.required"}),
        ({"first_name": "C" * 61}, {"first_name": "mentor.join.error_too_long"}),
        ({"sector": ""}, {"sector": "form.required"}),
        ({"expertise": "x" * 301}, {"expertise": "mentor.join.error_too_long"}),
        ({"company": "A" * 201}, {"company": "mentor.join.error_too_long"}),
        ({"region": None}, {"region": "form.required"}),
        ({"region": "atlantis"}, {"region": "form.invalid_choice"}),
        ({"region": "IDF"}, {"region": "form.invalid_choice"}),
        ({"capacity": None}, {"capacity": "form.required"}),
        ({"capacity": "0"}, {"capacity": "form.invalid_choice"}),
        ({"capacity": "6"}, {"capacity": "form.invalid_choice"}),
        ({"capacity": "deux"}, {"capacity": "form.invalid_choice"}),
        ({"languages": []}, {"languages": "form.required"}),
        ({"languages": None}, {"languages": "form.required"}),
        ({"languages": ["fr", "klingon"]}, {"languages": "form.invalid_choice"}),
        ({"remote": "maybe"}, {"remote": "form.invalid_choice"}),
        ({"remote": None, "sector": None}, {"remote": "form.required", "sector": "form.required"}),
    ],
)
def test_each_bad_answer_is_refused_under_its_field(
    changes: dict[str, object], errors: dict[str, str]
) -> None:
    assert join.parse_profile({**GOOD, **changes}) == errors


def test_the_form_offers_every_region_five_capacities_and_the_languages() -> None:
    form = join.join_form("fr")
    fields = {f.name: f for f in form.fields}
    assert list(fields) == [
        "first_name", "company", "sector", "expertise", "region", "capacity", "languages",
        "remote",
    ]  # fmt: skip
    assert [c.value for c in fields["region"].options] == list(REGIONS)
    assert [c.value for c in fields["capacity"].options] == ["1", "2", "3", "4", "5"]
    assert [c.value for c in fields["languages"].options] == list(join.LANGUAGES)
    assert not fields["company"].required
    assert all(f.initial is None for f in form.fields)


async def test_the_form_shows_regions_and_languages_by_name(services: Services) -> None:
    form = join.join_form("fr")
    fields = {f.name: f for f in form.fields}
    renderer = services.renderer
    regions = [renderer.label(c, "fr", Channel.SLACK) for c in fields["region"].options]
    assert "Île-de-France" in regions
    assert "La Réunion" in regions
    languages = [renderer.label(c, "en", Channel.SLACK) for c in fields["languages"].options]
    assert languages[:3] == ["French", "English", "Arabic"]


# ------------------------------------------------------------------ signing up


async def test_a_stranger_opens_the_form_and_signs_up(services: Services) -> None:
    newcomer = Slack(services, NEWCOMER)
    for verb in ("join", "rejoindre", "Inscription"):
        opened = await newcomer.command(verb)
        assert opened.form is not None
        assert opened.form.name == join.FORM
    # errors are shown under their fields, and nothing is stored
    refused = await newcomer.submit(join.FORM, {**GOOD, "region": "atlantis", "first_name": ""})
    assert refused.form_errors == {"region": "form.invalid_choice", "first_name": "form.required"}
    assert await all_of(services, Person) == []
    assert await all_of(services, Case) == []

    done = await newcomer.submit(join.FORM, GOOD)
    assert not done.form_errors
    [person] = await all_of(services, Person)
    assert (person.role, person.display_name, person.region) == (Role.MENTOR, "Claire", "ara")
    [identity] = await all_of(services, Identity)
    assert (identity.channel, identity.external_id, identity.chat_id) == (
        "slack", NEWCOMER, NEWCOMER
    )  # fmt: skip
    [profile] = await all_of(services, MentorProfile)
    assert (profile.status, profile.company, profile.sector, profile.expertise) == (
        "pending", "ACME", "Informatique", "développement web, entretiens"
    )  # fmt: skip
    assert (profile.region, profile.capacity, profile.languages, profile.remote) == (
        "ara", 2, ["fr", "en"], True
    )  # fmt: skip
    assert profile.accepting
    assert profile.approved_at is None
    [case] = await all_of(services, Case)
    assert (case.person_id, case.topic, case.state) == (person.id, "mentor_signup", "open")
    assert f"demande n°{case.id}" in newcomer.text
    # the case's post for the staff channel: the profile and the buttons to decide
    [post] = [d for d in await all_of(services, Delivery) if d.template == "staff.approval.signup"]
    assert post.idempotency_key == f"case:{case.id}:opened"
    assert [choice[1] for choice in post.context["choices"]] == [
        f"ja:{person.id}", f"jd:{person.id}", f"ct:{case.id}"
    ]  # fmt: skip
    assert post.context["anchor"] == {"case": case.id}
    [entry] = [a for a in await all_of(services, AuditLog) if a.action == "mentor_signed_up"]
    assert entry.subject_person_id == person.id
    assert "Claire" not in str(entry.detail)


async def test_signing_up_twice_opens_no_second_case(services: Services) -> None:
    newcomer = Slack(services, NEWCOMER)
    await newcomer.command("join")
    first = await newcomer.submit(join.FORM, GOOD, event_id="view:V1")
    assert first.replies
    # Slack retries the same submission: nothing happens twice
    again = await newcomer.submit(join.FORM, GOOD, event_id="view:V1")
    assert again.replies == []
    # the verb again: told it is pending, no form
    said = await newcomer.command("join")
    assert said.form is None
    assert "attend encore la validation" in newcomer.text
    # a second form opened before the first was sent
    await newcomer.submit(join.FORM, {**GOOD, "company": "Autre"}, event_id="view:V2")
    assert "attend encore la validation" in newcomer.text
    assert len(await all_of(services, Case)) == 1
    assert len(await all_of(services, Person)) == 1
    [profile] = await all_of(services, MentorProfile)
    assert profile.company == "ACME"


async def test_a_pending_mentor_is_told_it_is_pending_whatever_they_do(
    services: Services,
) -> None:
    await signed_up(services)
    newcomer = Slack(services, NEWCOMER)
    for verb in ("pairs", "log", "profile", "available off", "help"):
        said = await newcomer.command(verb)
        assert said.form is None
        assert "attend encore la validation" in newcomer.text, verb
    await newcomer.press("jp")
    assert "attend encore la validation" in newcomer.text
    home = await newcomer.open_home()
    assert home.home is not None
    assert not home.home.known
    # they can still write to the team
    asked = await newcomer.command("team Quand saurai-je ?")
    assert "transmise à l'équipe" in newcomer.text
    assert asked.form is None
    assert len(await all_of(services, Case)) == 2


async def test_a_mentor_registered_by_staff_is_active_at_once(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        mentor = await make_mentor(session, services.clock.now())
    [profile] = await all_of(services, MentorProfile)
    assert profile.status == "active"
    claire = Slack(services, "UMENTOR1")
    said = await claire.command("join")
    assert said.form is None
    assert "déjà mentor" in claire.text
    await claire.submit(join.FORM, GOOD)
    assert "déjà mentor" in claire.text
    assert await all_of(services, Case) == []
    # an approval button forged for them changes nothing
    staff = Slack(services, STAFF)
    await staff.press("ja", mentor.id)
    assert "déjà validée" in staff.text
    assert [a.action for a in await all_of(services, AuditLog)] == ["mentor_added"]


async def test_someone_known_otherwise_cannot_sign_up(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await people.create_person(
            session, role=Role.STAFF, channel=Channel.SLACK, external_id=NEWCOMER,
            chat_id=NEWCOMER, locale="fr", now=services.clock.now(),
        )  # fmt: skip
    newcomer = Slack(services, NEWCOMER)
    said = await newcomer.command("join")
    assert said.form is None
    assert "pas comme mentor" in newcomer.text
    await newcomer.submit(join.FORM, GOOD)
    assert await all_of(services, MentorProfile) == []


# ------------------------------------------------------------------ staff decide


async def test_staff_approve_once_and_the_mentor_is_told(services: Services) -> None:
    person = await signed_up(services)
    staff = Slack(services, STAFF)
    approved = await staff.press("ja", person.id)
    assert approved.answered
    assert f"#{person.id} Claire fait maintenant partie des mentors actifs" in staff.text
    [profile] = await all_of(services, MentorProfile)
    assert (profile.status, profile.approved_by) == ("active", STAFF)
    assert profile.approved_at == services.clock.now()
    [case] = await all_of(services, Case)
    assert case.state == CaseState.RESOLVED
    [told] = [d for d in await all_of(services, Delivery) if d.person_id == person.id]
    assert (told.template, told.channel) == ("mentor.join.approved", "slack")
    text = services.renderer.text("mentor.join.approved", "fr", Channel.SLACK, told.context)
    assert "Bienvenue" in text
    assert "/mentorbot profile" in text

    # pressed again, by them or by someone else: one decision, the second told who made it
    for who in (STAFF, OTHER_STAFF):
        again = Slack(services, who)
        await again.press("ja", person.id)
        assert f"déjà validée par `{STAFF}`" in again.text
        await again.press("jd", person.id)
        assert f"déjà validée par `{STAFF}`" in again.text
    [profile] = await all_of(services, MentorProfile)
    assert profile.status == "active"
    decisions = [a for a in await all_of(services, AuditLog) if a.action.startswith("mentor_")]
    assert [(a.action, a.actor) for a in decisions] == [
        ("mentor_signed_up", f"mentor:{person.id}"),
        ("mentor_approved", f"staff:{STAFF}"),
    ]
    assert decisions[1].detail == {"case": case.id}
    assert len([d for d in await all_of(services, Delivery) if d.person_id == person.id]) == 1

    # now a mentor: the mentor's features, and no second sign-up
    claire = Slack(services, NEWCOMER)
    await claire.command("pairs")
    assert "attend" not in claire.text
    await claire.command("join")
    assert "déjà mentor" in claire.text


async def test_staff_decline_kindly_and_for_good(services: Services) -> None:
    person = await signed_up(services)
    staff = Slack(services, OTHER_STAFF)
    declined = await staff.press("jd", person.id)
    assert declined.answered
    assert "Inscription refusée" in staff.text
    [profile] = await all_of(services, MentorProfile)
    assert (profile.status, profile.approved_by) == ("declined", OTHER_STAFF)
    [case] = await all_of(services, Case)
    assert case.state == CaseState.RESOLVED
    [told] = [d for d in await all_of(services, Delivery) if d.person_id == person.id]
    assert told.template == "mentor.join.declined"
    text = services.renderer.text("mentor.join.declined", "fr", Channel.SLACK, told.context)
    assert "Merci beaucoup" in text
    [entry] = [a for a in await all_of(services, AuditLog) if a.action == "mentor_declined"]
    assert (entry.actor, entry.subject_person_id) == (f"staff:{OTHER_STAFF}", person.id)

    # approving afterwards changes nothing
    await Slack(services, STAFF).press("ja", person.id)
    [profile] = await all_of(services, MentorProfile)
    assert profile.status == "declined"
    # they cannot sign up again, nor use the mentor's features, but can write to the team
    claire = Slack(services, NEWCOMER)
    said = await claire.command("join")
    assert said.form is None
    assert "n'a pas retenu votre inscription" in claire.text
    await claire.command("pairs")
    assert "n'a pas retenu votre inscription" in claire.text
    assert len(await all_of(services, Case)) == 1


async def test_an_approval_by_someone_not_on_the_staff_is_refused_and_audited(
    services: Services,
) -> None:
    person = await signed_up(services)
    intruder = Slack(services, "UINTRUDER")
    await intruder.press("ja", person.id)
    assert "réservée à l'équipe du programme" in intruder.text
    # the mentor signing up cannot approve themselves either
    await Slack(services, NEWCOMER).press("ja", person.id)
    [profile] = await all_of(services, MentorProfile)
    assert profile.status == "pending"
    refused = [a for a in await all_of(services, AuditLog) if a.action == "staff_refused"]
    assert [a.actor for a in refused] == ["slack:UINTRUDER", "slack:UNEW1"]
    assert all(a.detail["what"] == f"ja:{person.id}" for a in refused)


async def test_an_approval_for_nobody_is_said_so(services: Services) -> None:
    staff = Slack(services, STAFF)
    await staff.press("ja", 999)
    assert "Je ne trouve pas d'inscription de mentor pour #999" in staff.text
    assert [a.action for a in await all_of(services, AuditLog)] == []
