"""A case is a thread in the staff channel, through the running Slack app against the
stand-in Web API: `/human` -> the case's post -> a staff reply in its thread reaches the
youth -> the youth's reply lands in the thread -> resolved. Others replying there are
ignored (and audit-logged), a retried event is relayed once, a reply in a resolved case
reopens it, and 60 pairs at risk on one day are one digest post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel, Incoming, Kind
from conversations.pairs import cases
from scheduler.ticks import Ticks
from storage.models import AuditLog, Case, Delivery, Pairing, Thread
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_bot import SlackHarness
from tests.handlers.slack.conftest import MENTOR, STAFF, STAFF_CHANNEL, click, dispatcher, rows

TELEGRAM_ID = "5550001"


async def _human(services: Services) -> Case:
    await services.engine.handle(
        Incoming(
            Channel.TELEGRAM,
            TELEGRAM_ID,
            Kind.COMMAND,
            text="/human Je voudrais changer de mentor",
            command="human",
            args="Je voudrais changer de mentor",
            chat_id=TELEGRAM_ID,
            event_id="tg-1",
        )
    )
    [case] = await rows(services, Case)
    return case


async def _posted_case(services: Services, slack: SlackHarness) -> tuple[Case, str]:
    """A youth's case, posted in the staff channel: the case and its thread."""
    await make_pair(services, telegram_id=TELEGRAM_ID)
    await _human(services)
    await dispatcher(services, slack.api).run_until_empty()
    [case] = await rows(services, Case)
    assert case.staff_channel_ts is not None
    return case, case.staff_channel_ts


async def _reply_in_thread(
    slack: SlackHarness, user: str, thread: str, text: str, *, event_id: str | None = None
) -> None:
    event = slack.requests.message_channel(user, STAFF_CHANNEL, text, thread_ts=thread)
    status, _ = await slack.send(*slack.requests.event(event, event_id=event_id))
    assert status == 200


async def _to_youth(services: Services) -> list[Delivery]:
    return [d for d in await rows(services, Delivery) if d.template == "human.team_answer"]


def _thread(slack: SlackHarness, thread: str) -> list[str]:
    """What the bot posted in the case's thread."""
    return [
        str(m.get("text"))
        for m in slack.api.messages(STAFF_CHANNEL)
        if m.get("thread_ts") == thread
    ]


async def test_human_case_answered_in_its_thread_then_resolved(
    services: Services, slack: SlackHarness, clock: FixedClock
) -> None:
    case, thread = await _posted_case(services, slack)
    [recorded] = [t for t in await rows(services, Thread) if t.case_id is not None]
    assert (recorded.case_id, recorded.chat_id, recorded.ts) == (case.id, STAFF_CHANNEL, thread)
    [post] = slack.api.messages(STAFF_CHANNEL)
    assert "Répondez dans le fil de ce message" in str(post["text"])
    assert "Binôme n°1 : Claire (mentor), Inès (jeune)." in str(post["text"])

    clock.advance(timedelta(minutes=3))
    await _reply_in_thread(slack, STAFF, thread, "Bonjour Inès, on en parle jeudi ?")
    [answer] = await _to_youth(services)
    assert answer.context["text"] == "Bonjour Inès, on en parle jeudi ?"
    assert (answer.channel, answer.context["live"]) == ("telegram", True)
    [taken] = await rows(services, Case)
    assert (taken.state, taken.owner) == ("taken", STAFF)
    # the thread says where the answer went and where the replies will come
    await dispatcher(services, slack.api).run_until_empty()
    [said] = _thread(slack, thread)
    assert "Réponse transmise à Inès sur Telegram" in said
    # nothing said to the staff member in their direct messages
    assert slack.texts(STAFF) == []

    # the youth answers: her message lands in the case's thread
    async with services.sessions() as session, session.begin():
        found = await cases.answered_case_of(session, taken.person_id or 0)
    assert found is not None
    assert found.id == case.id

    # a second answer: no more word in the thread
    await _reply_in_thread(slack, STAFF, thread, "Ou vendredi.")
    await dispatcher(services, slack.api).run_until_empty()
    assert len(_thread(slack, thread)) == 1
    assert [a.context["first"] for a in await _to_youth(services)] == [True, False]

    await click(slack, STAFF, f"cr2:{case.id}")
    [resolved] = await rows(services, Case)
    assert resolved.state == "resolved"
    told = [d.template for d in await rows(services, Delivery) if d.person_id == case.person_id]
    assert told[-1] == "human.case_resolved"
    actions = [a.action for a in await rows(services, AuditLog) if a.actor == f"staff:{STAFF}"]
    assert actions == ["case_taken", "case_answered", "case_answered", "case_resolved"]


async def test_others_replying_in_a_case_thread_are_ignored_and_logged(
    services: Services, slack: SlackHarness
) -> None:
    case, thread = await _posted_case(services, slack)
    await _reply_in_thread(slack, MENTOR, thread, "Je peux répondre aussi ?")
    await _reply_in_thread(slack, "UNOBODY", thread, "<!channel> coucou")
    assert await _to_youth(services) == []
    await dispatcher(services, slack.api).run_until_empty()
    assert _thread(slack, thread) == []
    assert slack.texts(MENTOR) == [] or all("réservée" not in t for t in slack.texts(MENTOR))
    assert all("réservée" not in t for t in slack.texts("UNOBODY"))
    refused = [a for a in await rows(services, AuditLog) if a.action == "staff_refused"]
    assert [(a.actor, a.detail["kind"]) for a in refused] == [
        (f"slack:{MENTOR}", "text"),
        ("slack:UNOBODY", "text"),
    ]
    [untouched] = await rows(services, Case)
    assert (untouched.state, untouched.owner) == ("open", None)
    assert case.id == untouched.id


