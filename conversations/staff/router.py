"""What only staff do in Slack: `/mentorbot show <pair>`, the "View the pair" button of
staff alerts, a case's "I'll take it" and "Resolved" buttons, and messages in the staff
channel (a reply in a case's thread reaches the person who asked). The engine lets only
staff through (refusals are audit-logged there, and said to nobody in the channel)."""

from __future__ import annotations

from conversations.core import codec
from conversations.core.messages import Channel, Kind, Reply
from conversations.core.turn import Turn
from conversations.pairs import access
from conversations.staff import announce_forms, attendance_form, case_answers, cases, event_forms
from storage import mentoring
from storage.models import Pairing, Person

__all__ = ["STAFF_ACTIONS", "STAFF_VERBS", "StaffRouter", "pair_details"]

STAFF_VERBS = frozenset({"show", "pair"})
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
STAFF_FORMS = frozenset(
    {
        event_forms.EVENT_FORM,
        event_forms.EDIT_FORM,
        announce_forms.ANNOUNCE_FORM,
        attendance_form.ATTEND_FORM,
    }
)
EVENT_ACTIONS = frozenset({"ea", "ee", "ec", "as", "ad", "ax"})
# what someone posts in a channel the bot is in (the adapter marks it `in_channel`)
CHANNEL_KINDS = frozenset({Kind.TEXT, Kind.FILE, Kind.UNSUPPORTED})
STAFF_ACTIONS = frozenset({"sp", "ct", "cr2"}) | EVENT_ACTIONS
CASE_ACTIONS = frozenset({"ct", "cr2"})


async def pair_details(turn: Turn, reference: str) -> Reply:
    """A pair's details for staff, by its id as typed or carried by a button."""
    locale = turn.locale
    pairing_id = codec.parse_id(reference)
    pairing = await turn.session.get(Pairing, pairing_id) if pairing_id is not None else None
    if pairing is None:
        return Reply("staff.unknown_pair", {"pairing": reference[:20]}, locale=locale)
    mentor = await turn.session.get(Person, pairing.mentor_id)
    return Reply(
        "staff.pair",
        {
            "pairing": pairing.id,
            "status": pairing.status,
            "close_reason": pairing.close_reason,
            "mentee": await access.mentee_name(turn.session, pairing),
            "mentor": (mentor.display_name if mentor else None) or "",
            "started_at": pairing.started_at,
            "first_meeting_at": pairing.first_meeting_at,
            "last_contact_at": pairing.last_contact_at,
            "interactions": await mentoring.count_interactions(turn.session, pairing.id),
        },
        locale=locale,
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
        if incoming.kind is Kind.COMMAND:
            verb = incoming.command.lower()
            if verb == "pause":
                return turn.actor.is_staff and codec.parse_id(incoming.args) is not None
            return verb in STAFF_VERBS or verb in ALL_EVENT_VERBS
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
        if incoming.kind is Kind.FORM:
            await _on_form(turn)
            return
        if incoming.kind is Kind.CHOICE:
            button = codec.decode(incoming.choice)
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
        if verb in STAFF_VERBS:
            turn.response.replies.append(await pair_details(turn, reference))
        else:
            await _on_event_command(turn, verb, reference)


async def _on_form(turn: Turn) -> None:
    form = turn.incoming.form
    if form == event_forms.EVENT_FORM:
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
