"""Cases: a youth's `/human` opens one, posted in the staff channel with "I'll take it" and
"Resolved"; staff take and resolve it with signed button presses, the youth is told each
time; nobody else can."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel, Incoming, Kind
from conversations.staff import review
from storage import privacy
from storage.models import AuditLog, Case, Delivery, Person, SupportRequest
from tests.conversations.youth.test_eligibility_flow import answer_all
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_bot import SlackHarness
from tests.fakes.transcript import Person as Youth
from tests.handlers.slack.conftest import STAFF, STAFF_CHANNEL, click, dispatcher, rows

TELEGRAM_ID = "5550001"
QUESTION = "Je voudrais changer de mentor"


async def human(services: Services, args: str = QUESTION) -> Case:
    """The youth sends `/human <args>` on Telegram; returns the case it opened."""
    await services.engine.handle(
        Incoming(
            Channel.TELEGRAM,
            TELEGRAM_ID,
            Kind.COMMAND,
            text=f"/human {args}".strip(),
            command="human",
            args=args,
            chat_id=TELEGRAM_ID,
        )
    )
    [case] = await rows(services, Case)
    return case


async def to_youth(services: Services, youth_id: int) -> list[str]:
    """What the youth was sent about their request (not the pairing's introduction)."""
    return [
        d.template
        for d in await rows(services, Delivery)
        if d.person_id == youth_id and d.template.startswith("human.")
    ]


async def test_human_opens_a_case_that_staff_take_and_resolve(
    services: Services, slack: SlackHarness, clock: FixedClock
) -> None:
    pairing_id, youth_id, _ = await make_pair(services, telegram_id=TELEGRAM_ID)
    case = await human(services)
    assert (case.kind, case.person_id, case.pairing_id, case.text, case.state) == (
        "human",
        youth_id,
        pairing_id,
        QUESTION,
        "open",
    )
    # the request staff review still lists is kept
    [post] = [d for d in await rows(services, Delivery) if d.destination == "staff"]
    assert post.idempotency_key == f"case:{case.id}:opened"
    assert post.template == "staff.case_opened"

    await dispatcher(services, slack.api).run_until_empty()
    [message] = slack.api.messages(STAFF_CHANNEL)
    assert f"Demande à parler à une personne — demande n°{case.id}" in message["text"]
    assert f"De : #{youth_id} Inès" in message["text"]
    assert f"« {QUESTION} »" in message["text"]
    assert slack.buttons(message) == {
        "Je m'en occupe": f"ct:{case.id}",
        "Résolu": f"cr2:{case.id}",
        "Voir le binôme": f"sp:{pairing_id}",
    }

    clock.advance(timedelta(minutes=5))
    await click(slack, STAFF, f"ct:{case.id}")
    [taken] = await rows(services, Case)
    assert (taken.state, taken.owner, taken.taken_at) == ("taken", STAFF, clock.now())
    assert f"vous vous occupez de la demande n°{case.id}" in slack.texts(STAFF)[-1]
    assert await to_youth(services, youth_id) == ["human.case_taken"]

    # pressed again: nothing changes twice
    await click(slack, STAFF, f"ct:{case.id}")
    assert "Vous vous occupez déjà" in slack.texts(STAFF)[-1]
    assert await to_youth(services, youth_id) == ["human.case_taken"]

    await click(slack, STAFF, f"cr2:{case.id}")
    [resolved] = await rows(services, Case)
    assert (resolved.state, resolved.resolved_at) == ("resolved", clock.now())
    assert f"La demande n°{case.id} est résolue" in slack.texts(STAFF)[-1]
    assert await to_youth(services, youth_id) == ["human.case_taken", "human.case_resolved"]
    await click(slack, STAFF, f"ct:{case.id}")
    assert "est déjà résolue" in slack.texts(STAFF)[-1]

    actions = [(a.action, a.actor, a.detail) for a in await rows(services, AuditLog)]
    assert ("case_taken", f"staff:{STAFF}", {"case": case.id, "kind": "human"}) in actions
    assert ("case_resolved", f"staff:{STAFF}", {"case": case.id, "kind": "human"}) in actions


async def test_a_case_taken_by_someone_else_says_who(
    services: Services, slack: SlackHarness
) -> None:
    await make_pair(services, telegram_id=TELEGRAM_ID)
    case = await human(services, "Bonjour")
    async with services.sessions() as session, session.begin():
        stored = await session.get(Case, case.id)
        assert stored is not None
        stored.state, stored.owner = "taken", "USTAFF2"
    await click(slack, STAFF, f"ct:{case.id}")
    assert "déjà prise par `USTAFF2`" in slack.texts(STAFF)[-1]
    [still] = await rows(services, Case)
    assert still.owner == "USTAFF2"


async def test_someone_not_on_the_staff_cannot_take_a_case(
    services: Services, slack: SlackHarness
) -> None:
    _, youth_id, _ = await make_pair(services, telegram_id=TELEGRAM_ID)
    case = await human(services)
    await click(slack, "UMENTOR1", f"ct:{case.id}")
    await click(slack, "UNOBODY", f"cr2:{case.id}")
    [untouched] = await rows(services, Case)
    assert (untouched.state, untouched.owner) == ("open", None)
    assert await to_youth(services, youth_id) == []
    refused = [a for a in await rows(services, AuditLog) if a.action == "staff_refused"]
    assert [a.detail["what"] for a in refused] == [f"ct:{case.id}", f"cr2:{case.id}"]


async def test_erasure_removes_what_the_youth_wrote_in_a_case(services: Services) -> None:
    _, youth_id, _ = await make_pair(services, telegram_id=TELEGRAM_ID)
    await human(services)
    async with services.sessions() as session, session.begin():
        youth = await session.get(Person, youth_id)
        assert youth is not None
        exported = await privacy.export_person(session, youth, services.clock.now())
        assert [c["text"] for c in exported["cases"]] == [QUESTION]
        await privacy.erase_person(session, youth, services.clock.now())
    [case] = await rows(services, Case)
    assert (case.text, case.person_id, case.state) == (None, None, "open")
    async with services.sessions() as session:
        posts = (await session.scalars(select(Delivery.context))).all()
    assert all(QUESTION not in str(context) for context in posts)


async def test_one_request_resolved_in_slack_is_resolved_for_review_too(
    services: Services, slack: SlackHarness
) -> None:
    await make_pair(services, telegram_id=TELEGRAM_ID)
    case = await human(services)
    [request] = await rows(services, SupportRequest)
    assert request.resolved_at is None
    await click(slack, STAFF, f"cr2:{case.id}")
    [request] = await rows(services, SupportRequest)
    assert (request.resolved_at is not None, request.resolved_by) == (True, STAFF)
    # asked again later: a new request and a new case, not "already requested"
    await services.engine.handle(
        Incoming(Channel.TELEGRAM, TELEGRAM_ID, Kind.COMMAND, command="human", args="encore")
    )
    assert [c.state for c in await rows(services, Case)] == ["resolved", "open"]


async def test_a_request_resolved_with_mentorbot_review_closes_its_case(
    services: Services,
) -> None:
    await make_pair(services, telegram_id=TELEGRAM_ID)
    await human(services)
    [request] = await rows(services, SupportRequest)
    async with services.sessions() as session, session.begin():
        await review.resolve_request(
            session, request_id=request.id, staff="Camille", now=services.clock.now()
        )
    [case] = await rows(services, Case)
    assert (case.state, case.owner) == ("resolved", "Camille")


async def test_asking_the_team_from_the_faq_opens_a_case_too(services: Services) -> None:
    youth = Youth(services, TELEGRAM_ID)
    await answer_all(youth)  # registered, waiting for a mentor
    said = await youth.says("quelle est la capitale du Pérou ?")
    said = await youth.presses(said.value_of("Oui"))
    assert "human.requested" in said.keys
    [case] = await rows(services, Case)
    assert (case.kind, case.text) == ("human", "quelle est la capitale du Pérou ?")
