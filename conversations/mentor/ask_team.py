"""A mentor asks the team: `/mentorbot team <text>` (or `equipe`), or the App Home's "Ask
the team" button and `/mentorbot team` alone, which open a one-question form. Either opens
a case (kind human) whose thread in the staff channel is where staff answer; a mentor whose
question is still open adds to it instead of opening another.

Staff answers arrive in the bot's direct messages, in a thread of their own: what the mentor
writes in that thread comes back to the case (`conversations.pairs.cases.person_replied`,
called where the mentor's thread messages are routed).
"""

from __future__ import annotations

import uuid

from conversations.core import codec
from conversations.core.messages import Channel, FieldKind, Form, FormField, Incoming, Kind
from conversations.core.response import Response
from conversations.core.turn import Turn
from conversations.pairs import cases as shared_cases
from storage import cases, threads
from storage.models import CaseKind, CaseState

__all__ = [
    "ACTION",
    "FORM",
    "VERBS",
    "ask",
    "handles",
    "on_event",
    "replied_in_case",
    "team_form",
]

VERBS = frozenset({"team", "equipe", "équipe"})
FORM = "ask_team"
# the App Home button (no id: it is about no pair in particular)
ACTION = "tq"
# what the team reads of the question (a case keeps this much)
MAX_QUESTION = 1000


def team_form(locale: str) -> Form:
    """The one question: what the mentor needs."""
    return Form(
        name=FORM,
        title_key="form.team_title",
        submit_key="form.submit",
        fields=(
            FormField("question", FieldKind.TEXT, "form.team_question", max_length=MAX_QUESTION),
        ),
        locale=locale,
    )


def handles(incoming: Incoming) -> bool:
    """Whether this event is the mentor asking the team (a verb, the button, the form)."""
    if incoming.kind is Kind.COMMAND:
        return incoming.command.lower() in VERBS
    if incoming.kind is Kind.CHOICE:
        button = codec.decode(incoming.choice)
        return button is not None and button.action == ACTION
    return incoming.kind is Kind.FORM and incoming.form == FORM


async def on_event(turn: Turn) -> Response:
    """The verb with a text asks at once; the verb alone or the button opens the form;
    the form's answer asks."""
    incoming = turn.incoming
    locale = turn.person.locale
    if incoming.kind is Kind.FORM:
        question = incoming.answers.get("question")
        if not isinstance(question, str) or not question.strip():
            return Response(form_errors={"question": "form.required"})
        if len(question.strip()) > MAX_QUESTION:
            return Response(form_errors={"question": "form.note_too_long"})
        return await ask(turn, question)
    if incoming.kind is Kind.COMMAND and incoming.args.strip():
        if len(incoming.args.strip()) > MAX_QUESTION:
            result = Response()
            result.say("case.too_long", locale, limit=MAX_QUESTION)
            return result
        return await ask(turn, incoming.args)
    return Response(form=team_form(locale))


async def ask(turn: Turn, question: str) -> Response:
    """Open the mentor's case with `question`, or add it to the one still open."""
    mentor = turn.person
    result = Response()
    text = question.strip()[:MAX_QUESTION]
    waiting = await cases.open_of_person(turn.session, mentor.id, CaseKind.HUMAN)
    if waiting:
        case = waiting[0]
        await shared_cases.add_to_case(
            turn.session,
            case,
            person_id=mentor.id,
            text=text,
            file_ids=[],
            ref=turn.incoming.event_id or uuid.uuid4().hex,
            now=turn.now,
            config=turn.config,
        )
        result.say("case.added", mentor.locale, case_id=case.id)
        return result
    case = await shared_cases.open_case(
        turn.session,
        kind=CaseKind.HUMAN,
        person_id=mentor.id,
        pairing_id=None,
        text=text,
        now=turn.now,
        config=turn.config,
    )
    result.say("case.requested", mentor.locale, case_id=case.id, days=turn.config.review_delay_days)
    return result


async def replied_in_case(turn: Turn) -> bool:
    """A message in the thread where staff answered the mentor's case goes to the case's
    thread in the staff channel (a resolved case's thread says how to ask again); False
    for any other message (a pair's thread, outside threads)."""
    incoming = turn.incoming
    if incoming.kind not in (Kind.TEXT, Kind.FILE, Kind.UNSUPPORTED) or not incoming.thread:
        return False
    if not incoming.chat_id:
        return False
    found = await threads.find(turn.session, Channel.SLACK, incoming.chat_id, incoming.thread)
    if found is None or found.case_id is None:
        return False
    case = await cases.get(turn.session, found.case_id)
    if case is None or case.person_id != turn.person.id:
        return False
    if case.state == CaseState.RESOLVED:
        turn.say("case.resolved_thread", case_id=case.id)
        return True
    await shared_cases.person_replied(turn, case)
    return True
