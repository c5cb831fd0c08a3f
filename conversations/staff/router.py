"""What only staff do in Slack: `/mentorbot show <pair>`, the "View the pair" button of
staff alerts, a case's "I'll take it" and "Resolved" buttons, and messages in the staff
channel (a reply in a case's thread reaches the person who asked). The engine lets only
staff through (refusals are audit-logged there, and said to nobody in the channel)."""

from __future__ import annotations

from conversations.core import codec
from conversations.core.messages import Channel, Kind, Reply
from conversations.core.turn import Turn
from conversations.staff import (
    announce_forms,
    approvals,
    attendance_form,
    case_answers,
    cases,
    directory,
    event_forms,
    pair_actions,
    programme_report,
    staff_home,
    suggestions,
)
from conversations.staff.pair_view import pair_details

__all__ = ["STAFF_ACTIONS", "STAFF_VERBS", "StaffRouter"]

STAFF_VERBS = frozenset({"show", "pair"})
# running the programme: suggestions for a youth, finding people
SUGGEST_VERBS = frozenset({"suggest", "suggerer", "suggérer"})
FIND_VERBS = frozenset({"find", "search", "chercher", "trouver"})
PROGRAMME_VERBS = SUGGEST_VERBS | FIND_VERBS
# events (`pause` is also a mentor's holidays: it is staff's only with an id, typed by staff)
EVENT_VERBS = frozenset({"event", "evenement", "événement"})
EVENTS_VERBS = frozenset({"events", "evenements", "événements"})
ANNOUNCE_VERBS = frozenset({"announce", "annoncer"})
REPORT_VERBS = frozenset({"report", "rapport", "bilan"})
RESUME_VERBS = frozenset({"resume", "reprendre"})
ATTEND_VERBS = frozenset({"attend", "presents", "présents"})
ALL_EVENT_VERBS = (
    EVENT_VERBS | EVENTS_VERBS | ANNOUNCE_VERBS | REPORT_VERBS | RESUME_VERBS | ATTEND_VERBS
)
STAFF_FORMS = (
    frozenset(
        {
            event_forms.EVENT_FORM,
            event_forms.EDIT_FORM,
            announce_forms.ANNOUNCE_FORM,
            attendance_form.ATTEND_FORM,
        }
    )
    | pair_actions.FORMS
)
EVENT_ACTIONS = frozenset({"ea", "ee", "ec", "as", "ad", "ax"})
# what someone posts in a channel the bot is in (the adapter marks it `in_channel`)
CHANNEL_KINDS = frozenset({Kind.TEXT, Kind.FILE, Kind.UNSUPPORTED})
CASE_ACTIONS = frozenset({"ct", "cr2"})
SUGGEST_ACTIONS = frozenset({"sg", "pm", "pq"})
PAIR_ACTIONS = frozenset({"pp", "pr", "pc"})
APPROVAL_ACTIONS = frozenset({"ja", "jd"})
STAFF_ACTIONS = (
    frozenset({"sp"})
    | CASE_ACTIONS
    | EVENT_ACTIONS
    | SUGGEST_ACTIONS
    | PAIR_ACTIONS
    | APPROVAL_ACTIONS
)


async def _on_case_button(turn: Turn, button: codec.Button) -> None:
    """Take or resolve a case; the staff member is told what happened."""
    staff = turn.actor.external_id
    change = cases.take_case if button.action == "ct" else cases.resolve_case
    done = await change(turn.session, case_id=button.id, staff=staff, now=turn.now)
    turn.response.replies.append(
        Reply(
            f"staff.case_{done.outcome}",
            {"case_id": button.id, "owner": done.case.owner if done.case else None},
            locale=turn.locale,
        )
    )


