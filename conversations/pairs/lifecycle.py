"""Pairings: the state machine, the follow-up dates it arms, and a youth leaving.

    PROPOSED --start--> ACTIVE --pause--> PAUSED
        |                 |  ^--resume------'  |
        '----close--------+----close-----------'--> CLOSED (with a reason from a fixed list)

`next_status` is the single pure rule of which moves are legal; every change of a pairing's
status goes through `change_status`, which applies it and stamps the dates: starting or
resuming arms the scheduler's due dates (first meeting, at risk, pulse) from the decisions
of `conversations.pairs.followup`, pausing and closing disarm them. Staff make pairings
(`conversations.staff.pairing`); a youth erasing their data closes theirs (`youth_leaves`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import Channel
from conversations.core.programme import ProgrammeConfig
from conversations.pairs import followup
from conversations.pairs.alerts import alert_staff
from conversations.pairs.periods import next_due
from storage import audit, outbox, pairings
from storage.models import CloseReason, Pairing, PairingStatus

__all__ = [
    "ALLOWED",
    "OPEN_STATUSES",
    "IllegalTransition",
    "change_status",
    "next_status",
    "youth_leaves",
]

OPEN_STATUSES = (PairingStatus.PROPOSED, PairingStatus.ACTIVE, PairingStatus.PAUSED)
# Which statuses each status may move to. CLOSED is final.
ALLOWED: dict[PairingStatus, frozenset[PairingStatus]] = {
    PairingStatus.PROPOSED: frozenset({PairingStatus.ACTIVE, PairingStatus.CLOSED}),
    PairingStatus.ACTIVE: frozenset({PairingStatus.PAUSED, PairingStatus.CLOSED}),
    PairingStatus.PAUSED: frozenset({PairingStatus.ACTIVE, PairingStatus.CLOSED}),
    PairingStatus.CLOSED: frozenset(),
}


class IllegalTransition(ValueError):
    """A status change the state machine does not allow."""


def next_status(
    current: PairingStatus, target: PairingStatus, reason: CloseReason | None = None
) -> PairingStatus:
    """The status after moving `current` to `target`; raises `IllegalTransition` otherwise.

    Closing needs a reason from `CloseReason`; any other move must not give one.
    """
    if target not in ALLOWED[current]:
        raise IllegalTransition(f"a {current} pairing cannot become {target}")
    if target is PairingStatus.CLOSED and reason is None:
        raise IllegalTransition("closing a pairing needs a reason")
    if target is not PairingStatus.CLOSED and reason is not None:
        raise IllegalTransition(f"only closing takes a reason, not moving to {target}")
    return target


def change_status(
    pairing: Pairing,
    target: PairingStatus,
    *,
    now: datetime,
    config: ProgrammeConfig,
    reason: CloseReason | None = None,
) -> None:
    """Apply a legal status change to `pairing` and keep its dates consistent."""
    current = PairingStatus(pairing.status)
    pairing.status = next_status(current, target, reason)
    if target is PairingStatus.ACTIVE:
        if pairing.started_at is None:
            pairing.started_at = now
            local = now.astimezone(config.zone)
            # programme rule: a check-in every month, on the day of the month the pair began
            # (28 at most so that every month has that day)
            pairing.checkin_day = min(local.day, 28)
        pairing.paused_at = None
        pairing.next_checkin_due_at = next_due(now, pairing.checkin_day, config.zone)
        _arm_follow_up(pairing, now, config)
    elif target is PairingStatus.PAUSED:
        pairing.paused_at = now
        pairing.next_checkin_due_at = None
        _disarm_follow_up(pairing)
    elif target is PairingStatus.CLOSED:
        pairing.closed_at = now
        pairing.close_reason = reason.value if reason is not None else None
        pairing.next_checkin_due_at = None
        _disarm_follow_up(pairing)


def _arm_follow_up(pairing: Pairing, now: datetime, config: ProgrammeConfig) -> None:
    """The scheduler's due dates for an active pair (at its start, or when it resumes)."""
    nudges = config.nudges
    # the reminder a resumed pair is at, from its start date; one due already goes out at
    # the next tick (None: met, or all reminders sent)
    step = followup.first_meeting_step(
        status=pairing.status,
        started_at=pairing.started_at or now,
        first_meeting_at=pairing.first_meeting_at,
        stage=pairing.first_meeting_stage or 0,  # None on a pairing not yet flushed
        now=now,
        nudges=nudges,
    )
    pairing.first_meeting_due_at = now if step.send is not None else step.due_at
    # (re)starting is the latest sign of life: a resumed pair gets a whole silence before
    # it is at risk, not an alert about the weeks it was paused
    silence = followup.silence_check(
        status=pairing.status,
        last_contact_at=pairing.last_contact_at,
        first_meeting_at=pairing.first_meeting_at,
        started_at=now,
        now=now,
        silence_days=nudges.silence_days,
    )
    pairing.at_risk_due_at = silence.due_at
    # the youth's pulse: two weeks after the mentor's check-in, so they are not asked together
    pairing.next_pulse_due_at = next_due(
        now, ((pairing.checkin_day or 1) + 13) % 28 + 1, config.zone
    )


def _disarm_follow_up(pairing: Pairing) -> None:
    pairing.first_meeting_due_at = None
    pairing.at_risk_due_at = None
    pairing.next_pulse_due_at = None


async def youth_leaves(
    session: AsyncSession, *, youth_id: int, now: datetime, config: ProgrammeConfig
) -> None:
    """The youth erased their data: close their open pairings (reason: gave up) and tell
    each mentor and the staff channel, without naming the youth."""
    open_pairings = await pairings.of_youth_in(session, youth_id, OPEN_STATUSES)
    for pairing in open_pairings:
        change_status(
            pairing, PairingStatus.CLOSED, now=now, config=config, reason=CloseReason.GAVE_UP
        )
        await audit.record(
            session,
            actor=f"person:{youth_id}",
            action="pairing_closed",
            now=now,
            subject_person_id=youth_id,
            detail={"pairing": pairing.id, "reason": "youth_erased_data"},
        )
        await outbox.enqueue(
            session,
            key=f"pairing:{pairing.id}:youth_left",
            person_id=pairing.mentor_id,
            channel=Channel.SLACK,
            template="mentor.youth_left",
            context={"pairing": pairing.id},
            now=now,
        )
        await alert_staff(
            session,
            pairing=pairing,
            kind="youth_left",
            key=f"alert:pairing:{pairing.id}:youth_left",
            template="staff.youth_left",
            actor=f"person:{youth_id}",
            now=now,
            config=config,
            # the youth's name leaves with their data: the alert names the pair only
            extra={"mentee": ""},
        )
