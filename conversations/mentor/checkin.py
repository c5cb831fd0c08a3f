"""The monthly check-in, from the mentor's side: their one-tap answer to "did you have
contact with your mentee this month?", and "remind me in a few days".

    yes ---------> the contact form (`contact_log`) --> logged, check-in answered
    not yet -----> offer a reminder in a few days --> remind_at set (scheduler asks again)
    unreachable -> logged as such

Sending the check-in, its reminder and escalation, and the monthly round around them are
in `rounds` (`start_checkin`, `monthly_round`, `CheckinError` and `ContinueChoice` are
importable from here too); the diagram of the whole check-in is `checkin.mmd`, beside this
module. A button pressed twice changes nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel, Choice
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import NotAllowed, Result
from conversations.mentor import contact_log
from conversations.mentor.interactions import Kind
from conversations.mentor.rounds import (
    SETTLED,
    CheckinError,
    ContinueChoice,
    answerable,
    monthly_round,
    start_checkin,
)
from conversations.pairs import access, cases
from storage import mentoring
from storage.models import CaseKind, Checkin, CheckinAnswer, Pairing, PairingStatus, Person

# `rounds` names callers import from here: the CLI, the tests' factories, the diagram test
__all__ = [
    "REMIND_AFTER_DAYS",
    "CheckinError",
    "ContinueChoice",
    "answer",
    "monthly_round",
    "remind_later",
    "start_checkin",
]

# "not yet": ask again after this many days
REMIND_AFTER_DAYS = 3


async def _own_checkin(
    session: AsyncSession, mentor: Person, checkin_id: int, now: datetime, config: ProgrammeConfig
) -> tuple[Checkin, Pairing]:
    checkin = await session.get(Checkin, checkin_id)
    if checkin is None:
        raise NotAllowed("mentor.not_your_pair")
    pairing = await access.own_pairing(session, mentor, checkin.pairing_id, now=now)
    if pairing.status == PairingStatus.CLOSED:
        raise NotAllowed("checkin.pair_closed", mentee=await access.mentee_name(session, pairing))
    if not answerable(checkin, now, config):
        raise NotAllowed("checkin.past_month", period=checkin.period)
    return checkin, pairing


async def answer(
    session: AsyncSession,
    *,
    mentor: Person,
    checkin_id: int,
    choice: str,
    now: datetime,
    config: ProgrammeConfig,
) -> Result:
    """The mentor tapped one of the check-in's buttons."""
    checkin, pairing = await _own_checkin(session, mentor, checkin_id, now, config)
    result = Result()
    locale = mentor.locale
    if checkin.answer in SETTLED:
        result.say("checkin.already_answered", locale)
        return result
    if choice == CheckinAnswer.YES:
        result.form = contact_log.contact_form(
            locale,
            pairing_id=pairing.id,
            checkin_id=checkin.id,
            pairs=[],
            today=now.astimezone(config.zone).date(),
        )
        return result
    mentee = await access.mentee_name(session, pairing)
    if choice == CheckinAnswer.NOT_YET:
        first_time = checkin.answer is None
        checkin.answer, checkin.answered_at = CheckinAnswer.NOT_YET, now
        if first_time:
            _log(session, pairing, mentor, Kind.NO_CONTACT_YET, now)
        result.say(
            "checkin.not_yet",
            locale,
            choices=(Choice("choice.checkin.remind", codec.encode("cr", checkin.id)),),
            mentee=mentee,
            days=REMIND_AFTER_DAYS,
        )
        result.refresh_home = True
        return result
    if choice == CheckinAnswer.UNREACHABLE:
        checkin.answer, checkin.answered_at, checkin.remind_at = (
            CheckinAnswer.UNREACHABLE,
            now,
            None,
        )
        _log(session, pairing, mentor, Kind.UNREACHABLE, now)
        # "we couldn't reach each other": a person on the staff looks into it
        await cases.open_case(
            session,
            kind=CaseKind.HELP,
            person_id=mentor.id,
            pairing_id=pairing.id,
            text=None,
            now=now,
            config=config,
            topic="unreachable",
        )
        result.say("checkin.unreachable", locale, mentee=mentee)
        result.refresh_home = True
        return result
    raise NotAllowed("common.stale_button")


async def remind_later(
    session: AsyncSession,
    *,
    mentor: Person,
    checkin_id: int,
    now: datetime,
    config: ProgrammeConfig,
) -> Result:
    """ "Remind me in a few days": the scheduler asks again at `remind_at`."""
    checkin, _pairing = await _own_checkin(session, mentor, checkin_id, now, config)
    result = Result()
    if checkin.answer in SETTLED:
        result.say("checkin.already_answered", mentor.locale)
        return result
    checkin.remind_at = now + timedelta(days=REMIND_AFTER_DAYS)
    result.say("checkin.reminder_set", mentor.locale, when=checkin.remind_at)
    return result


def _log(
    session: AsyncSession, pairing: Pairing, mentor: Person, kind: Kind, now: datetime
) -> None:
    mentoring.add_interaction(
        session,
        pairing_id=pairing.id,
        kind=kind,
        occurred_at=now,
        logged_at=now,
        logged_by=mentor.id,
        channel=Channel.SLACK,
        topics=[],
        needs_staff=False,
    )
