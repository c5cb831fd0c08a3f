"""A mentor's Slack traffic: the `/mentorbot` verbs, the buttons of check-ins, introductions
and the App Home, the three forms, messages in the app's Messages tab, and the App Home.

Every action is one of the mentor flows (`checkin`, `contact_log`, `outcome`, `silence`,
`holidays`) or the relay to their mentees (`conversations.pairs.relay`: what they write in a
pair's thread, or outside one, and the "for whom?" buttons); this module only routes to
them. A person who is not (or no longer) a mentor is told so, whatever they sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conversations.core import codec
from conversations.core.messages import Channel, Form, Kind
from conversations.core.response import Home, NotAllowed, Response
from conversations.core.turn import Turn
from conversations.mentor import (
    ask_team,
    checkin,
    contact_log,
    holidays,
    join,
    outcome,
    profile,
    silence,
)
from conversations.pairs import access, meeting, relay, rsvp
from storage import events
from storage.models import MentorProfile, MentorStatus

__all__ = ["MentorRouter", "home_of"]

HELP_VERBS = frozenset({"help", "aide"})
PAIRS_VERBS = frozenset({"pairs", "binomes", "binômes"})
LOG_VERBS = frozenset({"log", "noter"})
OUTCOME_VERBS = frozenset({"outcome", "issue"})
PAUSE_VERBS = frozenset({"pause", "vacances", "holidays"})
FORMS = frozenset({contact_log.FORM, contact_log.CONCERN_FORM, outcome.FORM, meeting.FORM})
# what a mentor writes that may be for a mentee (a text, a file, a sticker to explain)
MESSAGE_KINDS = frozenset({Kind.TEXT, Kind.FILE, Kind.UNSUPPORTED})
# the App Home's toggle of event announcements (value on/off)
ANNOUNCEMENTS_ACTION = "an"


async def home_of(turn: Turn) -> Home:
    """The App Home of whoever is talking: a mentor's pairs, or "I don't know you" (also
    to a mentor whose sign-up staff have not approved)."""
    if await join.standing(turn) is not MentorStatus.ACTIVE:
        return Home(locale=turn.locale, known=False)
    mentor = turn.person
    details = await turn.session.get(MentorProfile, mentor.id)
    pairs = await access.pairs_of(turn.session, mentor.id)
    return Home(
        locale=mentor.locale,
        known=True,
        pairs=tuple(pairs),
        paused_until=details.checkins_paused_until if details else None,
        announcements=mentor.announcements_opt_out_at is None,
        accepting=details.accepting if details else True,
    )


class MentorRouter:
    """Routes what a mentor does in Slack to the mentor flows."""

    staff_only = False

    def claims(self, turn: Turn) -> bool:
        return turn.incoming.channel is Channel.SLACK

    async def handle(self, turn: Turn) -> None:
        incoming = turn.incoming
        if incoming.kind is Kind.OPENED:
            turn.response.home = await home_of(turn)
            return
        if join.handles(incoming):  # `/mentorbot join` and its form: anyone, known or not
            await join.on_event(turn)
            return
        standing = await join.standing(turn)
        if standing is None:
            turn.say("mentor.unknown")
            return
        if turn.person.unreachable_at is not None:
            # a message to them failed (account deactivated): they are back
            turn.person.unreachable_at = None
        if standing is not MentorStatus.ACTIVE:
            # signed up, not approved (or declined): they can only write to the team
            if ask_team.handles(incoming):
                turn.response.merge(await ask_team.on_event(turn))
            elif not await ask_team.replied_in_case(turn):
                pending = standing is MentorStatus.PENDING
                turn.say(f"{join.KEY}{'pending' if pending else 'declined_before'}")
            return
        if profile.handles(incoming):  # profile, availability: verbs, buttons, the form
            await profile.on_event(turn)
            result = Response()
        elif ask_team.handles(incoming):  # `/mentorbot team`, the App Home's button, its form
            result = await ask_team.on_event(turn)
        elif await ask_team.replied_in_case(turn):  # in the thread of a team's answer
            result = Response()
        elif incoming.kind is Kind.COMMAND:
            result = await self._command(turn)
        elif incoming.kind is Kind.CHOICE:
            result = await self._button(turn)
            result.answered = _settles(incoming.choice)
        elif incoming.kind is Kind.FORM:
            result = await self._form(turn)
        elif incoming.kind in MESSAGE_KINDS:
            result = await self._message(turn)
        else:
            result = Response()
        turn.response.merge(result)
        if turn.response.refresh_home:
            turn.response.home = await home_of(turn)

    # -- messages: to a mentee, or (for nobody) the help

    async def _message(self, turn: Turn) -> Response:
        result = Response()
        typed = turn.incoming.text.strip().lower() if turn.incoming.kind is Kind.TEXT else ""
        if typed in HELP_VERBS and not turn.incoming.thread:
            result.say("mentor.help", turn.locale)
        elif not await relay.from_mentor(turn):
            # nobody to write to: the bot works with buttons and /mentorbot
            result.say("mentor.free_text", turn.locale)
            result.say("mentor.help", turn.locale)
        return result

    # -- /mentorbot verbs

    async def _command(self, turn: Turn) -> Response:
        verb = turn.incoming.command.lower()
        mentor = turn.person
        result = Response()
        if verb in HELP_VERBS or not verb:
            result.say("mentor.help", mentor.locale)
        elif verb in PAIRS_VERBS:
            pairs = await access.pairs_of(turn.session, mentor.id)
            if pairs:
                result.say("mentor.pairs", mentor.locale, pairs=pairs)
            else:
                result.say("mentor.no_pairs", mentor.locale)
        elif verb in LOG_VERBS:
            return await self._log_form(turn, None)
        elif verb in OUTCOME_VERBS:
            return await self._outcome_form(turn, None)
        elif verb in PAUSE_VERBS:
            return await holidays.pause(turn.session, mentor, turn.incoming.args, today=turn.today)
        else:
            result.say("mentor.unknown_command", mentor.locale, command=verb[:32])
        return result

    async def _open_pairs(self, turn: Turn) -> list[access.PairSummary]:
        pairs = await access.pairs_of(turn.session, turn.person.id)
        return [p for p in pairs if p.status != "closed"]

    async def _form_for_pair(
        self,
        turn: Turn,
        pairing_id: int | None,
        form: Callable[[int | None, list[access.PairSummary]], Form],
    ) -> Response:
        """A form about one of the mentor's open pairs: the one named (if theirs), the only
        one, or a choice among them inside the form; "no pairs" when there is none."""
        result = Response()
        mentor = turn.person
        pairs = await self._open_pairs(turn)
        if pairing_id is not None:
            await access.own_open_pairing(turn.session, mentor, pairing_id, now=turn.now)
        elif not pairs:
            result.say("mentor.no_pairs", mentor.locale)
            return result
        elif len(pairs) == 1:
            pairing_id = pairs[0].pairing_id
        result.form = form(pairing_id, pairs)
        return result

    async def _log_form(self, turn: Turn, pairing_id: int | None) -> Response:
        locale, today = turn.person.locale, turn.today
        return await self._form_for_pair(
            turn,
            pairing_id,
            lambda pid, pairs: contact_log.contact_form(
                locale, pairing_id=pid, checkin_id=None, pairs=pairs, today=today
            ),
        )

    async def _outcome_form(self, turn: Turn, pairing_id: int | None) -> Response:
        locale, today = turn.person.locale, turn.today
        return await self._form_for_pair(
            turn, pairing_id, lambda pid, pairs: outcome.outcome_form(locale, pid, today, pairs)
        )

    # -- buttons

    async def _button(self, turn: Turn) -> Response:
        button = codec.decode(turn.incoming.choice)
        mentor, now, config = turn.person, turn.now, turn.config
        session = turn.session
        if button is not None and button.action == ANNOUNCEMENTS_ACTION:
            return await _announcements(turn, button.value)
        if button is None or not button.ids:
            result = Response()
            result.say("common.stale_button", mentor.locale)
            return result
        target = button.id
        match button.action:
            case "ci":
                return await checkin.answer(
                    session,
                    mentor=mentor,
                    checkin_id=target,
                    choice=button.value,
                    now=now,
                    config=config,
                )
            case "cr":
                return await checkin.remind_later(
                    session, mentor=mentor, checkin_id=target, now=now, config=config
                )
            case "cm":
                return await silence.answer_continue(
                    session,
                    mentor=mentor,
                    pairing_id=target,
                    choice=button.value,
                    now=now,
                    config=config,
                )
            case "fm":
                return await contact_log.first_meeting(
                    session,
                    mentor=mentor,
                    pairing_id=target,
                    source_event_id=f"first_meeting:{target}",
                    channel=Channel.SLACK,
                    now=now,
                    config=config,
                )
            case "hl":
                return await self._log_form(turn, target)
            case "hc":
                await access.own_open_pairing(session, mentor, target, now=now)
                return Response(form=contact_log.concern_form(mentor.locale, target))
            case "ho":
                return await self._outcome_form(turn, target)
            case "mp":
                return await meeting.open_form(
                    session, mentor=mentor, pairing_id=target, value=button.value, now=now
                )
            case "mh":
                return await meeting.answer_held(
                    session,
                    mentor=mentor,
                    meeting_id=target,
                    choice=button.value,
                    now=now,
                    config=config,
                    log_first_meeting=contact_log.first_meeting,
                )
            case relay.ACTION:
                await relay.pick_mentee(turn, target)
                return Response()
            case rsvp.ACTION:  # the answer (and its calendar file) goes in turn.response
                await rsvp.on_rsvp(turn, button)
                return Response()
        result = Response()
        result.say("common.stale_button", mentor.locale)
        return result

    # -- forms

    async def _form(self, turn: Turn) -> Response:
        incoming = turn.incoming
        mentor = turn.person
        if incoming.form not in FORMS:
            raise NotAllowed("common.stale_button")
        metadata = incoming.metadata
        pairing_meta = _id(metadata.get("pairing"))
        source = incoming.event_id or f"form:{incoming.form}"
        common: dict[str, Any] = {
            "mentor": mentor,
            "source_event_id": source,
            "channel": Channel.SLACK,
            "now": turn.now,
            "config": turn.config,
        }
        if incoming.form == contact_log.FORM:
            report = contact_log.parse_contact(
                incoming.answers,
                today=turn.today,
                with_date="checkin" not in metadata,
                with_pairing="pairing" not in metadata,
            )
            if not isinstance(report, contact_log.ContactReport):
                return Response(form_errors=report)
            return await contact_log.record_contact(
                turn.session,
                pairing_id=pairing_meta or report.pairing_id or 0,
                checkin_id=_id(metadata.get("checkin")),
                report=report,
                **common,
            )
        if incoming.form == meeting.FORM:
            return await meeting.submit(
                turn.session, pairing_id=pairing_meta or 0, answers=incoming.answers, **common
            )
        if incoming.form == contact_log.CONCERN_FORM:
            note = contact_log.parse_concern(incoming.answers)
            if not isinstance(note, str):
                return Response(form_errors=note)
            return await contact_log.report_concern(
                turn.session, pairing_id=pairing_meta or 0, note=note, **common
            )
        found = outcome.parse_outcome(
            incoming.answers, today=turn.today, with_pairing="pairing" not in metadata
        )
        if not isinstance(found, outcome.OutcomeReport):
            return Response(form_errors=found)
        return await outcome.report_outcome(
            turn.session,
            pairing_id=pairing_meta or found.pairing_id or 0,
            report=found,
            **common,
        )


async def _announcements(turn: Turn, value: str) -> Response:
    """The App Home's toggle: event announcements on or off; the Home shows the change."""
    result = Response()
    wanted = {"on": True, "off": False}.get(value)
    if wanted is None:
        result.say("common.stale_button", turn.person.locale)
        return result
    changed = await events.set_announcements(turn.session, turn.person, wanted, turn.now)
    result.say("announcements.mentor.set", turn.person.locale, on=wanted, changed=changed)
    result.refresh_home = True
    return result


def _settles(value: str) -> bool:
    """Whether pressing this button answers its message's question for good (a check-in's
    "yes" opens a form, so only its submission does)."""
    button = codec.decode(value)
    if button is None:
        return False
    if button.action == "ci":
        return button.value != "yes"
    return button.action in ("cr", "cm", "fm", "mh", relay.ACTION)


def _id(value: object) -> int | None:
    """An id carried in a form's metadata (an int, or ASCII digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= codec.MAX_ID else None
    return codec.parse_id(value) if isinstance(value, str) else None
