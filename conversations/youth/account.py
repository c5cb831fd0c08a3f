"""What a youth can say at any time: commands, language, data rights, and routing to flows.

Commands work in the middle of the questions: they answer, then the current question is
asked again so nothing already answered is lost and the youth knows where they are.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from conversations import parsing
from conversations.core import codec, flow
from conversations.core.messages import Choice, Kind
from conversations.core.turn import LOCALES, Turn
from conversations.pairs import cases as team_cases
from conversations.pairs import contact_sharing, meeting, relay, rsvp
from conversations.pairs import lifecycle as pairing
from conversations.rules.eligibility import Tristate
from conversations.youth import (
    announcements,
    eligibility_decision,
    eligibility_flow,
    faq,
    invite,
    job_outcome,
    mydata,
    pulse,
    requests,
)
from storage import applications, checkins, mentoring, privacy
from storage.models import ApplicationStatus, Pairing, Role

ACCOUNT_FLOW = "account"


class AccountStep(StrEnum):
    CONFIRM_DELETE = "confirm_delete"
    CONFIRM_RESTART = "confirm_restart"


# what a paired youth sends outside any question that goes to her mentor (a sticker is
# explained there)
RELAYED_KINDS = frozenset({Kind.TEXT, Kind.FILE, Kind.UNSUPPORTED})
# how long the monthly pulse's question waits for a typed answer; later, what she types is
# for her mentor (the pulse's buttons keep working)
PULSE_WAITS = timedelta(hours=6)

COMMANDS = (
    "start",
    "help",
    "status",
    "language",
    "privacy",
    "mydata",
    "delete",
    "restart",
    "human",
    "faq",
    "announcements",
)


async def on_message(turn: Turn) -> None:
    """Entry point for everything a youth sends."""
    incoming = turn.incoming
    person = turn.person
    if incoming.kind is Kind.BLOCKED:
        person.unreachable_at = turn.now
        return
    if incoming.kind is Kind.UNBLOCKED:
        person.unreachable_at = None
        return
    if person.unreachable_at is not None:
        person.unreachable_at = None  # they wrote to us: reachable again
    if await faq.intercept(turn):  # a FAQ button; anything else drops a waiting FAQ offer
        await resume_flow(turn)
        return
    if incoming.kind is Kind.COMMAND:
        await _on_command(turn)
        return
    button = codec.decode(incoming.choice) if incoming.kind is Kind.CHOICE else None
    if button is not None and button.action == "lang":
        await _on_language_choice(turn, button.value)
        return
    if button is not None and button.action in ("ma", "es"):
        # a meeting proposal's answer, sharing her email: buttons of proactive messages, which
        # work whatever the youth is in the middle of (then asked again)
        share_or_answer = (
            meeting.on_youth_answer if button.action == "ma" else contact_sharing.on_share
        )
        await share_or_answer(turn, button)
        await resume_flow(turn)
        return
    if button is not None and button.action in announcements.ACTIONS:  # RSVP, on/off
        await announcements.on_button(turn, button)
        await resume_flow(turn)
        return
    if button is not None and button.action in pulse.ACTIONS:
        # the pulse's buttons come with a proactive message: they work whatever the youth
        # is in the middle of, which is then asked again (unless the button started questions)
        before = (turn.state.flow, turn.state.step) if turn.state else None
        await pulse.on_choice(turn)
        if turn.state is not None and (turn.state.flow, turn.state.step) == before:
            await resume_flow(turn)
        return
    state = turn.state
    if state is not None and state.flow == ACCOUNT_FLOW:
        await _on_confirmation(turn)
        return
    if state is not None and state.flow == eligibility_flow.FLOW:
        await eligibility_flow.on_input(turn)
        return
    if state is not None and state.flow == job_outcome.OUTCOME_FLOW:
        await job_outcome.on_outcome_input(turn)
        return
    if state is None and incoming.kind in RELAYED_KINDS:
        answered = await team_cases.answered_case_of(turn.session, person.id)
        if answered is not None:
            # the team answered her request: what she writes goes to it until it is resolved
            await team_cases.person_replied(turn, answered)
            return
    if state is None and incoming.kind in RELAYED_KINDS and person.consent_at is not None:
        paired = await mentoring.youth_pairing(turn.session, person.id)
        if paired is not None:
            # outside any question, a paired youth writes to her mentor (not to the FAQ)
            await _to_mentor(turn, paired.pairing)
            return
    if incoming.kind is Kind.TEXT and state is None and await pulse.on_text(turn):
        return
    if incoming.kind is Kind.CHOICE:
        turn.say("common.stale_button")
    if person.consent_at is None:
        await eligibility_flow.begin(turn, None)
        return
    if (
        incoming.kind is Kind.TEXT
        and await mentoring.youth_pairing(turn.session, person.id) is None
        and await faq.answer(turn)
    ):
        # a question from a youth not (yet) paired: the FAQ, or an offer to ask the team
        return
    await _status(turn, idle=True)


async def _to_mentor(turn: Turn, pairing: Pairing) -> None:
    """The youth's message goes to her mentor. Right after the pulse asked her something
    (`PULSE_WAITS`), and unless her mentor wrote since, her text answers the pulse instead:
    the bot's question is the one waiting for an answer then."""
    if turn.incoming.kind is Kind.TEXT:
        pulse_row = await checkins.latest(turn.session, pairing.id, Role.YOUTH)
        asked = (pulse_row.answered_at or pulse_row.asked_at) if pulse_row is not None else None
        if (
            asked is not None
            and turn.now - asked <= PULSE_WAITS
            and not await relay.mentor_wrote_since(turn.session, pairing.id, asked)
            and await pulse.on_text(turn)
        ):
            return
    await relay.from_youth(turn, pairing)


