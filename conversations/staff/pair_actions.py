"""Staff act on a pair: pause, resume, close with a reason, re-pair with another mentor.

The moves are the pairing state machine's (`conversations.pairs.lifecycle`); each one is
audit-logged with the staff member, and the mentor (Slack) and the youth (Telegram, when
the bot can reach them) are told through the outbox in the same transaction. Every refusal
(unknown pair, pausing a paused pair, closing a closed one...) raises `PairActionError`, a
`PairingError` whose `code` names the template Slack answers with and whose message is for
the command line; nothing is changed before a refusal.

In Slack, the pair view's buttons call these: pause and resume at once (the pressed view is
replaced by the pair as it now is), close through a form asking why (errors in place).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel, Choice, FieldKind, Form, FormField, Reply
from conversations.core.programme import ProgrammeConfig
from conversations.core.turn import Turn
from conversations.pairs.lifecycle import OPEN_STATUSES, change_status
from conversations.staff import pairing as staff_pairing
from conversations.staff.pair_view import pair_details
from conversations.staff.pairing import PairingError
from storage import audit, mentoring, outbox, people
from storage.models import (
    CloseReason,
    MentorProfile,
    MentorStatus,
    Pairing,
    PairingStatus,
    Person,
    Role,
)

__all__ = [
    "CLOSE_FORM",
    "FORMS",
    "MAX_NOTE",
    "PairActionError",
    "close_pair",
    "on_button",
    "on_form",
    "pause_pair",
    "repair_pair",
    "resume_pair",
]

CLOSE_FORM = "pair_close"
FORMS: frozenset[str] = frozenset({CLOSE_FORM})
KEY = "staff.pair_actions."
# a closing note, kept in the pair's log (never in the audit log)
MAX_NOTE = 1000
NOTE_KIND = "staff_note"
# refusals the close form shows under its reason field (`error_<code>` templates)
FORM_ERRORS = frozenset({"closed", "unknown"})


class PairActionError(PairingError):
    """A refused action on a pair: `code` names the refusal (`refused_<code>` templates)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _staff(staff: str) -> str:
    who = staff.strip()[:100]
    if not who:
        raise PairActionError("no_staff", "Say who you are (--by) so the action is audit-logged.")
    return who


async def _pairing(session: AsyncSession, pairing_id: int) -> Pairing:
    pairing = await session.get(Pairing, pairing_id)
    if pairing is None:
        raise PairActionError("unknown", f"No pair {pairing_id}.")
    return pairing


def _refuse_move(pairing: Pairing, target: PairingStatus) -> None:
    """Refuse what the state machine does not allow, saying why."""
    status = PairingStatus(pairing.status)
    number = pairing.id
    if status is PairingStatus.CLOSED:
        raise PairActionError("closed", f"Pair {number} is already closed.")
    if target is PairingStatus.PAUSED and status is PairingStatus.PAUSED:
        raise PairActionError("paused", f"Pair {number} is already paused.")
    if target is PairingStatus.PAUSED and status is PairingStatus.PROPOSED:
        raise PairActionError("not_started", f"Pair {number} has not started: nothing to pause.")
    if target is PairingStatus.ACTIVE and status is not PairingStatus.PAUSED:
        raise PairActionError("not_paused", f"Pair {number} is not paused: nothing to resume.")


async def _tell(
    session: AsyncSession,
    pairing: Pairing,
    what: str,
    now: datetime,
    *,
    youth_too: bool = True,
    extra: dict[str, object] | None = None,
) -> None:
    """The mentor, and the youth if the bot can reach them, hear what staff did."""
    stamp = f"{now:%Y%m%dT%H%M%S}"
    await outbox.enqueue(
        session,
        key=f"pairing:{pairing.id}:staff_{what}:{stamp}:mentor",
        person_id=pairing.mentor_id,
        channel=Channel.SLACK,
        template=f"mentor.pair_actions.{what}",
        context={
            "pairing": pairing.id,
            "mentee": outbox.person_ref(pairing.youth_id),
            # once delivered, the mentor's App Home shows the pair as it now is
            "refresh_home": True,
            **(extra or {}),
        },
        now=now,
    )
    youth = await session.get(Person, pairing.youth_id)
    reachable = await people.identity_id_on(session, pairing.youth_id, Channel.TELEGRAM)
    if not youth_too or youth is None or youth.erased_at is not None or reachable is None:
        return
    await outbox.enqueue(
        session,
        key=f"pairing:{pairing.id}:staff_{what}:{stamp}:youth",
        person_id=pairing.youth_id,
        channel=Channel.TELEGRAM,
        template=f"pairing.pair_actions.{what}",
        context={"mentor": outbox.person_ref(pairing.mentor_id)},
        now=now,
    )