async def test_a_retried_reply_is_relayed_once_and_chatter_elsewhere_is_left_alone(
    services: Services, slack: SlackHarness
) -> None:
    _, thread = await _posted_case(services, slack)
    for retry in (None, 1, 2):
        event = slack.requests.message_channel(STAFF, STAFF_CHANNEL, "Bonjour", thread_ts=thread)
        status, _ = await slack.send(
            *slack.requests.event(event, event_id="Ev-retried", retry_num=retry)
        )
        assert status == 200
    assert len(await _to_youth(services)) == 1
    # staff talking among themselves in another thread of the channel: nothing happens
    await _reply_in_thread(slack, STAFF, "1600000000.000001", "On déjeune ?")
    assert len(await _to_youth(services)) == 1


async def test_a_staff_reply_in_a_resolved_case_reopens_it(
    services: Services, slack: SlackHarness
) -> None:
    case, thread = await _posted_case(services, slack)
    await click(slack, STAFF, f"cr2:{case.id}")
    await _reply_in_thread(slack, STAFF, thread, "J'oubliais : voici le lien.")
    [reopened] = await rows(services, Case)
    assert (reopened.state, reopened.owner, reopened.resolved_at) == ("taken", STAFF, None)
    [answer] = await _to_youth(services)
    assert answer.context["text"] == "J'oubliais : voici le lien."
    await dispatcher(services, slack.api).run_until_empty()
    [said] = _thread(slack, thread)
    assert f"La demande n°{case.id} était résolue : elle est rouverte" in said


async def test_sixty_pairs_at_risk_on_one_day_are_one_digest_post(
    services: Services, slack: SlackHarness, clock: FixedClock
) -> None:
    for i in range(60):
        await make_pair(services, mentor_slack=f"UM{i:03d}", youth_name=f"Jeune{i}")
    # 46 days without a sign of life, on a Thursday at 10:00 in Paris
    clock.set(datetime(2026, 12, 17, 9, 0, tzinfo=UTC))
    async with services.sessions() as session, session.begin():
        for pairing in (await session.scalars(select(Pairing))).all():
            pairing.at_risk_due_at = clock.now()
    await Ticks(services.sessions, services.config).run(clock.now())
    alerts = [c for c in await rows(services, Case) if c.topic == "at_risk"]
    assert len(alerts) == 60
    await dispatcher(services, slack.api).run_until_empty()
    [post] = slack.api.messages(STAFF_CHANNEL)
    assert "60 binômes en risque aujourd'hui" in str(post["text"])
    blocks = post["blocks"]
    assert len(blocks) <= 50
    assert all(len(b.get("elements") or []) <= 25 for b in blocks if b["type"] == "actions")
    values = [
        element["value"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert sorted(values) == sorted(f"ct:{c.id}" for c in alerts)
    labels = set(slack.buttons(post))
    assert len(labels) == 60  # each button names its case
    first = min(c.id for c in alerts)
    assert f"Je m'en occupe : n°{first}" in labels
    # the same tick again: nothing new
    await Ticks(services.sessions, services.config).run(clock.now())
    assert len([c for c in await rows(services, Case) if c.topic == "at_risk"]) == 60

    # "I'll take it" on one line takes that case, the others stay open
    await click(slack, STAFF, f"ct:{first}")
    states = {c.id: c.state for c in await rows(services, Case) if c.topic == "at_risk"}
    assert states[first] == "taken"
    assert sum(1 for state in states.values() if state == "open") == 59


async def test_the_youth_s_reply_through_the_bot_lands_in_the_thread(
    services: Services, slack: SlackHarness
) -> None:
    case, thread = await _posted_case(services, slack)
    await _reply_in_thread(slack, STAFF, thread, "Bonjour Inès, que se passe-t-il ?")
    said = await services.engine.handle(
        Incoming(
            Channel.TELEGRAM,
            TELEGRAM_ID,
            Kind.TEXT,
            text="Il ne répond plus à mes messages",
            chat_id=TELEGRAM_ID,
            event_id="tg-2",
        )
    )
    assert [r.key for r in said.replies] == ["human.sent"]
    # it went to the team, not to the mentor
    assert not [d for d in await rows(services, Delivery) if d.template.startswith("relay.")]
    await dispatcher(services, slack.api).run_until_empty()
    replies = _thread(slack, thread)
    # in the thread, after the staff member's "answer sent" (one order per case's thread)
    assert "Il ne répond plus à mes messages" in replies[-1]
    to_thread = [
        d
        for d in await rows(services, Delivery)
        if d.template.startswith("staff.case_") and d.template != "staff.case_opened"
    ]
    assert len(to_thread) >= 2
    assert {d.order_key for d in to_thread} == {f"case:{case.id}:to_staff"}
    # resolved: her next message goes to her mentor again
    await click(slack, STAFF, f"cr2:{case.id}")
    said = await services.engine.handle(
        Incoming(
            Channel.TELEGRAM,
            TELEGRAM_ID,
            Kind.TEXT,
            text="Merci pour tout",
            chat_id=TELEGRAM_ID,
            event_id="tg-3",
        )
    )
    assert "human.sent" not in [r.key for r in said.replies]