async def _on_command(turn: Turn) -> None:
    command = turn.incoming.command.lower()
    handlers = {
        "start": _start,
        "help": _help,
        "status": _status,
        "language": _language,
        "privacy": _privacy,
        "mydata": _mydata,
        "delete": _delete,
        "restart": _restart,
        "human": _human,
        "faq": _faq,
        "cancel": _cancel,
    }
    if command in announcements.COMMANDS:  # /announcements [on|off], /annonces
        await announcements.on_command(turn)
        await resume_flow(turn)
        return
    handler = handlers.get(command)
    if handler is None:
        turn.say("common.unknown_command", command=command[:32])
        await resume_flow(turn)
        return
    await handler(turn)


async def resume_flow(turn: Turn) -> None:
    """Ask again whatever the youth was in the middle of."""
    state = turn.state
    if state is None:
        return
    if state.flow == eligibility_flow.FLOW:
        await eligibility_flow.ask_current(turn, again=True)
    elif state.flow == job_outcome.OUTCOME_FLOW:
        await job_outcome.ask_outcome_current(turn, again=True)
    elif state.flow == ACCOUNT_FLOW:
        await _ask_confirmation(turn, AccountStep(state.step))


async def _start(turn: Turn) -> None:
    payload = turn.incoming.args or None
    if payload is not None and invite.is_invite(payload):
        if await invite.on_start(turn, payload):  # linked to their imported record
            return
        payload = None  # an invite that cannot be used: the normal /start, no partner source
    state = turn.state
    if turn.person.consent_at is None:
        await eligibility_flow.begin(turn, payload)
        return
    if state is not None:
        turn.say("common.welcome_back", name=turn.person.display_name)
        await resume_flow(turn)
        return
    await _status(turn)


async def _help(turn: Turn) -> None:
    turn.say("common.help", consented=turn.person.consent_at is not None)
    await resume_flow(turn)


async def _status(turn: Turn, *, idle: bool = False) -> None:
    person = turn.person
    if person.consent_at is None:
        turn.say("status.not_started")
        await resume_flow(turn)
        return
    application = await applications.latest(turn.session, person.id)
    if application is None or application.status != ApplicationStatus.DECIDED:
        state = turn.state
        if state is not None and state.flow == eligibility_flow.FLOW:
            turn.say("status.in_progress")
            await resume_flow(turn)
        else:
            turn.say("status.not_started")
        return
    if idle:
        turn.say("common.idle")
    paired = await mentoring.youth_pairing(turn.session, person.id)
    if paired is not None:
        # where the youth stands now, not where the application stood
        pairing, outcome = paired.pairing, paired.outcome
        turn.say(
            "status.paired",
            mentor=paired.mentor_name,
            status=pairing.status,
            since=pairing.started_at or pairing.proposed_at,
            first_meeting_at=pairing.first_meeting_at,
            last_contact_at=pairing.last_contact_at,
            closed_at=pairing.closed_at,
            outcome=outcome.kind if outcome is not None else None,
            outcome_on=outcome.occurred_on if outcome is not None else None,
        )
    elif application.reviewed_by is not None:
        turn.say(
            "status.reviewed",
            decision=application.decision,
            note=application.review_note,
            decided_at=application.decided_at,
        )
    else:
        eligibility_decision.tell(turn, application)
    await resume_flow(turn)


async def _language(turn: Turn) -> None:
    turn.say(
        "common.choose_language",
        tuple(
            Choice(f"choice.language.{code}", codec.encode("lang", value=code)) for code in LOCALES
        ),
        columns=2,
    )


async def _on_language_choice(turn: Turn, code: str) -> None:
    if code not in LOCALES:
        turn.say("common.stale_button")
        return
    turn.person.locale = code
    turn.say("common.language_set")
    await resume_flow(turn)


