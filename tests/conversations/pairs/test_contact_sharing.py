"""The youth shares her email with her mentor, through the engine: the consent recorded
and audit-logged, the address sent once to the pair's thread and not kept in the outbox."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select

from bot.container import Services
from conversations.core.messages import Channel, Choice, Reply, SendResult, SendStatus
from conversations.pairs.lifecycle import change_status
from conversations.staff import pairing as staff_pairing
from scheduler.dispatcher import Dispatcher
from storage import applications, threads
from storage.models import AuditLog, Delivery, Pairing, PairingStatus, Priority
from tests.fakes.mentoring import as_sent, make_mentor, make_youth
from tests.fakes.transcript import Person as Talker

YOUTH = "7001"
EMAIL = "ines.martin@example.org"
M = TypeVar("M")


async def rows(services: Services, model: type[M]) -> list[M]:
    async with services.sessions() as session:
        return list((await session.scalars(select(model))).all())


async def deliveries(services: Services, template: str) -> list[Delivery]:
    async with services.sessions() as session:
        found = await session.scalars(select(Delivery).where(Delivery.template == template))
        return list(found.all())


async def pair(services: Services, email: str | None = EMAIL, youth: str = YOUTH) -> int:
    """A pair whose youth gave `email` in her application (None: she skipped it)."""
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        her = await make_youth(session, now, telegram_id=youth)
        application = await applications.latest(session, her.id)
        assert application is not None
        application.answers = {**application.answers, "email": email or "skip"}
        mentor = await staff_pairing.find_mentor(session, "UMENTOR1")
        if mentor is None:
            mentor = await make_mentor(session, now)
        made = await staff_pairing.pair(
            session,
            youth_id=her.id,
            mentor_id=mentor.id,
            staff="tests",
            now=now,
            config=services.config,
        )
        await threads.record(
            session, channel="slack", chat_id="DM1", ts="1700.0001", now=now, pairing_id=made.id
        )
        return made.id


class Recorder:
    """A platform that accepts every message and remembers what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Reply]] = []

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        self.sent.append((chat_id, reply))
        return SendResult(SendStatus.SENT, chat=chat_id, ref=f"{len(self.sent)}.0")


async def test_the_introduction_offers_it_only_with_an_email_on_file(services: Services) -> None:
    with_email = await pair(services)
    without = await pair(services, None, youth="7002")
    intros = {d.idempotency_key: d for d in await deliveries(services, "pairing.youth_paired")}
    offered = intros[f"pairing:{with_email}:intro_youth"].context
    assert offered["choices"] == [["choice.sharing.share_email", f"es:{with_email}:yes"]]
    assert offered["email_on_file"] is True
    assert intros[f"pairing:{without}:intro_youth"].context["choices"] == []
    context = await as_sent(services, offered)
    shown = services.renderer.render(
        Reply(
            "pairing.youth_paired",
            {**context, "name": "Inès"},
            tuple(Choice(label, value) for label, value in offered["choices"]),
        ),
        Channel.TELEGRAM,
    )
    assert "tu peux aussi lui donner ton email avec le bouton ci-dessous" in shown.text
    assert shown.buttons == ((("📧 Partager mon email", f"es:{with_email}:yes"),),)


async def test_sharing_sends_the_email_once_to_the_pairs_thread(services: Services) -> None:
    pairing_id = await pair(services)
    youth = Talker(services, YOUTH)
    said = await youth.presses(f"es:{pairing_id}:yes")
    assert f"C'est fait : Claire a reçu ton email ({EMAIL})" in said.text
    async with services.sessions() as session:
        pairing = await session.get(Pairing, pairing_id)
    assert pairing is not None
    assert pairing.youth_email_shared_at == services.clock.now()
    [consent] = [a for a in await rows(services, AuditLog) if a.action == "youth_email_shared"]
    assert consent.subject_person_id == pairing.youth_id
    assert consent.detail == {"pairing": pairing_id, "mentor": pairing.mentor_id}
    assert EMAIL not in str(consent.detail)

    [sent] = await deliveries(services, "sharing.mentor.email")
    assert (sent.channel, sent.person_id, sent.priority, sent.order_key) == (
        "slack",
        pairing.mentor_id,
        Priority.URGENT,
        f"pair:{pairing_id}:to_mentor",
    )
    context = await as_sent(services, sent.context)
    assert (context["email"], context["thread_ts"], context["live"], context["drop"]) == (
        EMAIL,
        "1700.0001",
        True,
        ["email"],
    )
    text = services.renderer.text("sharing.mentor.email", "fr", Channel.SLACK, context)
    assert text == f"📧 Inès vous donne son email : {EMAIL}"

    said = await youth.presses(f"es:{pairing_id}:yes")
    assert "Tu as déjà donné ton email à Claire (le 2 novembre 2026)" in said.text
    assert len(await deliveries(services, "sharing.mentor.email")) == 1
    assert len([a for a in await rows(services, AuditLog) if a.action == "youth_email_shared"]) == 1

    # delivered, the address is not kept in the outbox
    slack = Recorder()
    await Dispatcher(services.sessions, {"slack": slack}, services.clock).run_until_empty()
    assert any(reply.key == "sharing.mentor.email" for _, reply in slack.sent)
    [kept] = await deliveries(services, "sharing.mentor.email")
    assert kept.status == "sent"
    assert EMAIL not in str(kept.context)


async def test_no_email_on_file_is_said_kindly_and_records_nothing(services: Services) -> None:
    pairing_id = await pair(services, None)
    said = await Talker(services, YOUTH).presses(f"es:{pairing_id}:yes")
    assert "Je n'ai pas d'email pour toi" in said.text
    assert "écris-le directement ici à Claire" in said.text
    async with services.sessions() as session:
        pairing = await session.get(Pairing, pairing_id)
    assert pairing is not None
    assert pairing.youth_email_shared_at is None
    assert await deliveries(services, "sharing.mentor.email") == []


async def test_someone_elses_button_a_made_up_one_or_a_paused_pair_send_nothing(
    services: Services,
) -> None:
    pairing_id = await pair(services)
    await pair(services, "samir@example.org", youth="7002")
    said = await Talker(services, "7002", name="Samir").presses(f"es:{pairing_id}:yes")
    assert said.keys[0] == "sharing.youth.not_yours"
    said = await Talker(services, YOUTH).presses(f"es:{pairing_id}:no")
    assert said.keys == ["common.stale_button"]
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        change_status(
            pairing, PairingStatus.PAUSED, now=services.clock.now(), config=services.config
        )
    said = await Talker(services, YOUTH).presses(f"es:{pairing_id}:yes")
    assert "je n'envoie pas ton email" in said.text
    assert await deliveries(services, "sharing.mentor.email") == []
    refused = [a for a in await rows(services, AuditLog) if a.action == "foreign_pair_refused"]
    assert len(refused) == 1
