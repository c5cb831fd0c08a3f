"""A silent mentor answers "continue, pause or stop?" in Slack: the real Bolt app over HTTP,
Slack-signed requests, the stand-in Web API (and the stand-in Bot API for the youth)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.container import Services, build
from conversations.core.clock import FixedClock
from handlers.slack import SlackRenderer, SlackSender, build_client
from handlers.telegram import TelegramSender
from scheduler.dispatcher import Dispatcher, DispatchPolicy
from storage import people
from storage.database import upgrade
from storage.models import AuditLog, Checkin, Delivery, Pairing
from tests.conftest import make_settings
from tests.fakes.mentoring import make_mentor, make_pair, silent_until_asked
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import TOKEN, SlackHarness
from tests.fakes.telegram_api import FakeBotApi

MENTOR = "UMENTOR1"
STAFF_CHANNEL = "CSTAFF"
YOUTH = 5550001
M = TypeVar("M")


@pytest.fixture
async def services(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'slack.db'}",
        SLACK_STAFF_USERS="USTAFF1",
        SLACK_STAFF_CHANNEL=STAFF_CHANNEL,
    )
    built = build(settings, clock)
    await upgrade(built.db)
    yield built
    await built.close()


@pytest.fixture
async def slack(services: Services, slack_api: FakeSlackApi) -> AsyncIterator[SlackHarness]:
    async with SlackHarness.start(services, slack_api) as harness:
        yield harness


@pytest.fixture
async def outbox(
    services: Services, slack_api: FakeSlackApi, api: FakeBotApi
) -> AsyncIterator[Dispatcher]:
    """The outbox dispatcher with both senders. The daily budget is off: months of
    check-ins queued before the question are not the subject here."""
    slack_sender = SlackSender(
        build_client(TOKEN, slack_api.base_url, retry_on_rate_limit=False),
        SlackRenderer(services.renderer),
        services.clock,
        STAFF_CHANNEL,
    )
    telegram_sender = TelegramSender(Bot(api.token, base_url=api.base_url), services.renderer)
    yield Dispatcher(
        services.sessions,
        {"slack": slack_sender, "telegram": telegram_sender},
        services.clock,
        policy=DispatchPolicy(daily_budget=False),
    )
    await telegram_sender.close()


async def rows(services: Services, model: type[M]) -> list[M]:
    async with services.sessions() as session:
        return list((await session.scalars(select(model))).all())


async def pairing_of(services: Services, pairing_id: int) -> Pairing:
    async with services.sessions() as session:
        found = await session.get(Pairing, pairing_id)
    assert found is not None
    return found


async def click(slack: SlackHarness, user: str, value: str) -> None:
    status, _ = await slack.send(
        *slack.requests.block_actions(
            user, "mb_0", value, channel_id=f"D{user}", message_ts="1.000001"
        )
    )
    assert status == 200


async def asked(
    services: Services, clock: FixedClock, slack: SlackHarness, outbox: Dispatcher
) -> tuple[int, int, dict[str, str]]:
    """A pair whose mentor left three check-ins unanswered and has just received the
    question; returns (pairing id, youth id, the question's buttons)."""
    pairing_id, youth_id, _ = await make_pair(services, mentor_slack=MENTOR, telegram_id=str(YOUTH))
    await silent_until_asked(services, clock, pairing_id)
    clock.advance(timedelta(hours=1))  # Tuesday 2 March 2027, 11:00 in Paris
    report = await outbox.run_once()
    # the introductions (mentor, youth), three check-ins, then the question
    assert report.sent == 6
    [question] = [m for m in slack.api.messages(MENTOR) if "Votre mentorat" in m["text"]]
    assert "Votre mentorat avec Inès" in question["text"]
    assert "Les 3 derniers points mensuels sont restés sans réponse" in question["text"]
    return pairing_id, youth_id, slack.buttons(question)


async def test_continue_resets_the_count_and_asks_the_checkin_in_the_answer(
    services: Services, clock: FixedClock, slack: SlackHarness, outbox: Dispatcher
) -> None:
    pairing_id, _, buttons = await asked(services, clock, slack, outbox)
    assert buttons == {
        "Je continue": f"cm:{pairing_id}:continue",
        "Faire une pause": f"cm:{pairing_id}:pause",
        "Arrêter le mentorat": f"cm:{pairing_id}:stop",
    }
    before = len(slack.api.messages(MENTOR))
    await click(slack, MENTOR, buttons["Je continue"])

    thanks, checkin_ask = slack.api.messages(MENTOR)[before:]
    assert "C'est une joie de vous savoir toujours là pour Inès" in thanks["text"]
    assert "Point mensuel avec Inès" in checkin_ask["text"]
    [march] = [c for c in await rows(services, Checkin) if c.period == "2027-03"]
    assert slack.buttons(checkin_ask) == {
        "Oui": f"ci:{march.id}:yes",
        "Pas encore": f"ci:{march.id}:not_yet",
        "Nous n'avons pas réussi à nous joindre": f"ci:{march.id}:unreachable",
    }
    assert (march.remind_at, march.escalate_at) == (
        clock.now() + timedelta(days=4),
        clock.now() + timedelta(days=10),
    )
    pairing = await pairing_of(services, pairing_id)
    assert (pairing.status, pairing.mentor_silent_rounds) == ("active", 0)
    assert "Inès" in slack.home_text(MENTOR)
    # the question was answered in Slack: nothing more goes out through the outbox
    assert (await outbox.run_once()).sent == 0

    # the check-in's buttons work at once
    await click(slack, MENTOR, f"ci:{march.id}:not_yet")
    assert "Voulez-vous que je vous le rappelle dans 3 jours" in slack.texts(MENTOR)[-1]

    # the question's buttons are now stale
    await click(slack, MENTOR, buttons["Arrêter le mentorat"])
    assert slack.texts(MENTOR)[-1] == (
        "Vous avez déjà répondu pour le mentorat avec Inès, merci ! Rien d'autre à faire."
    )
    assert (await pairing_of(services, pairing_id)).status == "active"


async def test_pause_pauses_the_pair_and_alerts_staff(
    services: Services, clock: FixedClock, slack: SlackHarness, outbox: Dispatcher
) -> None:
    pairing_id, youth_id, buttons = await asked(services, clock, slack, outbox)
    await click(slack, MENTOR, buttons["Faire une pause"])
    assert slack.texts(MENTOR)[-1] == (
        "C'est noté : le mentorat avec Inès est en pause et vous ne recevrez plus de point "
        "mensuel. L'équipe est prévenue et reviendra vers vous pour la suite."
    )
    pairing = await pairing_of(services, pairing_id)
    assert (pairing.status, pairing.paused_at, pairing.next_checkin_due_at) == (
        "paused",
        clock.now(),
        None,
    )
    [paused] = [a for a in await rows(services, AuditLog) if a.action == "pairing_paused"]
    assert (paused.actor, paused.subject_person_id, paused.detail["pairing"]) == (
        f"mentor:{pairing.mentor_id}",
        youth_id,
        pairing_id,
    )

    await outbox.run_once()
    [alert] = slack.api.messages(STAFF_CHANNEL)
    assert f"Mentorat mis en pause côté mentor — binôme n°{pairing_id}" in alert["text"]
    assert "Mentor : Claire (`UMENTOR1`)\nJeune : Inès" in alert["text"]
    assert slack.buttons(alert) == {"Voir le binôme": f"sp:{pairing_id}"}

    # pressed again, or another answer: the pair stays paused, nobody is alerted twice
    await click(slack, MENTOR, buttons["Arrêter le mentorat"])
    assert "Le mentorat avec Inès est déjà en pause" in slack.texts(MENTOR)[-1]
    assert (await pairing_of(services, pairing_id)).status == "paused"
    await outbox.run_once()
    assert len(slack.api.messages(STAFF_CHANNEL)) == 1


async def test_stop_closes_the_pair_alerts_staff_and_tells_the_youth(
    services: Services,
    clock: FixedClock,
    slack: SlackHarness,
    outbox: Dispatcher,
    api: FakeBotApi,
) -> None:
    pairing_id, youth_id, buttons = await asked(services, clock, slack, outbox)
    await click(slack, MENTOR, buttons["Arrêter le mentorat"])
    assert slack.texts(MENTOR)[-1] == (
        "C'est noté : le mentorat avec Inès s'arrête. Merci pour le temps que vous lui avez "
        "consacré ! L'équipe prévient Inès et lui propose un autre accompagnement."
    )
    pairing = await pairing_of(services, pairing_id)
    assert (pairing.status, pairing.close_reason, pairing.closed_at) == (
        "closed",
        "mentor_unavailable",
        clock.now(),
    )
    assert pairing.next_checkin_due_at is None
    [closed] = [a for a in await rows(services, AuditLog) if a.action == "pairing_closed"]
    assert (closed.subject_person_id, closed.detail) == (
        youth_id,
        {"pairing": pairing_id, "reason": "mentor_unavailable"},
    )
    # the App Home shows the pair closed, without its buttons
    home = slack.home_text(MENTOR)
    assert "Inès" in home
    assert f"hl:{pairing_id}" not in home

    report = await outbox.run_once()
    assert report.sent == 2  # the staff alert and the youth's message
    [alert] = slack.api.messages(STAFF_CHANNEL)
    assert (
        f"Arrêt côté mentor : jeune en attente d'un nouvel accompagnement — binôme n°{pairing_id}"
    ) in alert["text"]
    told = api.texts(YOUTH, plain=True)[-1]
    assert "la personne qui t'accompagnait ne peut plus continuer le mentorat" in told
    assert "l'équipe cherche quelqu'un d'autre pour t'accompagner" in told
    [youth_message] = [
        d for d in await rows(services, Delivery) if d.template == "pairing.mentor_stopped"
    ]
    assert (youth_message.person_id, youth_message.channel, youth_message.status) == (
        youth_id,
        "telegram",
        "sent",
    )

    # any button of the question now: the pair is over, nothing changes
    await click(slack, MENTOR, buttons["Je continue"])
    assert slack.texts(MENTOR)[-1] == (
        "Le mentorat avec Inès est terminé : plus besoin de répondre. Merci pour votre engagement !"
    )
    assert (await pairing_of(services, pairing_id)).status == "closed"
    assert [c.period for c in await rows(services, Checkin)] == ["2026-12", "2027-01", "2027-02"]


async def test_only_the_pairs_mentor_can_answer_and_old_buttons_are_explained(
    services: Services, clock: FixedClock, slack: SlackHarness, outbox: Dispatcher
) -> None:
    pairing_id, _, buttons = await asked(services, clock, slack, outbox)
    async with services.sessions() as session, session.begin():
        await make_mentor(session, clock.now(), "UOTHER")
    await click(slack, "UOTHER", buttons["Arrêter le mentorat"])
    assert slack.texts("UOTHER") == [
        "Désolé, ce binôme n'est pas le vôtre : vous ne pouvez voir et noter que vos propres "
        "binômes."
    ]
    await click(slack, "UNOBODY", buttons["Arrêter le mentorat"])
    assert "Je ne vous connais pas encore comme mentor" in slack.texts("UNOBODY")[-1]
    await click(slack, MENTOR, f"cm:{pairing_id}:explode")
    assert slack.texts(MENTOR)[-1] == "Ce bouton vient d'un ancien message, il n'est plus valable."
    pairing = await pairing_of(services, pairing_id)
    assert (pairing.status, pairing.mentor_silent_rounds) == ("active", 3)
    refusals = [a for a in await rows(services, AuditLog) if a.action == "foreign_pair_refused"]
    assert [(a.actor, a.detail) for a in refusals] == [
        (f"mentor:{await _person_id(services, 'UOTHER')}", {"pairing": pairing_id})
    ]
    assert [d for d in await rows(services, Delivery) if d.destination == "staff"] == []


async def _person_id(services: Services, slack_id: str) -> int:
    async with services.sessions() as session:
        person = await people.find_by_identity(session, "slack", slack_id)
    assert person is not None
    return person.id