async def _record(
    session: AsyncSession, pairing: Pairing, action: str, who: str, now: datetime, **detail: object
) -> None:
    await audit.record(
        session,
        actor=f"staff:{who}",
        action=action,
        now=now,
        subject_person_id=pairing.youth_id,
        detail={"pairing": pairing.id, **detail},
    )


async def pause_pair(
    session: AsyncSession, *, pairing_id: int, staff: str, now: datetime, config: ProgrammeConfig
) -> Pairing:
    """Pause an active pair: no check-in, pulse nor reminder until it resumes."""
    who = _staff(staff)
    pairing = await _pairing(session, pairing_id)
    _refuse_move(pairing, PairingStatus.PAUSED)
    change_status(pairing, PairingStatus.PAUSED, now=now, config=config)
    await _record(session, pairing, "pairing_paused", who, now, reason="staff")
    await _tell(session, pairing, "paused", now)
    return pairing


async def resume_pair(
    session: AsyncSession, *, pairing_id: int, staff: str, now: datetime, config: ProgrammeConfig
) -> Pairing:
    """Resume a paused pair: the follow-up's due dates are armed again."""
    who = _staff(staff)
    pairing = await _pairing(session, pairing_id)
    _refuse_move(pairing, PairingStatus.ACTIVE)
    change_status(pairing, PairingStatus.ACTIVE, now=now, config=config)
    # a fresh start for the rounds: the weeks it was paused were nobody's silence
    pairing.mentor_silent_rounds = 0
    pairing.youth_silent_rounds = 0
    await _record(session, pairing, "pairing_resumed", who, now)
    await _tell(session, pairing, "resumed", now)
    return pairing


def close_reason(typed: CloseReason | str) -> CloseReason:
    """The reason as given (a `CloseReason` or its code), or a refusal listing them."""
    try:
        return CloseReason(typed)
    except ValueError:
        codes = ", ".join(reason.value for reason in CloseReason)
        raise PairActionError("reason", f"Unknown reason {str(typed)[:40]!r}: {codes}.") from None


async def close_pair(
    session: AsyncSession,
    *,
    pairing_id: int,
    reason: CloseReason | str,
    staff: str,
    now: datetime,
    config: ProgrammeConfig,
    note: str | None = None,
    told: str = "closed",
) -> Pairing:
    """Close an open pair for `reason`; an optional note goes to the pair's log."""
    who = _staff(staff)
    why = close_reason(reason)
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise PairActionError("note", f"The note is too long ({MAX_NOTE} characters at most).")
    pairing = await _pairing(session, pairing_id)
    _refuse_move(pairing, PairingStatus.CLOSED)
    change_status(pairing, PairingStatus.CLOSED, now=now, config=config, reason=why)
    if text:
        mentoring.add_interaction(
            session,
            pairing_id=pairing.id,
            kind=NOTE_KIND,
            occurred_at=now,
            logged_at=now,
            logged_by=None,
            channel="staff",
            note=text,
        )
    await _record(session, pairing, "pairing_closed", who, now, reason=why.value, note=bool(text))
    await _tell(session, pairing, told, now, extra={"close_reason": why.value})
    return pairing


async def _check_mentor(session: AsyncSession, mentor_id: int) -> None:
    """The new mentor can take one more mentee (what `pairing.pair` checks, and more), so
    that nothing is closed for a re-pair that would then be refused."""
    mentor = await session.get(Person, mentor_id)
    profile = await session.get(MentorProfile, mentor_id)
    if mentor is None or profile is None or mentor.erased_at is not None:
        raise PairActionError("mentor", f"No mentor {mentor_id}.")
    if mentor.role != Role.MENTOR or profile.status != MentorStatus.ACTIVE:
        raise PairActionError("mentor", f"Mentor {mentor_id} is not active ({profile.status}).")
    if not profile.accepting:
        raise PairActionError("mentor", f"Mentor {mentor_id} takes no new mentee for now.")
    if await staff_pairing.open_pairings_count(session, mentor_id) >= profile.capacity:
        raise PairActionError(
            "mentor", f"Mentor {mentor_id} is at capacity ({profile.capacity} open pairing(s))."
        )


