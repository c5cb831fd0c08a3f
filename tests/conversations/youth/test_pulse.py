"""The youth's monthly pulse, the outcome questions and the "continue?" question, driven
through the engine as the youth (no platform library)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel, Choice, Reply
from conversations.pairs.lifecycle import change_status
from conversations.pairs.outcomes import Contract, OutcomeKind
from conversations.youth import job_outcome, pulse
from storage.models import (
    AuditLog,
    Checkin,
    CheckinAnswer,
    CloseReason,
    ConversationState,
    Delivery,
    Outcome,
    Pairing,
    PairingStatus,
    Person,
    Priority,
    Role,
)
from tests.fakes.mentoring import as_sent, make_pair
from tests.fakes.transcript import Person as Youth

YOUTH_ID = "1001"
# the pair's pulse day: 16th of the month, 10:00 in Paris
NOV_16 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def month(n: int) -> datetime:
    """The pulse day `n` months after November 2026 (10:00 Paris, winter time)."""
    year, index = divmod(10 + n, 12)
    return datetime(2026 + year, index + 1, 16, 9, 0, tzinfo=UTC)


async def paired(services: Services, clock: FixedClock) -> tuple[int, int, int, Youth]:
    """An active pair whose pulse is due on 16 November; the clock is set to then."""
    pairing_id, youth_id, mentor_id = await make_pair(services, telegram_id=YOUTH_ID)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        pairing.next_pulse_due_at = NOV_16
    clock.set(NOV_16)
    return pairing_id, youth_id, mentor_id, Youth(services, YOUTH_ID)


async def send(services: Services, pairing_id: int) -> bool:
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        return await pulse.send_pulse(
            session, pairing=pairing, now=services.clock.now(), config=services.config
        )


async def deliveries(services: Services, template: str) -> list[Delivery]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Delivery).where(Delivery.template == template).order_by(Delivery.id)
        )
        return list(rows.all())


async def youth_checkins(services: Services, pairing_id: int) -> list[Checkin]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Checkin)
            .where(Checkin.pairing_id == pairing_id, Checkin.respondent_role == Role.YOUTH)
            .order_by(Checkin.period)
        )
        return list(rows.all())


async def get_pairing(services: Services, pairing_id: int) -> Pairing:
    async with services.sessions() as session:
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        return pairing


def button(delivery: Delivery, value_end: str) -> str:
    """The value of the queued message's button ending with `value_end`."""
    values = [value for _label, value in delivery.context["choices"]]
    matching = [value for value in values if value.endswith(value_end)]
    assert len(matching) == 1, values
    return matching[0]


async def pulse_button(services: Services, answer: str, index: int = -1) -> str:
    return button((await deliveries(services, "pulse.ask"))[index], f":{answer}")


# ---------------------------------------------------------------- sending


