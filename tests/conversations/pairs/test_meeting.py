"""The first meeting, through the engine without any platform: the mentor proposes, the
youth answers, buttons pressed twice or by someone else, the question after the date, and
a day and an hour typed in the pair's thread; the rules (validation, the reminder's time)
as functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.container import Services
from conversations.core.actor import Actor
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel, Incoming, Kind
from conversations.core.response import Response
from conversations.core.turn import Turn
from conversations.pairs import meeting
from conversations.pairs.lifecycle import change_status
from conversations.pairs.meeting_schedule import reminder_time
from conversations.rules.calendar import Place, SendingWindow
from scheduler.ticks import Ticks
from storage import threads
from storage.models import (
    AuditLog,
    Delivery,
    Interaction,
    Meeting,
    MeetingState,
    Pairing,
    PairingStatus,
    Person,
    Priority,
)
from tests.fakes.mentoring import as_sent, make_mentor, make_pair
from tests.fakes.transcript import Person as Talker
from tests.fakes.transcript import Said

PARIS = ZoneInfo("Europe/Paris")
MENTOR = "UMENTOR1"
YOUTH = "7001"
# Thursday 5 November 2026, 14:00 in Paris (the tests start on Monday 2 November, 10:00)
THURSDAY = datetime(2026, 11, 5, 13, 0, tzinfo=UTC)
M = TypeVar("M")


async def rows(services: Services, model: type[M]) -> list[M]:
    async with services.sessions() as session:
        return list((await session.scalars(select(model))).all())


async def deliveries(services: Services, template: str) -> list[Delivery]:
    async with services.sessions() as session:
        found = await session.scalars(
            select(Delivery).where(Delivery.template == template).order_by(Delivery.id)
        )
        return list(found.all())


async def pair_with_thread(services: Services, youth: str = YOUTH) -> int:
    """An active pair whose introduction was posted (its thread is the pair's)."""
    pairing_id, _, _ = await make_pair(services, telegram_id=youth)
    async with services.sessions() as session, session.begin():
        await threads.record(
            session,
            channel="slack",
            chat_id="DMENTOR1",
            ts="1700000000.000100",
            now=services.clock.now(),
            pairing_id=pairing_id,
        )
    return pairing_id


def mentor(services: Services, user: str = MENTOR) -> Talker:
    return Talker(services, user, name="Claire", channel=Channel.SLACK)


def youth(services: Services, user: str = YOUTH) -> Talker:
    return Talker(services, user)


_views = iter(range(1, 10_000))


def proposal(
    pairing_id: int, starts_at: object, place: object = None, user: str = MENTOR
) -> Incoming:
    return Incoming(
        Channel.SLACK,
        user,
        Kind.FORM,
        form=meeting.FORM,
        answers={"starts_at": starts_at, "place": place},
        metadata={"pairing": pairing_id},
        event_id=f"view:V{next(_views)}",
    )


async def propose(
    services: Services, pairing_id: int, starts_at: datetime = THURSDAY, place: str | None = None
) -> Said:
    return await mentor(services).replay(proposal(pairing_id, starts_at, place))


async def only_meeting(services: Services) -> Meeting:
    [found] = await rows(services, Meeting)
    return found


# ------------------------------------------------------------------ rules as functions


def test_a_proposal_must_be_ahead_within_three_months_with_a_short_place() -> None:
    now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    parsed = meeting.parse_proposal(
        {"starts_at": THURSDAY, "place": "  en visio\n(lien par email) "}, now=now
    )
    assert parsed == meeting.Proposal(THURSDAY, "en visio (lien par email)")
    assert meeting.parse_proposal({"starts_at": THURSDAY, "place": "  "}, now=now) == (
        meeting.Proposal(THURSDAY, None)
    )
    assert meeting.parse_proposal({"starts_at": None}, now=now) == {"starts_at": "form.required"}
    assert meeting.parse_proposal({"starts_at": now}, now=now) == {
        "starts_at": "meeting.mentor.error_past"
    }
    assert meeting.parse_proposal({"starts_at": now + timedelta(days=93)}, now=now) == {
        "starts_at": "meeting.mentor.error_too_far"
    }
    assert meeting.parse_proposal({"starts_at": THURSDAY, "place": "x" * 201}, now=now) == {
        "place": "meeting.mentor.error_place_too_long"
    }
    # not a datetime, or a naive one: not an answer the form gives
    assert meeting.parse_proposal({"starts_at": "2026-11-05T14:00"}, now=now) == {
        "starts_at": "form.required"
    }
    naive = datetime(2026, 11, 5, 14)  # noqa: DTZ001 - naive on purpose
    assert meeting.parse_proposal({"starts_at": naive}, now=now) == {"starts_at": "form.required"}


@pytest.mark.parametrize(
    ("starts_at", "now", "due"),
    [
        # Thursday 14:00: Wednesday 14:00, inside sending hours
        (THURSDAY, datetime(2026, 11, 2, 9, tzinfo=UTC), THURSDAY - timedelta(hours=24)),
        # Monday 10:00: a day before is a Sunday; Friday 18:30 instead
        (
            datetime(2026, 11, 9, 9, tzinfo=UTC),
            datetime(2026, 11, 2, 9, tzinfo=UTC),
            datetime(2026, 11, 6, 18, 30, tzinfo=PARIS),
        ),
        # Friday 08:00: Thursday 08:00 is before opening; Wednesday 18:30
        (
            datetime(2026, 11, 6, 7, tzinfo=UTC),
            datetime(2026, 11, 2, 9, tzinfo=UTC),
            datetime(2026, 11, 4, 18, 30, tzinfo=PARIS),
        ),
        # Tuesday 20:30: Monday 20:30 is after closing; Monday 18:30
        (
            datetime(2026, 11, 10, 19, 30, tzinfo=UTC),
            datetime(2026, 11, 2, 9, tzinfo=UTC),
            datetime(2026, 11, 9, 18, 30, tzinfo=PARIS),
        ),
        # less than a day ahead: no reminder
        (THURSDAY, THURSDAY - timedelta(hours=23), None),
    ],
)
def test_the_reminder_is_a_day_before_inside_sending_hours(
    starts_at: datetime, now: datetime, due: datetime | None
) -> None:
    assert reminder_time(starts_at, now, SendingWindow(), Place(PARIS)) == due


def test_a_reminder_that_cannot_move_earlier_stays_a_day_before() -> None:
    # proposed on Sunday evening for Monday evening: nothing open between now and then
    now = datetime(2026, 11, 8, 17, tzinfo=UTC)
    starts_at = datetime(2026, 11, 9, 19, tzinfo=UTC)
    assert reminder_time(starts_at, now, SendingWindow(), Place(PARIS)) == starts_at - timedelta(
        hours=24
    )


# ------------------------------------------------------------------ proposing and answering


async def test_a_proposal_reaches_the_youth_and_her_ok_reaches_the_mentors_thread(
    services: Services,
) -> None:
    pairing_id = await pair_with_thread(services)
    said = await mentor(services).presses(f"mp:{pairing_id}")
    assert said.replies == []
    said = await propose(services, pairing_id, place="en visio")
    assert said.keys == ["meeting.mentor.proposed"]
    assert said.replies[0].thread == "1700000000.000100"
    assert (
        "proposé à Inès une première rencontre le jeudi 5 novembre à 14 h (heure de Paris) "
        "— en visio" in said.text
    )

    found = await only_meeting(services)
    assert (found.state, found.starts_at, found.place) == (
        MeetingState.PROPOSED,
        THURSDAY,
        "en visio",
    )
    assert found.followup_due_at == THURSDAY + timedelta(hours=2)
    assert found.reminder_due_at is None  # armed when she accepts
    [asked] = await deliveries(services, "meeting.youth.proposed")
    assert (asked.channel, asked.priority, asked.order_key) == (
        "telegram",
        Priority.URGENT,
        f"pair:{pairing_id}:to_youth",
    )
    context = await as_sent(services, asked.context)
    assert context["live"] is True
    assert context["mentor"] == "Claire"
    assert (context["starts_at"], context["time_zone"]) == (THURSDAY.isoformat(), "Europe/Paris")
    assert context["choices"] == [
        ["choice.meeting.ok", f"ma:{found.id}:ok"],
        ["choice.meeting.other", f"ma:{found.id}:other"],
    ]
    text = services.renderer.text("meeting.youth.proposed", "fr", Channel.TELEGRAM, context)
    assert text.startswith(
        "📅 Claire te propose une première rencontre le jeudi 5 novembre à 14 h (heure de Paris)"
        " — en visio."
    )

    said = await youth(services).presses(f"ma:{found.id}:ok")
    assert "C'est noté : première rencontre avec Claire le jeudi 5 novembre à 14 h" in said.text
    assert "Je te la rappellerai la veille." in said.text
    found = await only_meeting(services)
    assert found.state == MeetingState.ACCEPTED
    assert found.answered_at == services.clock.now()
    assert found.reminder_due_at == THURSDAY - timedelta(hours=24)
    [told] = await deliveries(services, "meeting.mentor.accepted")
    assert (told.channel, told.priority, told.order_key) == (
        "slack",
        Priority.URGENT,
        f"pair:{pairing_id}:to_mentor",
    )
    context = await as_sent(services, told.context)
    assert (context["live"], context["thread_ts"], context["mentee"]) == (
        True,
        "1700000000.000100",
        "Inès",
    )


async def test_a_youth_overseas_reads_the_time_in_her_own_zone(services: Services) -> None:
    pairing_id = await pair_with_thread(services)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        her = await session.get(Person, pairing.youth_id)
        assert her is not None
        her.region = "reu"
    await propose(services, pairing_id)
    [asked] = await deliveries(services, "meeting.youth.proposed")
    context = await as_sent(services, asked.context)
    assert context["time_zone"] == "Indian/Reunion"
    text = services.renderer.text("meeting.youth.proposed", "fr", Channel.TELEGRAM, context)
    assert "le jeudi 5 novembre à 17 h (heure de La Réunion)" in text
    english = services.renderer.text("meeting.youth.proposed", "en", Channel.TELEGRAM, context)
    assert "on Thursday 5 November at 5 pm (Réunion time)" in english


async def test_wrong_answers_in_the_form_are_shown_in_place_and_nothing_is_stored(
    services: Services,
) -> None:
    pairing_id = await pair_with_thread(services)
    now = services.clock.now()
    response = await services.engine.handle(
        proposal(pairing_id, now - timedelta(hours=1), "x" * 300)
    )
    assert response.form_errors == {
        "starts_at": "meeting.mentor.error_past",
        "place": "meeting.mentor.error_place_too_long",
    }
    response = await services.engine.handle(proposal(pairing_id, now + timedelta(days=120)))
    assert response.form_errors == {"starts_at": "meeting.mentor.error_too_far"}
    assert await rows(services, Meeting) == []
    assert await deliveries(services, "meeting.youth.proposed") == []


async def test_another_time_tells_the_mentor_who_proposes_again(services: Services) -> None:
    pairing_id = await pair_with_thread(services)
    await propose(services, pairing_id)
    first = await only_meeting(services)
    said = await youth(services).presses(f"ma:{first.id}:other")
    assert "je préviens Claire, qui va te proposer un autre moment" in said.text
    [told] = await deliveries(services, "meeting.mentor.declined")
    assert told.context["choices"] == [["choice.meeting.propose", f"mp:{pairing_id}"]]
    assert told.context["live"] is True
    async with services.sessions() as session:
        declined = await session.get(Meeting, first.id)
    assert declined is not None
    assert (declined.state, declined.reminder_due_at, declined.followup_due_at) == (
        MeetingState.DECLINED,
        None,
        None,
    )

    # pressed again, either button: answered already, nothing changes
    said = await youth(services).presses(f"ma:{first.id}:ok")
    assert "Tu as déjà répondu à cette proposition (« Un autre moment »)" in said.text
    assert len(await deliveries(services, "meeting.mentor.declined")) == 1
    assert await deliveries(services, "meeting.mentor.accepted") == []

    await propose(services, pairing_id, THURSDAY + timedelta(days=1))
    second = await rows(services, Meeting)
    assert [m.state for m in second] == [MeetingState.DECLINED, MeetingState.PROPOSED]
    asked = await deliveries(services, "meeting.youth.proposed")
    assert len(asked) == 2


async def test_a_new_proposal_replaces_an_open_one_and_its_buttons(services: Services) -> None:
    pairing_id = await pair_with_thread(services)
    await propose(services, pairing_id)
    await propose(services, pairing_id, THURSDAY + timedelta(days=1))
    first, second = await rows(services, Meeting)
    assert (first.state, first.followup_due_at) == (MeetingState.CANCELLED, None)
    assert second.state == MeetingState.PROPOSED
    asked = await deliveries(services, "meeting.youth.proposed")
    assert [d.context["again"] for d in asked] == [False, True]
    text = services.renderer.text(
        "meeting.youth.proposed", "fr", Channel.TELEGRAM, await as_sent(services, asked[1].context)
    )
    assert "te propose un autre moment pour votre première rencontre le vendredi 6 novembre" in text

    said = await youth(services).presses(f"ma:{first.id}:ok")
    assert "Claire t'a fait une proposition plus récente" in said.text
    assert await deliveries(services, "meeting.mentor.accepted") == []
    said = await youth(services).presses(f"ma:{second.id}:ok")
    assert "C'est noté" in said.text
    said = await youth(services).presses(f"ma:{second.id}:ok")
    assert "Tu as déjà répondu à cette proposition (« OK »)" in said.text
    assert len(await deliveries(services, "meeting.mentor.accepted")) == 1
    # an accepted meeting is replaced too: its reminder and question are no longer due
    await propose(services, pairing_id, THURSDAY + timedelta(days=2))
    async with services.sessions() as session:
        replaced = await session.get(Meeting, second.id)
    assert replaced is not None
    assert (replaced.state, replaced.reminder_due_at) == (MeetingState.CANCELLED, None)


async def test_buttons_of_someone_else_or_made_up_change_nothing(services: Services) -> None:
    pairing_id = await pair_with_thread(services)
    await propose(services, pairing_id)
    found = await only_meeting(services)
    other_pair, _, _ = await make_pair(services, mentor_slack="UOTHER", youth_name="Samir")
    said = await youth(services, "7002").presses(f"ma:{found.id}:ok")
    # Samir has no Telegram account from the factory: he is a new youth to the engine
    assert said.keys[0] == "meeting.youth.not_yours"
    said = await youth(services).presses(f"ma:{found.id}:maybe")
    assert said.keys == ["common.stale_button"]
    said = await youth(services).presses("ma:99999:ok")
    assert said.keys == ["meeting.youth.not_yours"]
    assert (await only_meeting(services)).state == MeetingState.PROPOSED

    # another mentor: their form for this pair, their buttons on its meeting
    said = await mentor(services, "UOTHER").replay(proposal(pairing_id, THURSDAY, user="UOTHER"))
    assert said.keys == ["mentor.not_your_pair"]
    said = await mentor(services, "UOTHER").presses(f"mh:{found.id}:yes")
    assert said.keys == ["mentor.not_your_pair"]
    said = await mentor(services, "UOTHER").presses(f"mp:{pairing_id}")
    assert said.keys == ["mentor.not_your_pair"]
    assert len(await rows(services, Meeting)) == 1
    audit = [a.action for a in await rows(services, AuditLog)]
    assert audit.count("foreign_meeting_refused") == 2
    assert audit.count("foreign_pair_refused") == 3
    assert other_pair != pairing_id


async def test_a_paused_pair_neither_proposes_nor_answers(services: Services) -> None:
    pairing_id = await pair_with_thread(services)
    await propose(services, pairing_id)
    found = await only_meeting(services)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        change_status(
            pairing, PairingStatus.PAUSED, now=services.clock.now(), config=services.config
        )
    said = await youth(services).presses(f"ma:{found.id}:ok")
    assert "Ton mentorat n'est pas en cours en ce moment" in said.text
    said = await propose(services, pairing_id)
    assert said.keys == ["meeting.mentor.pair_paused"]
    said = await mentor(services).presses(f"mp:{pairing_id}")
    assert said.keys == ["meeting.mentor.pair_paused"]
    assert (await only_meeting(services)).state == MeetingState.PROPOSED


async def test_a_youth_answering_after_the_date_is_told_it_passed(
    services: Services, clock: FixedClock
) -> None:
    pairing_id = await pair_with_thread(services)
    await propose(services, pairing_id)
    found = await only_meeting(services)
    clock.set(THURSDAY + timedelta(minutes=5))
    said = await youth(services).presses(f"ma:{found.id}:ok")
    assert "Cette date est passée" in said.text
    assert (await only_meeting(services)).state == MeetingState.PROPOSED


async def test_the_form_opens_filled_in_with_a_typed_moment_still_ahead(
    services: Services,
) -> None:
    pairing_id = await pair_with_thread(services)
    opened = await services.engine.handle(
        Incoming(Channel.SLACK, MENTOR, Kind.CHOICE, choice=f"mp:{pairing_id}:20261105T1300")
    )
    assert opened.form is not None
    assert opened.form.name == meeting.FORM
    assert opened.form.metadata == {"pairing": pairing_id}
    assert [f.name for f in opened.form.fields] == ["starts_at", "place"]
    assert opened.form.fields[0].initial == THURSDAY
    assert opened.answered is False  # the introduction keeps its buttons
    for stale in ("20261102T0800", "2026110", "garbage"):
        again = await services.engine.handle(
            Incoming(Channel.SLACK, MENTOR, Kind.CHOICE, choice=f"mp:{pairing_id}:{stale}")
        )
        assert again.form is not None
        assert again.form.fields[0].initial is None


# ------------------------------------------------------------------ after the date


async def _accepted_and_past(services: Services, clock: FixedClock) -> tuple[int, Meeting]:
    pairing_id = await pair_with_thread(services)
    await propose(services, pairing_id)
    found = await only_meeting(services)
    await youth(services).presses(f"ma:{found.id}:ok")
    clock.set(THURSDAY + timedelta(hours=3))
    return pairing_id, found


async def test_it_happened_logs_the_first_meeting_as_the_one_tap_button_does(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, found = await _accepted_and_past(services, clock)
    response = await services.engine.handle(
        Incoming(Channel.SLACK, MENTOR, Kind.CHOICE, choice=f"mh:{found.id}:yes", event_id="a1")
    )
    assert response.answered is True  # the question's buttons are used up
    assert [r.key for r in response.replies] == ["mentor.first_meeting_logged"]
    async with services.sessions() as session:
        pairing = await session.get(Pairing, pairing_id)
        held = await session.get(Meeting, found.id)
    assert pairing is not None
    assert held is not None
    assert pairing.first_meeting_at == clock.now()
    assert held.state == MeetingState.HELD
    [logged] = await rows(services, Interaction)
    assert (logged.kind, logged.source_event_id) == ("first_meeting", f"first_meeting:{pairing_id}")

    said = await mentor(services).presses(f"mh:{found.id}:yes")
    assert said.keys == ["meeting.mentor.held_already"]
    said = await mentor(services).presses(f"fm:{pairing_id}")
    assert said.keys == ["mentor.first_meeting_already"]
    assert len(await rows(services, Interaction)) == 1
    # the first-meeting reminders stop: nothing more is due for the pair
    await Ticks(services.sessions, services.config).run(clock.now() + timedelta(days=30))
    assert await deliveries(services, "mentor.first_meeting_reminder") == []


async def test_it_did_not_happen_offers_another_date_and_reminders_go_on(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, found = await _accepted_and_past(services, clock)
    said = await mentor(services).presses(f"mh:{found.id}:no")
    assert said.keys == ["meeting.mentor.not_held"]
    assert said.value_of("Proposer une date") == f"mp:{pairing_id}"
    assert said.replies[0].thread == "1700000000.000100"
    async with services.sessions() as session:
        pairing = await session.get(Pairing, pairing_id)
    assert pairing is not None
    assert pairing.first_meeting_at is None
    assert pairing.first_meeting_due_at is not None
    assert (await only_meeting(services)).state == MeetingState.NOT_HELD
    assert await rows(services, Interaction) == []
    said = await mentor(services).presses(f"mh:{found.id}:yes")
    assert said.keys == ["meeting.mentor.held_already"]
    assert await rows(services, Interaction) == []


async def test_it_happened_before_the_date_or_for_a_replaced_proposal_is_refused(
    services: Services, clock: FixedClock
) -> None:
    pairing_id = await pair_with_thread(services)
    await propose(services, pairing_id)
    found = await only_meeting(services)
    said = await mentor(services).presses(f"mh:{found.id}:yes")
    assert said.keys == ["meeting.mentor.not_yet"]
    await propose(services, pairing_id, THURSDAY + timedelta(days=1))
    clock.set(THURSDAY + timedelta(days=3))
    said = await mentor(services).presses(f"mh:{found.id}:yes")
    assert said.keys == ["meeting.mentor.replaced"]
    assert await rows(services, Interaction) == []


# ------------------------------------------------------------------ typed in the thread


async def _offer(services: Services, pairing_id: int, text: str, user: str = MENTOR) -> Response:
    async with services.sessions() as session, session.begin():
        person = (
            await session.scalars(
                select(Person).where(Person.id == await _mentor_id(services, pairing_id, user))
            )
        ).one()
        turn = Turn(
            session=session,
            incoming=Incoming(Channel.SLACK, user, Kind.TEXT, text=text, thread="1700.0001"),
            actor=Actor(Channel.SLACK, user, person),
            state=None,
            now=services.clock.now(),
            rules=services.engine.rules,
            config=services.config,
        )
        await meeting.offer_from_text(turn, pairing_id, text)
        return turn.response


async def _mentor_id(services: Services, pairing_id: int, user: str) -> int:
    async with services.sessions() as session:
        if user == MENTOR:
            pairing = await session.get(Pairing, pairing_id)
            assert pairing is not None
            return pairing.mentor_id
        other = await make_mentor(session, services.clock.now(), user)
        await session.commit()
        return other.id


@pytest.mark.parametrize(
    ("text", "stamp"),
    [
        ("On se voit jeudi à 14h ?", "20261105T1300"),
        ("Je vous propose le 3/12 à 14h30", "20261203T1330"),
        ("Thursday 2pm?", "20261105T1300"),
    ],
)
async def test_a_day_and_an_hour_typed_in_the_thread_get_an_offer(
    services: Services, text: str, stamp: str
) -> None:
    pairing_id = await pair_with_thread(services)
    response = await _offer(services, pairing_id, text)
    [offer] = response.replies
    assert offer.key == "meeting.mentor.offer"
    assert offer.thread == "1700.0001"
    assert [c.value for c in offer.choices] == [f"mp:{pairing_id}:{stamp}"]
    rendered = services.renderer.render(offer, Channel.SLACK)
    assert "Proposez-la à Inès avec ce bouton" in rendered.text
    assert rendered.buttons == ((("📅 Proposer cette date", f"mp:{pairing_id}:{stamp}"),),)


@pytest.mark.parametrize(
    "text",
    ["Bonjour Inès, ravie de vous accompagner !", "J'ai relu ton CV, 2 remarques", "à 14h", ""],
)
async def test_ordinary_messages_get_no_offer(services: Services, text: str) -> None:
    pairing_id = await pair_with_thread(services)
    assert (await _offer(services, pairing_id, text)).replies == []


async def test_no_offer_once_met_already_proposed_or_in_someone_elses_pair(
    services: Services,
) -> None:
    pairing_id = await pair_with_thread(services)
    await propose(services, pairing_id)
    assert (await _offer(services, pairing_id, "jeudi 14h")).replies == []  # proposed already
    assert len((await _offer(services, pairing_id, "vendredi 14h")).replies) == 1
    assert (await _offer(services, pairing_id, "vendredi 14h", user="UOTHER")).replies == []
    await mentor(services).presses(f"fm:{pairing_id}")
    assert (await _offer(services, pairing_id, "vendredi 14h")).replies == []


async def test_a_youth_who_blocked_the_bot_gets_nothing_and_the_mentor_is_told(
    services: Services,
) -> None:
    pairing_id = await pair_with_thread(services)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        her = await session.get(Person, pairing.youth_id)
        assert her is not None
        her.unreachable_at = services.clock.now()
    said = await propose(services, pairing_id)
    assert said.keys == ["meeting.mentor.youth_unreachable"]
    assert "je ne peux pas l'envoyer à Inès sur Telegram" in said.text
    assert await deliveries(services, "meeting.youth.proposed") == []
    assert (await only_meeting(services)).state == MeetingState.PROPOSED


async def test_a_proposal_submitted_twice_is_sent_once(services: Services) -> None:
    pairing_id = await pair_with_thread(services)
    submitted = proposal(pairing_id, THURSDAY)
    first = await mentor(services).replay(submitted)
    again = await mentor(services).replay(submitted)  # Slack retried the submission
    assert first.keys == ["meeting.mentor.proposed"]
    assert again.replies == []
    assert len(await rows(services, Meeting)) == 1
    assert len(await deliveries(services, "meeting.youth.proposed")) == 1
