"""A silent mentor's answer to "continue, pause or stop the mentoring?".

After a few monthly rounds without an answer, `rounds.monthly_round` asks this question
instead of another check-in. The mentor's one tap:

    continue --> silent rounds back to 0, thanks, this month's check-in asked at once
    pause ----> pairing PAUSED (no check-ins), staff alerted (mentor_paused)
    stop -----> pairing CLOSED (mentor unavailable), staff alerted (mentor_stopped: the youth
                needs a new mentor), the youth told on Telegram that the team finds another

Only the pair's mentor may answer; the question is pending while the pair is active and its
silent rounds are at the setting, so a second tap, or a tap after the pair was paused or
closed, gets a polite explanation and changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import Channel, Choice
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import NotAllowed, Result
from conversations.mentor import rounds
from conversations.mentor.rounds import ContinueChoice
from conversations.pairs import access
from conversations.pairs.alerts import alert_staff
from conversations.pairs.lifecycle import change_status
from conversations.pairs.periods import period_of
from storage import audit, outbox, people
from storage.models import (
    CloseReason,
    Pairing,
    PairingStatus,
    Person,
    Priority,
)


def _parse(choice: str) -> ContinueChoice:
    try:
        return ContinueChoice(choice)
    except ValueError:
        raise NotAllowed("common.stale_button") from None


async def answer_continue(
    session: AsyncSession,
    *,
    mentor: Person,
    pairing_id: int,
    choice: str,
    now: datetime,
    config: ProgrammeConfig,
) -> Result:
    """The mentor tapped continue, pause or stop under the silence question."""
    decision = _parse(choice)
    pairing = await access.own_pairing(session, mentor, pairing_id, now=now)
    mentee = await access.mentee_name(session, pairing)
    if pairing.status == PairingStatus.CLOSED:
        raise NotAllowed("checkin.pair_closed", mentee=mentee)
    result = Result()
    if pairing.status == PairingStatus.PAUSED:
        result.say("silence.already_paused", mentor.locale, mentee=mentee)
        return result
    if (
        pairing.status != PairingStatus.ACTIVE
        or pairing.mentor_silent_rounds < config.nudges.silent_rounds_before_asking
    ):
        # answered already (continue resets the count) or never asked for this pair
        result.say("silence.already_answered", mentor.locale, mentee=mentee)
        return result
    result.refresh_home = True
    if decision is ContinueChoice.CONTINUE:
        await _carry_on(session, result, mentor, pairing, mentee, now, config)
    elif decision is ContinueChoice.PAUSE:
        await _pause(session, result, mentor, pairing, mentee, now, config)
    else:
        await _stop(session, result, mentor, pairing, mentee, now, config)
    return result


async def _carry_on(
    session: AsyncSession,
    result: Result,
    mentor: Person,
    pairing: Pairing,
    mentee: str,
    now: datetime,
    config: ProgrammeConfig,
) -> None:
    pairing.mentor_silent_rounds = 0
    # the mentor is here now: ask this month's check-in in the answer, not through the outbox
    made = await rounds.open_checkin(session, pairing=pairing, now=now, config=config, notify=False)
    result.say("silence.thanks", mentor.locale, mentee=mentee)
    result.say(
        "checkin.ask",
        mentor.locale,
        choices=tuple(Choice(label, value) for label, value in rounds.choices(made.id)),
        mentee=mentee,
        period=made.period,
    )


async def _pause(
    session: AsyncSession,
    result: Result,
    mentor: Person,
    pairing: Pairing,
    mentee: str,
    now: datetime,
    config: ProgrammeConfig,
) -> None:
    change_status(pairing, PairingStatus.PAUSED, now=now, config=config)
    # the mentor answered: when staff resume the pair, the count starts again
    pairing.mentor_silent_rounds = 0
    await audit.record(
        session,
        actor=f"mentor:{mentor.id}",
        action="pairing_paused",
        now=now,
        subject_person_id=pairing.youth_id,
        detail={"pairing": pairing.id, "reason": "silence_question"},
    )
    await alert_staff(
        session,
        pairing=pairing,
        kind="mentor_paused",
        key=f"alert:pairing:{pairing.id}:mentor_paused:{period_of(now, config.zone)}",
        actor=f"mentor:{mentor.id}",
        now=now,
        config=config,
    )
    result.say("silence.paused", mentor.locale, mentee=mentee)


async def _stop(
    session: AsyncSession,
    result: Result,
    mentor: Person,
    pairing: Pairing,
    mentee: str,
    now: datetime,
    config: ProgrammeConfig,
) -> None:
    change_status(
        pairing,
        PairingStatus.CLOSED,
        now=now,
        config=config,
        reason=CloseReason.MENTOR_UNAVAILABLE,
    )
    await audit.record(
        session,
        actor=f"mentor:{mentor.id}",
        action="pairing_closed",
        now=now,
        subject_person_id=pairing.youth_id,
        detail={"pairing": pairing.id, "reason": CloseReason.MENTOR_UNAVAILABLE.value},
    )
    await alert_staff(
        session,
        pairing=pairing,
        kind="mentor_stopped",
        key=f"alert:pairing:{pairing.id}:mentor_stopped",
        actor=f"mentor:{mentor.id}",
        now=now,
        config=config,
    )
    await _tell_youth(session, pairing, now)
    result.say("silence.stopped", mentor.locale, mentee=mentee)


async def _tell_youth(session: AsyncSession, pairing: Pairing, now: datetime) -> None:
    youth = await session.get(Person, pairing.youth_id)
    on_telegram = await people.identity_id_on(session, pairing.youth_id, Channel.TELEGRAM)
    if youth is None or youth.erased_at is not None or on_telegram is None:
        return
    await outbox.enqueue(
        session,
        key=f"pairing:{pairing.id}:mentor_stopped",
        person_id=youth.id,
        channel=Channel.TELEGRAM,
        template="pairing.mentor_stopped",
        context={"name": youth.display_name or ""},
        now=now,
        priority=Priority.NORMAL,
    )
