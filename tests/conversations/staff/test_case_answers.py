"""Staff answering a case: relayed to the person on their channel (a youth on Telegram, a
mentor in the bot's direct messages), signed, in order, at once; the case taken by the
answer, reopened by an answer after it was resolved; nobody to answer for an alert or an
erased person; every answer audit-logged without its text."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel
from conversations.pairs import cases
from conversations.staff import case_answers
from conversations.staff import cases as staff_cases
from storage import privacy, threads
from storage.models import AuditLog, Case, Delivery, Pairing, Person, Priority
from tests.fakes.mentoring import as_sent, make_pair

STAFF = "USTAFF1"


async def _case(services: Services, person_id: int, kind: str = "human") -> Case:
    async with services.sessions() as session, session.begin():
        return await cases.open_case(
            session,
            kind=kind,
            person_id=person_id,
            pairing_id=None,
            text="Une question",
            now=services.clock.now(),
            config=services.config,
        )


async def _answer(
    services: Services, case_id: int, text: str, ref: str, name: str | None = "Camille Martin"
) -> case_answers.Answered:
    async with services.sessions() as session, session.begin():
        return await case_answers.answer_case(
            session,
            case_id=case_id,
            staff=STAFF,
            text=text,
            now=services.clock.now(),
            config=services.config,
            staff_name=name,
            ref=ref,
        )


async def _to(services: Services, person_id: int) -> list[Delivery]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Delivery).where(Delivery.person_id == person_id).order_by(Delivery.id)
        )
        return [d for d in rows.all() if d.order_key and d.order_key.startswith("case:")]


async def _stored(services: Services, case_id: int) -> Case:
    async with services.sessions() as session:
        case = await session.get(Case, case_id)
    assert case is not None
    return case


async def test_a_youth_gets_the_answer_on_telegram_signed_at_once(
    services: Services, clock: FixedClock
) -> None:
    _, youth_id, _ = await make_pair(services)
    case = await _case(services, youth_id)
    clock.advance(timedelta(hours=1))
    done = await _answer(services, case.id, "Bonjour Inès, on s'appelle demain ?", "Ev1")
    assert (done.outcome, done.to, done.channel) == ("answered", "Inès", "telegram")
    [answer] = await _to(services, youth_id)
    assert (answer.template, answer.channel, answer.priority) == (
        "human.team_answer",
        "telegram",
        Priority.URGENT,
    )
    assert answer.order_key == f"case:{case.id}:to_person"
    assert answer.context["live"] is True
    assert answer.context["drop"] == ["text"]
    assert (answer.context["staff"], answer.context["first"]) == ("Camille", True)
    text = services.renderer.text("human.team_answer", "fr", Channel.TELEGRAM, answer.context)
    assert text.startswith("💬 <b>Camille, de l'équipe du programme</b> :")
    assert "Tu peux répondre ici" in text
    # answering took the case (nobody had it); the person is not told "taken" besides
    stored = await _stored(services, case.id)
    assert (stored.state, stored.owner, stored.raise_again_at) == ("taken", STAFF, None)
    # a second answer is not the first one any more; the same event twice is relayed once
    await _answer(services, case.id, "Ou jeudi ?", "Ev2")
    await _answer(services, case.id, "Ou jeudi ?", "Ev2")
    answers = await _to(services, youth_id)
    assert [a.context["first"] for a in answers] == [True, False]
    async with services.sessions() as session:
        logged = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    mine = [(a.action, a.actor, a.detail) for a in logged if a.actor == f"staff:{STAFF}"]
    assert mine == [
        ("case_taken", f"staff:{STAFF}", {"case": case.id, "kind": "human"}),
        ("case_answered", f"staff:{STAFF}", {"case": case.id, "kind": "human", "via": "slack"}),
        ("case_answered", f"staff:{STAFF}", {"case": case.id, "kind": "human", "via": "slack"}),
        ("case_answered", f"staff:{STAFF}", {"case": case.id, "kind": "human", "via": "slack"}),
    ]
    assert "jeudi" not in str([a.detail for a in logged])


async def test_an_unsigned_answer_and_a_long_one_in_order(services: Services) -> None:
    _, youth_id, _ = await make_pair(services)
    case = await _case(services, youth_id)
    long = ("Voici les étapes. " * 400).strip()  # about 7,200 characters
    await _answer(services, case.id, long, "Ev1", name=None)
    parts = await _to(services, youth_id)
    assert len(parts) == 3
    assert all(len(p.context["text"]) <= case_answers.MAX_ANSWER_PART for p in parts)
    assert " ".join(p.context["text"] for p in parts) == long
    assert [p.context["first"] for p in parts] == [True, False, False]
    assert {p.order_key for p in parts} == {f"case:{case.id}:to_person"}
    assert parts[0].context["staff"] == ""
    text = services.renderer.text("human.team_answer", "fr", Channel.TELEGRAM, parts[0].context)
    assert text.startswith("💬 <b>L'équipe du programme</b> :")


async def test_a_mentor_gets_the_answer_in_a_thread_of_their_own(services: Services) -> None:
    pairing_id, _, mentor_id = await make_pair(services)
    case = await _case(services, mentor_id)
    async with services.sessions() as session, session.begin():
        # the case's post is out in the staff channel (as the dispatcher records it)
        await threads.record(
            session,
            channel="slack",
            chat_id="CSTAFF",
            ts="1700000000.000100",
            case_id=case.id,
            now=services.clock.now(),
        )
    await _answer(services, case.id, "Bonjour Claire", "Ev1")
    [first] = await _to(services, mentor_id)
    assert (first.template, first.channel) == ("case.answer", "slack")
    assert first.context["anchor"] == {"case": case.id}
    assert "thread_ts" not in first.context
    # posted: its thread is recorded (as the dispatcher does); the next answers go there
    async with services.sessions() as session, session.begin():
        await threads.record(
            session,
            channel="slack",
            chat_id="DUMENTOR1",
            ts="1700000000.000500",
            case_id=case.id,
            now=services.clock.now(),
        )
    await _answer(services, case.id, "Et aussi…", "Ev2")
    second = (await _to(services, mentor_id))[-1]
    assert second.context["thread_ts"] == "1700000000.000500"
    assert "anchor" not in second.context
    text = services.renderer.text("case.answer", "fr", Channel.SLACK, first.context)
    assert "Répondez dans le fil de ce message" in text
    assert pairing_id


async def test_an_answer_to_a_resolved_case_reopens_it(services: Services) -> None:
    _, youth_id, _ = await make_pair(services)
    case = await _case(services, youth_id)
    async with services.sessions() as session, session.begin():
        await staff_cases.resolve_case(
            session, case_id=case.id, staff="USTAFF2", now=services.clock.now()
        )
    done = await _answer(services, case.id, "J'oubliais : le lien", "Ev1")
    assert done.outcome == "reopened"
    stored = await _stored(services, case.id)
    assert (stored.state, stored.owner, stored.resolved_at) == ("taken", STAFF, None)
    # resolved again: the youth is told again, after the answer
    async with services.sessions() as session, session.begin():
        await staff_cases.resolve_case(
            session, case_id=case.id, staff=STAFF, now=services.clock.now()
        )
    told = [d.template for d in await _to(services, youth_id)]
    assert told == ["human.case_resolved", "human.team_answer", "human.case_resolved"]


async def test_nobody_to_answer_for_an_alert_or_an_erased_person(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, youth_id, _ = await make_pair(services)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        alert = await cases.open_alert(
            session,
            pairing=pairing,
            topic="at_risk",
            since=clock.now() - timedelta(days=45),
            actor="scheduler",
            now=clock.now(),
            config=services.config,
        )
    assert alert is not None
    assert (await _answer(services, alert.id, "Qui ?", "Ev1")).outcome == "nobody"
    case = await _case(services, youth_id)
    async with services.sessions() as session, session.begin():
        youth = await session.get(Person, youth_id)
        assert youth is not None
        await privacy.erase_person(session, youth, clock.now())
    assert (await _answer(services, case.id, "Bonjour", "Ev2")).outcome == "nobody"
    assert (await _answer(services, 999, "Bonjour", "Ev3")).outcome == "unknown"
    assert (await _answer(services, case.id, "   ", "Ev4")).outcome == "empty"
    async with services.sessions() as session:
        answered = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "case_answered"))
        ).all()
    assert answered == []


async def test_taking_and_resolving_tell_a_mentor_in_their_words(services: Services) -> None:
    _, _, mentor_id = await make_pair(services)
    case = await _case(services, mentor_id)
    async with services.sessions() as session, session.begin():
        await staff_cases.take_case(session, case_id=case.id, staff=STAFF, now=services.clock.now())
        await staff_cases.resolve_case(
            session, case_id=case.id, staff=STAFF, now=services.clock.now()
        )
    told = await _to(services, mentor_id)
    assert [d.template for d in told] == ["case.case_taken", "case.case_resolved"]
    sent = await as_sent(services, told[0].context)
    assert "votre demande" in services.renderer.text("case.case_taken", "fr", Channel.SLACK, sent)