async def test_pulse_is_queued_once_per_period_and_the_next_one_is_next_month(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, youth_id, _, _ = await paired(services, clock)
    assert await send(services, pairing_id) is True
    assert await send(services, pairing_id) is False
    [queued] = await deliveries(services, "pulse.ask")
    [row] = await youth_checkins(services, pairing_id)
    assert (queued.idempotency_key, queued.person_id, queued.channel, queued.priority) == (
        f"pulse:{pairing_id}:2026-11",
        youth_id,
        "telegram",
        Priority.LOW,
    )
    assert queued.context["choices"] == [
        ["choice.pulse.yes", f"pu:{row.id}:yes"],
        ["choice.pulse.no", f"pu:{row.id}:no"],
    ]
    assert (await as_sent(services, queued.context))["mentor"] == "Claire"
    assert "Claire" not in json.dumps(queued.context)  # stored by id, named when sent
    assert (row.period, row.asked_at, row.answer) == ("2026-11", NOV_16, None)
    pairing = await get_pairing(services, pairing_id)
    assert pairing.next_pulse_due_at == datetime(2026, 12, 16, 9, 0, tzinfo=UTC)
    assert pairing.youth_silent_rounds == 0


async def test_next_month_gets_its_own_pulse(services: Services, clock: FixedClock) -> None:
    pairing_id, _, _, _ = await paired(services, clock)
    await send(services, pairing_id)
    clock.set(month(1))
    assert await send(services, pairing_id) is True
    keys = [d.idempotency_key for d in await deliveries(services, "pulse.ask")]
    assert keys == [f"pulse:{pairing_id}:2026-11", f"pulse:{pairing_id}:2026-12"]
    assert [c.period for c in await youth_checkins(services, pairing_id)] == [
        "2026-11",
        "2026-12",
    ]


@pytest.mark.parametrize("status", [PairingStatus.PAUSED, PairingStatus.CLOSED])
async def test_nothing_for_a_pair_not_active(
    services: Services, clock: FixedClock, status: PairingStatus
) -> None:
    pairing_id, _, _, _ = await paired(services, clock)
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        reason = CloseReason.MISMATCH if status is PairingStatus.CLOSED else None
        change_status(pairing, status, now=clock.now(), config=services.config, reason=reason)
        pairing.next_pulse_due_at = NOV_16  # as if the scheduler still found it due
    assert await send(services, pairing_id) is False
    assert await deliveries(services, "pulse.ask") == []
    assert await youth_checkins(services, pairing_id) == []
    assert (await get_pairing(services, pairing_id)).next_pulse_due_at is None


@pytest.mark.parametrize("gone", ["unreachable_at", "erased_at"])
async def test_nothing_for_a_youth_who_blocked_the_bot_or_left(
    services: Services, clock: FixedClock, gone: str
) -> None:
    pairing_id, youth_id, _, _ = await paired(services, clock)
    async with services.sessions() as session, session.begin():
        youth = await session.get(Person, youth_id)
        assert youth is not None
        setattr(youth, gone, clock.now())
    assert await send(services, pairing_id) is False
    assert await deliveries(services, "pulse.ask") == []
    assert await youth_checkins(services, pairing_id) == []
    # asked again next month, not at every tick
    pairing = await get_pairing(services, pairing_id)
    assert pairing.next_pulse_due_at == datetime(2026, 12, 16, 9, 0, tzinfo=UTC)


# ---------------------------------------------------------------- answers


async def test_two_taps_store_contact_and_job_search(services: Services, clock: FixedClock) -> None:
    pairing_id, _, _, youth = await paired(services, clock)
    await send(services, pairing_id)
    said = await youth.presses(await pulse_button(services, "yes"))
    assert "Super, merci" in said.text
    assert "comment ça se passe" in said.text
    [row] = await youth_checkins(services, pairing_id)
    assert [value for _label, value in said.buttons] == [
        f"pj:{row.id}:good",
        f"pj:{row.id}:hard",
        f"pj:{row.id}:found",
    ]
    said = await youth.presses(said.value_of("ça va"))
    assert "Continue comme ça" in said.text
    [row] = await youth_checkins(services, pairing_id)
    assert (row.answer, row.progress, row.answered_at) == ("yes", "good", NOV_16)


async def test_typed_answers_are_read_and_nonsense_asked_again(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _, youth = await paired(services, clock)
    await send(services, pairing_id)
    said = await youth.says("bonjour")
    assert "pas compris" in said.text
    assert "en contact avec Claire" not in said.text  # re-asked without the greeting
    assert "ce mois-ci" in said.text
    assert len(said.buttons) == 2
    said = await youth.says("Non pas vraiment")
    assert "relancer le contact" in said.text
    assert "comment ça se passe" in said.text
    said = await youth.says("pas encore trouvé")  # neither good nor found: asked again
    assert "pas compris" in said.text
    said = await youth.says("c'est difficile en ce moment")
    assert "/human" in said.text
    [row] = await youth_checkins(services, pairing_id)
    assert (row.answer, row.progress) == ("no", "hard")
    # nothing is open any more: the youth's words go to her mentor
    said = await youth.says("oui")
    assert said.keys == ["relay.youth.sent"]


async def test_a_button_pressed_twice_or_of_a_past_month_gets_a_polite_answer(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _, youth = await paired(services, clock)
    await send(services, pairing_id)
    november_yes = await pulse_button(services, "yes")
    await youth.presses(november_yes)
    said = await youth.presses(november_yes)
    assert said.keys == ["pulse.already_answered", "pulse.ask_progress"]
    said = await youth.presses(said.value_of("difficile"))
    said = await youth.presses(await pulse_button(services, "no"))
    assert said.keys == ["pulse.already_answered"]  # nothing left to ask

    clock.set(month(1))
    await send(services, pairing_id)
    said = await youth.presses(november_yes)
    assert said.keys == ["pulse.past"]
    assert "novembre 2026" in said.text
    [november, december] = await youth_checkins(services, pairing_id)
    assert (november.answer, november.progress) == ("yes", "hard")
    assert december.answer is None


async def test_a_late_answer_still_counts_until_the_next_pulse(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _, youth = await paired(services, clock)
    await send(services, pairing_id)
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))  # next month, before its pulse
    said = await youth.presses(await pulse_button(services, "yes"))
    assert said.keys == ["pulse.contact_noted", "pulse.ask_progress"]
    [row] = await youth_checkins(services, pairing_id)
    assert (row.period, row.answer) == ("2026-11", "yes")


async def test_buttons_of_a_closed_pair_or_someone_else_are_refused(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _, youth = await paired(services, clock)
    await send(services, pairing_id)
    yes = await pulse_button(services, "yes")
    stranger = Youth(services, "2002", name="Zoé")
    await stranger.command("start")
    said = await stranger.presses(yes)
    assert "common.stale_button" in said.keys
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        change_status(
            pairing,
            PairingStatus.CLOSED,
            now=clock.now(),
            config=services.config,
            reason=CloseReason.MISMATCH,
        )
    said = await youth.presses(yes)
    assert said.keys == ["pulse.pair_not_active"]
    assert "terminé" in said.text
    assert (await youth_checkins(services, pairing_id))[0].answer is None


# ---------------------------------------------------------------- "I found a job!"


async def test_found_asks_the_outcome_questions_and_tells_staff(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, youth_id, _, youth = await paired(services, clock)
    await send(services, pairing_id)
    said = await youth.presses(await pulse_button(services, "yes"))
    said = await youth.presses(said.value_of("trouvé"))
    assert "Bravo Inès" in said.text
    assert "Quel type de contrat" in said.text
    assert len(said.buttons) == len(job_outcome.JobContract)
    said = await youth.says("un CDD")  # a CDD's length matters: asked again
    assert "pas compris" in said.text
    said = await youth.presses("diploma:bac5")  # a button of another question
    assert said.keys == ["common.stale_button", "outcome.ask_contract"]
    said = await youth.says("CDD de 8 mois")
    assert "au niveau de ton diplôme" in said.text
    said = await youth.command("help")  # a command in the middle
    assert said.keys[-1] == "outcome.ask_at_level"
    assert "On reprend" in said.text
    said = await youth.presses(said.value_of("Oui"))
    assert "Quand commences-tu" in said.text
    said = await youth.says("31/02")
    assert "n'existe pas" in said.text
    said = await youth.says("15/01/2029")
    assert "plus d'un an" in said.text
    said = await youth.says("la semaine prochaine")
    assert "pas reconnu" in said.text
    said = await youth.says("1er décembre")
    assert "Félicitations Inès" in said.text
    assert "Tu commences le 1er décembre 2026" in said.text

    async with services.sessions() as session:
        outcome = (await session.scalars(select(Outcome))).one()
        state = await session.get(ConversationState, youth_id)
        audit = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "outcome_reported"))
        ).one()
    assert (
        outcome.pairing_id,
        outcome.kind,
        outcome.contract,
        outcome.at_diploma_level,
        outcome.occurred_on,
        outcome.reported_by,
    ) == (pairing_id, "job", "cdd_6m_plus", True, date(2026, 12, 1), youth_id)
    assert state is None
    assert audit.detail == {"pairing": pairing_id, "kind": "job"}
    [alert] = await deliveries(services, "staff.youth_outcome")
    assert (alert.destination, alert.person_id, alert.channel) == ("staff", None, "slack")
    assert alert.context["pairing"] == pairing_id
    assert (await as_sent(services, alert.context))["mentee"] == "Inès"
    assert (alert.context["contract"], alert.context["start"]) == ("cdd_6m_plus", "2026-12-01")
    text = services.renderer.render(await _as_dispatched(services, alert, None), Channel.SLACK).text
    assert "Binôme n°" in text
    assert "Inès a trouvé" in text
    assert "CDD de 6 mois ou plus" in text
    [row] = await youth_checkins(services, pairing_id)
    assert row.progress == "found"
    # the found button again: already answered, nothing asked twice
    said = await youth.presses(f"pj:{row.id}:found")
    assert said.keys == ["pulse.already_answered"]


async def test_a_business_of_ones_own_skips_the_diploma_question(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _, youth = await paired(services, clock)
    await send(services, pairing_id)
    said = await youth.presses(await pulse_button(services, "no"))
    said = await youth.says("j'ai trouvé !")
    said = await youth.presses(said.value_of("Création d'entreprise"))
    assert "Quand" in said.text
    said = await youth.says("02/10/2026")
    assert "Tu as commencé le 2 octobre 2026" in said.text
    async with services.sessions() as session:
        outcome = (await session.scalars(select(Outcome))).one()
    assert (outcome.kind, outcome.contract, outcome.at_diploma_level) == (
        OutcomeKind.BUSINESS_CREATION,
        None,
        None,
    )


async def test_cancel_leaves_the_outcome_questions(services: Services, clock: FixedClock) -> None:
    pairing_id, youth_id, _, youth = await paired(services, clock)
    await send(services, pairing_id)
    await youth.presses(await pulse_button(services, "yes"))
    [row] = await youth_checkins(services, pairing_id)
    await youth.presses(f"pj:{row.id}:found")
    said = await youth.command("cancel")
    assert said.keys == ["outcome.cancelled"]
    async with services.sessions() as session:
        assert await session.get(ConversationState, youth_id) is None
        assert (await session.scalars(select(Outcome))).all() == []


async def _mentor_reports(services: Services, pairing_id: int, mentor_id: int) -> None:
    async with services.sessions() as session, session.begin():
        session.add(
            Outcome(
                pairing_id=pairing_id,
                kind=OutcomeKind.JOB,
                contract=Contract.CDI,
                at_diploma_level=True,
                occurred_on=date(2026, 11, 2),
                reported_by=mentor_id,
                reported_at=services.clock.now(),
            )
        )


async def test_an_outcome_the_mentor_reported_is_not_asked_again(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, youth_id, mentor_id, youth = await paired(services, clock)
    await _mentor_reports(services, pairing_id, mentor_id)
    await send(services, pairing_id)
    said = await youth.presses(await pulse_button(services, "yes"))
    said = await youth.presses(said.value_of("trouvé"))
    assert said.keys == ["outcome.already_reported"]
    assert "déjà annoncé" in said.text
    async with services.sessions() as session:
        assert await session.get(ConversationState, youth_id) is None
        outcome = (await session.scalars(select(Outcome))).one()
    assert (outcome.reported_by, outcome.contract) == (mentor_id, "cdi")
    assert await deliveries(services, "staff.youth_outcome") == []


async def test_an_outcome_the_mentor_reports_meanwhile_is_not_overwritten(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, mentor_id, youth = await paired(services, clock)
    await send(services, pairing_id)
    said = await youth.presses(await pulse_button(services, "yes"))
    said = await youth.presses(said.value_of("trouvé"))
    await youth.says("CDI")
    await youth.says("oui")
    await _mentor_reports(services, pairing_id, mentor_id)
    said = await youth.says("01/11/2026")
    assert said.keys == ["outcome.already_reported"]
    async with services.sessions() as session:
        outcome = (await session.scalars(select(Outcome))).one()
    assert (outcome.reported_by, outcome.occurred_on) == (mentor_id, date(2026, 11, 2))
    assert await deliveries(services, "staff.youth_outcome") == []


# ---------------------------------------------------------------- disagreement


async def _mentor_said(services: Services, pairing_id: int, period: str, answer: str) -> None:
    async with services.sessions() as session, session.begin():
        session.add(
            Checkin(
                pairing_id=pairing_id,
                period=period,
                respondent_role=Role.MENTOR,
                asked_at=services.clock.now(),
                answer=answer,
                answered_at=services.clock.now(),
                topics=[],
                needs_staff=False,
            )
        )


async def _two_months_of_no(services: Services, clock: FixedClock, pairing_id: int) -> Youth:
    youth = Youth(services, YOUTH_ID)
    await send(services, pairing_id)
    await youth.presses(await pulse_button(services, "no"))
    clock.set(month(1))
    await send(services, pairing_id)
    await youth.presses(await pulse_button(services, "no"))
    return youth


async def test_no_contact_twice_against_the_mentors_yes_twice_alerts_staff_once(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _, _ = await paired(services, clock)
    await _mentor_said(services, pairing_id, "2026-11", CheckinAnswer.YES)
    await _mentor_said(services, pairing_id, "2026-12", CheckinAnswer.YES)
    youth = await _two_months_of_no(services, clock, pairing_id)
    [alert] = await deliveries(services, "staff.disagreement")
    assert (alert.idempotency_key, alert.destination) == (
        f"disagree:{pairing_id}:2026-12",
        "staff",
    )
    assert alert.context["periods"] == ["2026-11", "2026-12"]
    text = services.renderer.render(await _as_dispatched(services, alert, None), Channel.SLACK).text
    assert "novembre 2026 et décembre 2026" in text
    # the same answer again, or the check run again, alerts nobody twice
    await youth.presses(await pulse_button(services, "no"))
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        again = await pulse.check_disagreement(
            session, pairing=pairing, period="2026-12", now=clock.now(), config=services.config
        )
    assert again is False
    assert len(await deliveries(services, "staff.disagreement")) == 1
    # both sides' answers are kept
    async with services.sessions() as session:
        answers = {
            (c.period, c.respondent_role): c.answer
            for c in (await session.scalars(select(Checkin))).all()
        }
    assert answers == {
        ("2026-11", "mentor"): "yes",
        ("2026-12", "mentor"): "yes",
        ("2026-11", "youth"): "no",
        ("2026-12", "youth"): "no",
    }


async def test_no_alert_when_the_mentor_did_not_say_yes_both_months(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _, _ = await paired(services, clock)
    await _mentor_said(services, pairing_id, "2026-11", CheckinAnswer.NOT_YET)
    await _mentor_said(services, pairing_id, "2026-12", CheckinAnswer.YES)
    await _two_months_of_no(services, clock, pairing_id)
    assert await deliveries(services, "staff.disagreement") == []


# ---------------------------------------------------------------- silence


async def _silent_for_three_rounds(services: Services, clock: FixedClock, pairing_id: int) -> None:
    """Pulses of November, December and January left unanswered; February is asked."""
    for n in range(4):
        clock.set(month(n))
        await send(services, pairing_id)


async def test_after_three_silent_rounds_the_youth_is_asked_whether_to_continue(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, youth_id, _, _ = await paired(services, clock)
    for n, rounds in enumerate((0, 1, 2)):
        clock.set(month(n))
        assert await send(services, pairing_id) is True
        assert (await get_pairing(services, pairing_id)).youth_silent_rounds == rounds
    clock.set(month(3))
    assert await send(services, pairing_id) is True
    assert await send(services, pairing_id) is False  # once a month
    assert len(await deliveries(services, "pulse.ask")) == 3  # no February pulse
    [question] = await deliveries(services, "pulse.ask_continue")
    assert (question.idempotency_key, question.person_id, question.channel) == (
        f"continue:{pairing_id}:2027-02:youth",
        youth_id,
        "telegram",
    )
    assert [value for _label, value in question.context["choices"]] == [
        f"cy:{pairing_id}:continue",
        f"cy:{pairing_id}:pause",
        f"cy:{pairing_id}:stop",
    ]
    pairing = await get_pairing(services, pairing_id)
    assert pairing.youth_silent_rounds == 3
    assert pairing.next_pulse_due_at == month(4)
    # still silent in March: the same question, not a pulse
    clock.set(month(4))
    assert await send(services, pairing_id) is True
    assert len(await deliveries(services, "pulse.ask_continue")) == 2
    assert len(await deliveries(services, "pulse.ask")) == 3


async def test_answering_a_pulse_resets_the_silent_rounds(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _, youth = await paired(services, clock)
    for n in range(3):
        clock.set(month(n))
        await send(services, pairing_id)
    assert (await get_pairing(services, pairing_id)).youth_silent_rounds == 2
    await youth.presses(await pulse_button(services, "yes"))
    assert (await get_pairing(services, pairing_id)).youth_silent_rounds == 0
    clock.set(month(3))
    await send(services, pairing_id)
    assert len(await deliveries(services, "pulse.ask")) == 4
    assert await deliveries(services, "pulse.ask_continue") == []


async def test_continue(services: Services, clock: FixedClock) -> None:
    pairing_id, _, _, youth = await paired(services, clock)
    await _silent_for_three_rounds(services, clock, pairing_id)
    said = await youth.presses(f"cy:{pairing_id}:continue")
    assert "on continue" in said.text
    pairing = await get_pairing(services, pairing_id)
    assert (pairing.status, pairing.youth_silent_rounds) == ("active", 0)
    said = await youth.presses(f"cy:{pairing_id}:stop")  # an old button: changes nothing
    assert said.keys == ["pulse.continue_answered"]
    assert (await get_pairing(services, pairing_id)).status == "active"
    clock.set(month(4))
    await send(services, pairing_id)
    assert [d.idempotency_key for d in await deliveries(services, "pulse.ask")][-1] == (
        f"pulse:{pairing_id}:2027-03"
    )


async def test_pause(services: Services, clock: FixedClock) -> None:
    pairing_id, youth_id, mentor_id, youth = await paired(services, clock)
    await _silent_for_three_rounds(services, clock, pairing_id)
    said = await youth.presses(f"cy:{pairing_id}:pause")
    assert "en pause" in said.text
    pairing = await get_pairing(services, pairing_id)
    assert (pairing.status, pairing.paused_at) == ("paused", month(3))
    [alert] = await deliveries(services, "staff.youth_paused")
    assert (alert.destination, alert.context["pairing"]) == ("staff", pairing_id)
    [told] = await deliveries(services, "mentor.youth_paused")
    assert told.person_id == mentor_id
    text = services.renderer.render(await _as_dispatched(services, told, None), Channel.SLACK).text
    assert f"a demandé une pause dans votre binôme (n°{pairing_id})" in text
    async with services.sessions() as session:
        audit = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "pairing_paused"))
        ).one()
    assert (audit.actor, audit.detail["pairing"]) == (f"person:{youth_id}", pairing_id)
    clock.set(month(4))
    assert await send(services, pairing_id) is False
    said = await youth.presses(f"cy:{pairing_id}:pause")
    assert said.keys == ["pulse.pair_not_active"]


async def test_stop(services: Services, clock: FixedClock) -> None:
    pairing_id, youth_id, mentor_id, youth = await paired(services, clock)
    await _silent_for_three_rounds(services, clock, pairing_id)
    said = await youth.presses(f"cy:{pairing_id}:stop")
    assert "s'arrête ici" in said.text
    pairing = await get_pairing(services, pairing_id)
    assert (pairing.status, pairing.close_reason, pairing.closed_at) == (
        "closed",
        "gave_up",
        month(3),
    )
    [staff] = await deliveries(services, "staff.youth_stopped")
    assert (staff.destination, staff.context["pairing"]) == ("staff", pairing_id)
    [mentor] = await deliveries(services, "mentor.youth_stopped")
    assert (mentor.person_id, mentor.channel, mentor.context["pairing"]) == (
        mentor_id,
        "slack",
        pairing_id,
    )
    async with services.sessions() as session:
        audit = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "pairing_closed"))
        ).one()
    assert audit.detail == {"pairing": pairing_id, "reason": "youth_stopped"}
    assert audit.subject_person_id == youth_id
    said = await youth.presses(f"cy:{pairing_id}:stop")
    assert said.keys == ["pulse.pair_not_active"]
    assert len(await deliveries(services, "mentor.youth_stopped")) == 1


async def test_a_continue_button_of_someone_else_is_refused(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _, _ = await paired(services, clock)
    await _silent_for_three_rounds(services, clock, pairing_id)
    stranger = Youth(services, "2002", name="Zoé")
    said = await stranger.presses(f"cy:{pairing_id}:stop")
    assert "common.stale_button" in said.keys
    assert (await get_pairing(services, pairing_id)).status == "active"


# ---------------------------------------------------------------- rendering


async def _as_dispatched(services: Services, delivery: Delivery, name: str | None) -> Reply:
    """The reply the dispatcher builds from a queued row."""
    context: dict[str, Any] = await as_sent(services, dict(delivery.context))
    if delivery.person_id is not None:
        context["name"] = name
    choices = tuple(Choice(label, value) for label, value in context.get("choices", []))
    return Reply(delivery.template, context, choices, locale=str(context.get("locale") or "fr"))


async def test_queued_messages_render_and_buttons_fit_telegram(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _, _, youth = await paired(services, clock)
    await _silent_for_three_rounds(services, clock, pairing_id)
    await youth.presses(f"cy:{pairing_id}:stop")
    async with services.sessions() as session:
        queued = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
    by_template = {d.template: d for d in queued}
    rendered = services.renderer.render(
        await _as_dispatched(services, by_template["pulse.ask"], "Inès"), Channel.TELEGRAM
    )
    assert "Salut Inès" in rendered.text
    assert "<b>As-tu été en contact avec Claire ce mois-ci ?</b>" in rendered.text
    labels = [label for row in rendered.buttons for label, _value in row]
    assert labels == ["Oui", "Non"]
    for template in ("pulse.ask", "pulse.ask_continue"):
        buttons = services.renderer.render(
            await _as_dispatched(services, by_template[template], "Inès"), Channel.TELEGRAM
        ).buttons
        values = [value for row in buttons for _label, value in row]
        assert values
        assert all(len(value.encode()) <= 64 for value in values)
    for template in ("staff.youth_stopped", "mentor.youth_stopped"):
        text = services.renderer.render(
            await _as_dispatched(services, by_template[template], "Claire"), Channel.SLACK
        ).text
        assert f"{pairing_id}" in text


async def test_the_mentors_later_yes_completes_the_disagreement(
    services: Services, clock: FixedClock
) -> None:
    from conversations.mentor import checkin, contact_log
    from storage.models import Person as PersonRow

    pairing_id, _, mentor_id, _ = await paired(services, clock)
    await _mentor_said(services, pairing_id, "2026-11", CheckinAnswer.YES)
    await _two_months_of_no(services, clock, pairing_id)  # now in December
    assert await deliveries(services, "staff.disagreement") == []
    async with services.sessions() as session, session.begin():
        asked = await checkin.start_checkin(
            session, pairing_id=pairing_id, now=clock.now(), config=services.config
        )
        mentor = await session.get(PersonRow, mentor_id)
        assert mentor is not None
        await session.refresh(mentor, ["identities"])
        await contact_log.record_contact(
            session,
            mentor=mentor,
            pairing_id=pairing_id,
            checkin_id=asked.id,
            report=contact_log.ContactReport(
                how=contact_log.How.CALL,
                topics=(contact_log.Topic.MORALE,),
                progress=contact_log.Progress.GOOD,
                note=None,
                needs_staff=False,
            ),
            source_event_id="view-december",
            channel="slack",
            now=clock.now(),
            config=services.config,
        )
    [alert] = await deliveries(services, "staff.disagreement")
    assert alert.idempotency_key == f"disagree:{pairing_id}:2026-12"


async def test_the_mentor_hears_that_their_mentee_found_a_job(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, _youth_id, mentor_id, youth = await paired(services, clock)
    await send(services, pairing_id)
    said = await youth.presses(await pulse_button(services, "yes"))
    said = await youth.presses(said.value_of("trouvé"))
    await youth.says("CDI")
    said = await youth.presses(said.value_of("Oui") if "Oui" in said.text else "at_level:yes")
    await youth.says("1er décembre")
    async with services.sessions() as session:
        told = await session.scalar(
            select(Delivery).where(Delivery.template == "mentor.youth_found_job")
        )
    assert told is not None
    assert (told.person_id, told.channel) == (mentor_id, "slack")
    text = services.renderer.render(
        await _as_dispatched(services, told, "Claire"), Channel.SLACK
    ).text
    assert "Inès" in text
    assert "1er décembre 2026" in text