class StaffRouter:
    """Routes staff-only commands and buttons."""

    staff_only = True

    def claims(self, turn: Turn) -> bool:
        incoming = turn.incoming
        if incoming.channel is not Channel.SLACK:
            return False
        if incoming.metadata.get("in_channel"):
            return incoming.kind in CHANNEL_KINDS
        if incoming.kind is Kind.OPENED:
            # a staff member's App Home: the programme's figures, open cases, waiting youths
            return turn.actor.is_staff
        if incoming.kind is Kind.COMMAND:
            verb = incoming.command.lower()
            if verb == "pause":
                return turn.actor.is_staff and codec.parse_id(incoming.args) is not None
            return verb in STAFF_VERBS or verb in ALL_EVENT_VERBS or verb in PROGRAMME_VERBS
        if incoming.kind is Kind.FORM:
            return incoming.form in STAFF_FORMS
        if incoming.kind is Kind.CHOICE:
            button = codec.decode(incoming.choice)
            return button is not None and button.action in STAFF_ACTIONS
        return False

    async def handle(self, turn: Turn) -> None:
        incoming = turn.incoming
        if incoming.metadata.get("in_channel"):
            if incoming.kind is not Kind.UNSUPPORTED:
                await case_answers.staff_replied(turn)
            return
        if incoming.kind is Kind.OPENED:
            turn.response.home = await staff_home.home_of(turn)
            return
        if incoming.kind is Kind.FORM:
            await _on_form(turn)
            return
        if incoming.kind is Kind.CHOICE:
            button = codec.decode(incoming.choice)
            if button is not None and await _on_programme_button(turn, button):
                return
            if button is not None and button.action in EVENT_ACTIONS:
                await _on_event_button(turn, button)
                return
            if button is not None and button.action in CASE_ACTIONS:
                await _on_case_button(turn, button)
                return
            reference = str(button.id) if button is not None and button.ids else ""
            details = await pair_details(turn, reference)
            # from a button, a window of its own; the adapter posts it where it has none
            turn.response.info = details
            return
        reference = incoming.args.split()[0] if incoming.args.split() else ""
        verb = incoming.command.lower()
        if verb in SUGGEST_VERBS:
            await suggestions.on_suggest_command(turn, incoming.args)
        elif verb in FIND_VERBS:
            await directory.on_find_command(turn, incoming.args)
        elif verb in REPORT_VERBS and codec.parse_id(reference) is None:
            # `/mentorbot report [YYYY-MM] [region]`: the programme's figures; with an
            # announcement id, that announcement's report
            await programme_report.on_report_command(turn, incoming.args)
        elif verb in STAFF_VERBS:
            turn.response.replies.append(await pair_details(turn, reference))
        else:
            await _on_event_command(turn, verb, reference)


async def _on_programme_button(turn: Turn, button: codec.Button) -> bool:
    """Suggestions, pairing, a pair's pause/resume/close/re-pair, a mentor's approval."""
    if button.action in SUGGEST_ACTIONS:
        await suggestions.on_button(turn, button)
    elif button.action in PAIR_ACTIONS:
        await pair_actions.on_button(turn, button)
    elif button.action in APPROVAL_ACTIONS:
        await approvals.on_button(turn, button)
    else:
        return False
    return True


async def _on_form(turn: Turn) -> None:
    form = turn.incoming.form
    if form in pair_actions.FORMS:
        await pair_actions.on_form(turn)
    elif form == event_forms.EVENT_FORM:
        await event_forms.submit_event(turn)
    elif form == event_forms.EDIT_FORM:
        await event_forms.submit_edit(turn)
    elif form == attendance_form.ATTEND_FORM:
        await attendance_form.submit_attendance(turn)
    else:
        await announce_forms.submit_announce(turn)


async def _on_event_command(turn: Turn, verb: str, reference: str) -> None:
    if verb in EVENT_VERBS:
        event_forms.open_event_form(turn)
    elif verb in EVENTS_VERBS:
        turn.response.merge(await event_forms.list_upcoming(turn))
    elif verb in ANNOUNCE_VERBS:
        await announce_forms.open_announce_form(turn, reference)
    elif verb in REPORT_VERBS:
        await announce_forms.report(turn, reference)
    elif verb in ATTEND_VERBS:
        await attendance_form.open_attendance_form(turn, reference)
    else:
        await announce_forms.pause_or_resume(
            turn, "pause" if verb == "pause" else "resume", reference
        )


async def _on_event_button(turn: Turn, button: codec.Button) -> None:
    if button.action == "ea":
        await announce_forms.open_announce_form(turn, str(button.id))
    elif button.action == "ee":
        await event_forms.open_edit_form(turn, button.id)
    elif button.action == "ec":
        await event_forms.on_cancel_button(turn, button)
    else:
        await announce_forms.on_announcement_button(turn, button)