async def _privacy(turn: Turn) -> None:
    state = turn.state
    if state is not None and state.flow == eligibility_flow.FLOW and state.step == "privacy":
        await resume_flow(turn)  # the notice with its buttons
        return
    turn.say(
        "privacy.notice_info",
        **turn.config.retention.notice(),
        consented_at=turn.person.consent_at,
    )
    await resume_flow(turn)


async def _mydata(turn: Turn) -> None:
    turn.say("privacy.mydata", attachment=await mydata.export(turn))
    await resume_flow(turn)


async def _delete(turn: Turn) -> None:
    await _confirm(turn, AccountStep.CONFIRM_DELETE)


async def _restart(turn: Turn) -> None:
    if turn.person.consent_at is None:
        await eligibility_flow.begin(turn, None)
        return
    application = await applications.latest(turn.session, turn.person.id)
    if (
        application is not None
        and application.status == ApplicationStatus.DECIDED
        and application.decision in ("eligible", "review")
    ):
        # An accepted or pending application is already with staff: changing it is theirs.
        turn.say("restart.not_now", decision=application.decision)
        await resume_flow(turn)
        return
    await _confirm(turn, AccountStep.CONFIRM_RESTART)


async def _confirm(turn: Turn, step: AccountStep) -> None:
    await flow.enter_aside(turn, flow=ACCOUNT_FLOW, step=step)
    await _ask_confirmation(turn, step)


async def _ask_confirmation(turn: Turn, step: AccountStep) -> None:
    prefix = "del" if step is AccountStep.CONFIRM_DELETE else "rst"
    turn.say(
        f"account.{step}",
        (
            Choice(f"choice.{step}.yes", codec.encode(prefix, value="yes")),
            Choice(f"choice.{step}.no", codec.encode(prefix, value="no")),
        ),
        columns=2,
    )


async def _back_to_previous(turn: Turn) -> None:
    if await flow.leave_aside(turn):
        await resume_flow(turn)


async def _on_confirmation(turn: Turn) -> None:
    state = turn.state
    assert state is not None  # noqa: S101
    step = AccountStep(state.step)
    prefix = "del" if step is AccountStep.CONFIRM_DELETE else "rst"
    incoming = turn.incoming
    answer: str | None = None
    button = codec.decode(incoming.choice) if incoming.kind is Kind.CHOICE else None
    if button is not None and button.action == prefix and button.value in ("yes", "no"):
        answer = button.value
    elif incoming.kind is Kind.TEXT:
        said = parsing.parse_tristate(incoming.text[:100])
        answer = {Tristate.YES: "yes", Tristate.NO: "no"}.get(said) if said else None
    if answer is None:
        if incoming.kind is Kind.CHOICE:
            turn.say("common.stale_button")
        await _ask_confirmation(turn, step)
        return
    if answer == "no":
        turn.say("account.cancelled")
        await _back_to_previous(turn)
        return
    if step is AccountStep.CONFIRM_DELETE:
        await pairing.youth_leaves(
            turn.session, youth_id=turn.person.id, now=turn.now, config=turn.config
        )
        # a seat they held on an event goes to the first one waiting
        await rsvp.give_up_seats(turn.session, turn.person.id, turn.now)
        await privacy.erase_person(turn.session, turn.person, turn.now)
        turn.state = None
        turn.say("account.deleted")  # the erased person keeps only their language
        return
    # restart: the questions again, on a fresh application; consent stays
    current = await applications.latest(turn.session, turn.person.id)
    if current is not None and current.status == ApplicationStatus.IN_PROGRESS:
        current.status = ApplicationStatus.ABANDONED
    application = await applications.start(
        turn.session, turn.person.id, current.source if current else None, turn.now
    )
    turn.say("restart.done")
    await eligibility_flow.start_questions(turn, application)


async def _cancel(turn: Turn) -> None:
    state = turn.state
    if state is not None and state.flow == ACCOUNT_FLOW:
        turn.say("account.cancelled")
        await _back_to_previous(turn)
        return
    if state is not None and state.flow == job_outcome.OUTCOME_FLOW:
        await job_outcome.cancel_outcome(turn)
        return
    turn.say("common.nothing_to_cancel")
    await resume_flow(turn)


async def _faq(turn: Turn) -> None:
    """`/faq` alone: the topics; `/faq <question>`: the answer (or an offer to ask)."""
    if turn.incoming.args.strip():
        await faq.search(turn, turn.incoming.args)
    else:
        faq.ask_index(turn)
    await resume_flow(turn)


async def _human(turn: Turn) -> None:
    # with a text: the request at once; alone: "what is it about?" (requests.FLOW)
    await requests.human(turn, turn.incoming.args)
    await resume_flow(turn)
