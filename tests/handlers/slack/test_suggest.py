"""Pairing suggestions in Slack, through the real Bolt app (signed requests, the stand-in
Web API): `/mentorbot suggest` lists the mentors who may take the youth, best first, each
with why; "Pair" pairs once (a second press does nothing), both people are told; a mentor
who filled up meanwhile, a youth not eligible or already paired get a clear answer; the
unpaired digest's buttons and a pair's "Change mentor" lead to the same list; a mentor
pressing "Pair" is refused and audit-logged."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.staff import pairing
from scheduler.ticks import Ticks
from storage.models import AuditLog, Delivery, MentorProfile, Pairing, PairingStatus
from tests.fakes.mentoring import make_mentor, make_pair, make_youth
from tests.fakes.slack_bot import SlackHarness
from tests.handlers.slack.conftest import MENTOR, STAFF, STAFF_CHANNEL, click, dispatcher, rows

TELEGRAM_ID = "5550042"


async def command(slack: SlackHarness, user: str, text: str) -> None:
    status, _ = await slack.send(*slack.requests.slash_command(user, text=text))
    assert status == 200


async def mentor(services: Services, slack_id: str, name: str, **profile: Any) -> int:
    """A mentor (region idf, 2 seats), their profile changed by `profile`."""
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        person = await make_mentor(session, now, slack_id, name=name)
        found = await session.get(MentorProfile, person.id)
        assert found is not None
        for key, value in profile.items():
            setattr(found, key, value)
        return person.id


async def youth(
    services: Services, name: str = "Inès", *, decision: str = "eligible", days: int = 12
) -> int:
    """A youth on Telegram, decided `days` ago, who wants to work in web development."""
    decided = services.clock.now() - timedelta(days=days)
    async with services.sessions() as session, session.begin():
        person = await make_youth(
            session,
            decided,
            name=name,
            decision=decision,
            telegram_id=TELEGRAM_ID if name == "Inès" else None,
        )
        return person.id


def last(slack: SlackHarness) -> dict[str, Any]:
    return slack.api.messages(STAFF)[-1]


async def test_suggest_then_pair_once_and_both_are_told(
    services: Services, slack: SlackHarness, slack_api: Any
) -> None:
    inès = await youth(services)
    claire = await mentor(services, MENTOR, "Claire", expertise="Développement web, data")
    bruno = await mentor(services, "UBRUNO", "Bruno", region="ara", sector="Banque")
    await mentor(services, "UFULL", "Fanny", capacity=1)
    await make_pair(services, mentor_slack="UFULL", youth_name="Samir")
    await mentor(services, "UAWAY", "Alice", checkins_paused_until=date(2026, 12, 1))
    await mentor(services, "UCLOSED", "Chloé", accepting=False)
    await mentor(services, "UPENDING", "Paul", status="pending")

    await command(slack, STAFF, f"suggest #{inès}")

    listed = slack.texts(STAFF)[-1]
    assert f"Mentors suggérés pour n°{inès} Inès" in listed
    assert "En attente d'un binôme depuis 12 jours." in listed
    assert listed.index("Claire") < listed.index("Bruno")
    assert "Domaine proche (« Développement web »), même région (Île-de-France)" in listed
    assert "Suit à distance (région du mentor : Auvergne-Rhône-Alpes)" in listed
    for left_out in ("Fanny", "Alice", "Chloé", "Paul"):
        assert left_out not in listed
    assert slack.buttons(last(slack)) == {
        f"Associer à n°{claire} Claire": f"pm:{inès}:{claire}",
        f"Associer à n°{bruno} Bruno": f"pm:{inès}:{bruno}",
    }

    await click(slack, STAFF, f"pm:{inès}:{claire}")
    [made] = [p for p in await rows(services, Pairing) if p.youth_id == inès]
    assert (made.mentor_id, made.status, made.created_by) == (claire, "active", STAFF)
    assert made.next_checkin_due_at is not None  # the scheduler takes over
    assert (
        f"Binôme n°{made.id} créé : n°{inès} Inès avec n°{claire} Claire."
        in (slack.texts(STAFF)[-1])
    )
    told = {(d.person_id, d.template) for d in await rows(services, Delivery)}
    assert {(claire, "mentor.pairing_intro"), (inès, "pairing.youth_paired")} <= told
    await dispatcher(services, slack_api).run_until_empty()
    assert any("Inès" in text for text in slack.texts(MENTOR))

    # pressed again: nothing done twice
    await click(slack, STAFF, f"pm:{inès}:{claire}")
    assert "C'est déjà fait" in slack.texts(STAFF)[-1]
    await click(slack, STAFF, f"pm:{inès}:{bruno}")
    assert "est déjà en binôme avec" in slack.texts(STAFF)[-1]
    assert [p.id for p in await rows(services, Pairing) if p.youth_id == inès] == [made.id]
    created = [a for a in await rows(services, AuditLog) if a.action == "pairing_created"]
    assert [a.actor for a in created if a.subject_person_id == inès] == [f"staff:{STAFF}"]

    # suggestions for a youth already paired: said, with the way to change mentor
    await command(slack, STAFF, f"suggest {inès}")
    assert f"déjà en binôme avec n°{claire} Claire (binôme n°{made.id})" in slack.texts(STAFF)[-1]
    assert slack.buttons(last(slack)) == {"Changer de mentor": f"pq:{made.id}"}


async def test_a_mentor_who_filled_up_meanwhile_is_not_paired(
    services: Services, slack: SlackHarness
) -> None:
    inès = await youth(services)
    claire = await mentor(services, MENTOR, "Claire", capacity=1)
    await command(slack, STAFF, f"suggest {inès}")
    assert slack.buttons(last(slack)) == {f"Associer à n°{claire} Claire": f"pm:{inès}:{claire}"}
    samir = await youth(services, "Samir")
    async with services.sessions() as session, session.begin():
        await pairing.pair(
            session,
            youth_id=samir,
            mentor_id=claire,
            staff="UOTHER",
            now=services.clock.now(),
            config=services.config,
        )

    await click(slack, STAFF, f"pm:{inès}:{claire}")

    assert (
        f"Binôme non créé : n°{claire} Claire n'a plus de place libre." in (slack.texts(STAFF)[-1])
    )
    assert [p.youth_id for p in await rows(services, Pairing)] == [samir]
    # and a suggestion now says why nobody is left
    await command(slack, STAFF, f"suggest {inès}")
    assert "Aucun mentor disponible" in slack.texts(STAFF)[-1]
    assert "Mentors écartés : 1 complet." in slack.texts(STAFF)[-1]


async def test_no_suggestion_for_a_youth_not_eligible_or_unknown(
    services: Services, slack: SlackHarness
) -> None:
    waiting = await youth(services, "Lina", decision="review")
    claire = await mentor(services, MENTOR, "Claire")
    await command(slack, STAFF, f"suggest {waiting}")
    assert "le dossier attend la revue de l'équipe" in slack.texts(STAFF)[-1]
    # a button made before the decision changed
    await click(slack, STAFF, f"pm:{waiting}:{claire}")
    assert "le dossier attend la revue" in slack.texts(STAFF)[-1]
    await command(slack, STAFF, "suggest personne@example.org")
    assert "Je ne trouve aucun jeune pour « personne@example.org »" in slack.texts(STAFF)[-1]
    await command(slack, STAFF, "suggest")
    assert "<code>" not in slack.texts(STAFF)[-1]
    assert "/mentorbot suggest 12" in slack.texts(STAFF)[-1]
    assert await rows(services, Pairing) == []


async def test_a_mentor_cannot_suggest_nor_pair(services: Services, slack: SlackHarness) -> None:
    inès = await youth(services)
    claire = await mentor(services, MENTOR, "Claire")
    await command(slack, MENTOR, f"suggest {inès}")
    await click(slack, MENTOR, f"pm:{inès}:{claire}")
    assert all("réservée à l'équipe" in text for text in slack.texts(MENTOR)[-2:])
    assert await rows(services, Pairing) == []
    refused = [a for a in await rows(services, AuditLog) if a.action == "staff_refused"]
    assert [(a.actor, a.detail["what"]) for a in refused] == [
        (f"slack:{MENTOR}", "suggest"),
        (f"slack:{MENTOR}", f"pm:{inès}:{claire}"),
    ]


async def test_the_unpaired_digest_offers_suggestions(
    services: Services, slack: SlackHarness, slack_api: Any, clock: FixedClock
) -> None:
    inès = await youth(services, days=30)
    claire = await mentor(services, MENTOR, "Claire")
    assert await Ticks(services.sessions, services.config).unpaired_digest(clock.now()) == 1
    await dispatcher(services, slack_api).run_until_empty()
    [digest] = slack_api.messages(STAFF_CHANNEL)
    assert slack.buttons(digest) == {f"🧭 Mentors pour n°{inès}": f"sg:{inès}"}

    await click(slack, STAFF, f"sg:{inès}")

    assert f"Mentors suggérés pour n°{inès} Inès" in slack.texts(STAFF)[-1]
    assert slack.buttons(last(slack)) == {f"Associer à n°{claire} Claire": f"pm:{inès}:{claire}"}


async def test_change_mentor_from_a_pair(services: Services, slack: SlackHarness) -> None:
    pairing_id, inès, claire = await make_pair(services, telegram_id=TELEGRAM_ID)
    bruno = await mentor(services, "UBRUNO", "Bruno")

    await click(slack, STAFF, f"pq:{pairing_id}")

    listed = slack.texts(STAFF)[-1]
    assert f"(nouveau mentor pour le binôme n°{pairing_id})" in listed
    assert "Claire" not in listed
    assert slack.buttons(last(slack)) == {
        f"Associer à n°{bruno} Bruno": f"pm:{inès}:{bruno}:r{pairing_id}"
    }

    await click(slack, STAFF, f"pm:{inès}:{bruno}:r{pairing_id}")

    pairs = {p.id: p for p in await rows(services, Pairing)}
    assert pairs[pairing_id].status == PairingStatus.CLOSED
    [new] = [p for p in pairs.values() if p.id != pairing_id]
    assert (new.youth_id, new.mentor_id, new.status) == (inès, bruno, "active")
    assert f"Binôme n°{pairing_id} remplacé par le binôme n°{new.id}" in slack.texts(STAFF)[-1]
    # pressed again, or the old pair's button: nothing more
    await click(slack, STAFF, f"pm:{inès}:{bruno}:r{pairing_id}")
    assert "C'est déjà fait" in slack.texts(STAFF)[-1]
    await click(slack, STAFF, f"pq:{pairing_id}")
    assert f"Le binôme n°{pairing_id} est terminé ou introuvable" in slack.texts(STAFF)[-1]
    assert len(await rows(services, Pairing)) == 2
    # the first mentor heard the youth has another mentor
    told = {(d.person_id, d.template) for d in await rows(services, Delivery)}
    assert (claire, "mentor.pair_actions.repaired") in told
    assert (bruno, "mentor.pairing_intro") in told
