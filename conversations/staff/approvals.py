"""Staff approve or decline a mentor's sign-up: the "Approve" (`ja`) and "Decline" (`jd`)
buttons of the case a `/mentorbot join` opened in the staff channel. Staff only: the staff
router is, and the engine refuses (and audit-logs) anyone else.

Approved, the mentor is active (pairing suggestions may offer them) and told what happens
next; declined, they are told kindly. Either way the decision is audit-logged, the case is
resolved and the pressed post loses its buttons. Pressed twice, or by two staff members at
once, there is one decision: the second press is told who made it.
"""

from __future__ import annotations

import logging

from conversations.core import codec
from conversations.core.messages import Channel, Reply
from conversations.core.turn import Turn
from storage import audit, cases, mentor_profiles, outbox
from storage.models import CaseState, MentorStatus, Person, Priority

__all__ = ["APPROVE", "DECLINE", "KEY", "on_button"]

logger = logging.getLogger(__name__)

APPROVE = "ja"
DECLINE = "jd"
KEY = "staff.approval."
# what the mentor is told, on their channel
TOLD = {MentorStatus.ACTIVE: "mentor.join.approved", MentorStatus.DECLINED: "mentor.join.declined"}


async def on_button(turn: Turn, button: codec.Button) -> None:
    """Approve or decline the sign-up of the mentor the button names."""
    session, now = turn.session, turn.now
    staff = turn.actor.external_id
    wanted = MentorStatus.ACTIVE if button.action == APPROVE else MentorStatus.DECLINED
    person = await session.get(Person, button.id)
    if person is None or person.erased_at is not None:
        _reply(turn, "unknown", person_id=button.id)
        return
    decided = await mentor_profiles.decide(session, person.id, status=wanted, by=staff, now=now)
    profile = await mentor_profiles.get(session, person.id)
    # the post's buttons are spent, whatever happened: they would only say this again
    turn.response.answered = True
    if profile is None:
        _reply(turn, "unknown", person_id=person.id)
        return
    if not decided:
        done = "already_approved" if profile.status == MentorStatus.ACTIVE else "already_declined"
        _reply(turn, done, person_id=person.id, name=person.display_name or "",
               owner=profile.approved_by or "")  # fmt: skip
        return
    case = await mentor_profiles.signup_case(session, person.id)
    if case is not None and case.state != CaseState.RESOLVED:
        cases.resolve(case, by=staff, now=now)
    await audit.record(
        session,
        actor=f"staff:{staff[:100]}",
        action="mentor_approved" if wanted is MentorStatus.ACTIVE else "mentor_declined",
        now=now,
        subject_person_id=person.id,
        detail={"case": case.id} if case is not None else {},
    )
    await outbox.enqueue(
        session,
        key=f"signup:{person.id}:{wanted}",
        person_id=person.id,
        channel=Channel.SLACK,
        template=TOLD[wanted],
        # the answer to their own request: at once, outside the daily budget
        context={"live": True},
        now=now,
        priority=Priority.URGENT,
        order_key=f"case:{case.id}:to_person" if case is not None else None,
    )
    logger.info("mentor %s sign-up %s", person.id, wanted)
    _reply(turn, "approved" if wanted is MentorStatus.ACTIVE else "declined",
           person_id=person.id, name=person.display_name or "")  # fmt: skip


def _reply(turn: Turn, outcome: str, **context: object) -> None:
    turn.response.replies.append(Reply(f"{KEY}{outcome}", dict(context), locale=turn.locale))