async def repair_pair(
    session: AsyncSession,
    *,
    pairing_id: int,
    mentor_id: int,
    staff: str,
    now: datetime,
    config: ProgrammeConfig,
) -> Pairing:
    """Give the pair's youth another mentor: the pair is closed (a poor match) unless it is
    already, and a new one made with `pairing.pair`. The first mentor hears the youth has
    another mentor, the youth that a new one is coming; the new one gets the introduction."""
    who = _staff(staff)
    old = await _pairing(session, pairing_id)
    if old.mentor_id == mentor_id:
        raise PairActionError("same_mentor", f"Mentor {mentor_id} is already pair {old.id}'s.")
    youth = await session.get(Person, old.youth_id)
    if youth is None or youth.erased_at is not None:
        raise PairActionError("youth", f"Pair {old.id}'s youth erased their data.")
    await _check_mentor(session, mentor_id)
    if old.status in OPEN_STATUSES:
        await close_pair(
            session,
            pairing_id=old.id,
            reason=CloseReason.MISMATCH,
            staff=who,
            now=now,
            config=config,
            told="repaired",
        )
    made = await staff_pairing.pair(
        session, youth_id=old.youth_id, mentor_id=mentor_id, staff=who, now=now, config=config
    )
    await _record(session, old, "pairing_repaired", who, now, new_pairing=made.id, mentor=mentor_id)
    return made


# --------------------------------------------------------------------------- Slack


def _refused(turn: Turn, error: PairActionError, pairing_id: int) -> None:
    turn.response.replies.append(
        Reply(f"{KEY}refused_{error.code}", {"pairing": pairing_id}, locale=turn.locale)
    )


async def on_button(turn: Turn, button: codec.Button) -> None:
    """Pause or resume at once; close opens the form asking why."""
    pairing_id = button.id
    if button.action == "pc":
        await _open_close_form(turn, pairing_id)
        return
    act = pause_pair if button.action == "pp" else resume_pair
    try:
        done = await act(
            turn.session,
            pairing_id=pairing_id,
            staff=turn.actor.external_id,
            now=turn.now,
            config=turn.config,
        )
    except PairActionError as error:
        _refused(turn, error, pairing_id)
        return
    what = "paused" if done.status == PairingStatus.PAUSED else "resumed"
    # the pressed view shows the pair as it now is, with the buttons that fit
    turn.response.update = await pair_details(turn, str(done.id))
    turn.response.replies.append(Reply(f"{KEY}{what}", {"pairing": done.id}, locale=turn.locale))


async def _open_close_form(turn: Turn, pairing_id: int) -> None:
    pairing = await turn.session.get(Pairing, pairing_id)
    if pairing is None or pairing.status == PairingStatus.CLOSED:
        code = "unknown" if pairing is None else "closed"
        _refused(turn, PairActionError(code, ""), pairing_id)
        return
    reasons: list[CloseReason] = [r for r in CloseReason if r is not CloseReason.CANCELLED]
    if pairing.status == PairingStatus.PROPOSED:
        reasons.append(CloseReason.CANCELLED)
    turn.response.form = Form(
        name=CLOSE_FORM,
        title_key=f"{KEY}close_title",
        submit_key=f"{KEY}close_submit",
        fields=(
            FormField(
                "reason",
                FieldKind.SINGLE,
                f"{KEY}close_reason",
                tuple(Choice(f"close_reason.{r.value}", r.value) for r in reasons),
            ),
            FormField(
                "note", FieldKind.TEXT, f"{KEY}close_note", required=False, max_length=MAX_NOTE
            ),
        ),
        locale=turn.locale,
        metadata={"pairing": pairing.id},
        intro=Reply(
            f"{KEY}close_intro",
            {"pairing": pairing.id, "mentee": await _mentee(turn, pairing)},
            locale=turn.locale,
        ),
    )


async def _mentee(turn: Turn, pairing: Pairing) -> str:
    youth = await turn.session.get(Person, pairing.youth_id)
    return (youth.display_name if youth else None) or ""


async def on_form(turn: Turn) -> None:
    """The close form: refusals shown under the field, nothing stored then."""
    incoming = turn.incoming
    pairing_id = codec.parse_id(str(incoming.metadata.get("pairing") or ""))
    reason = incoming.answers.get("reason")
    note = incoming.answers.get("note")
    if not isinstance(reason, str) or reason not in tuple(CloseReason):
        turn.response.form_errors = {"reason": f"{KEY}error_reason"}
        return
    if isinstance(note, str) and len(note.strip()) > MAX_NOTE:
        turn.response.form_errors = {"note": f"{KEY}error_note"}
        return
    if pairing_id is None:
        turn.response.form_errors = {"reason": f"{KEY}error_unknown"}
        return
    try:
        done = await close_pair(
            turn.session,
            pairing_id=pairing_id,
            reason=reason,
            staff=turn.actor.external_id,
            now=turn.now,
            config=turn.config,
            note=note if isinstance(note, str) else None,
        )
    except PairActionError as error:
        # closed meanwhile (a second submission, another staff member): said in place
        code = error.code if error.code in FORM_ERRORS else "unknown"
        turn.response.form_errors = {"reason": f"{KEY}error_{code}"}
        return
    turn.response.replies.append(
        Reply(
            f"{KEY}closed",
            {"pairing": done.id, "close_reason": done.close_reason},
            locale=turn.locale,
        )
    )
