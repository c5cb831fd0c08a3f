"""The eligibility flow: privacy notice, a few questions, an immediate decision.

Each question is data (`Question`): the template that asks it, its buttons, how a typed
answer is read, and when it is needed. After every answer the pure rules are evaluated, so a
youth who cannot be accepted is told at once, without being asked anything more (data
minimisation), and one who is under the minimum age is asked nothing further.

    PRIVACY -accept-> DIPLOMA -> BIRTH_DATE -> QPV -> [SOCIAL] -> SITUATION -> REGION
                                      -> FIELD -> EMAIL -> decision
       |decline                  \\__________ any hard rule fails: NOT_ELIGIBLE at once ____/
       v                          \\_________ under the minimum age: REVIEW at once (staff told)
     ends, stores only the refusal
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from conversations import parsing
from conversations.core import codec
from conversations.core.flow import Parsed, read_answer
from conversations.core.messages import Choice, Kind
from conversations.core.turn import MAX_TEXT, Turn
from conversations.rules.eligibility import (
    Answers,
    Diploma,
    EligibilityRules,
    Outcome,
    Reason,
    Situation,
    Tristate,
    decide,
    needs_social_question,
)
from conversations.youth import eligibility_answers as answers
from conversations.youth import eligibility_decision as decision_
from conversations.youth import mydata
from conversations.youth.eligibility_decision import rules_context
from storage import applications, people
from storage.models import Application, ApplicationStatus

FLOW = "eligibility"
# Deep-link payloads are at most 64 characters of [A-Za-z0-9_-] (Telegram's rule).
SOURCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_FIELD = 200


class Step(StrEnum):
    PRIVACY = "privacy"
    DIPLOMA = "diploma"
    BIRTH_DATE = "birth_date"
    QPV = "qpv"
    SOCIAL = "social"
    SITUATION = "situation"
    REGION = "region"
    FIELD = "field"
    EMAIL = "email"
    # the answers read back before the decision: "that's right" or "change an answer"
    CONFIRM = "confirm"


@dataclass(frozen=True)
class Question:
    step: Step
    choices: Callable[[EligibilityRules, str], tuple[Choice, ...]]
    parse: Callable[[str, Turn], Parsed]
    columns: int = 1
    needed: Callable[[Answers], bool] = lambda _answers: True

    @property
    def key(self) -> str:
        return f"eligibility.ask_{self.step}"


QUESTIONS: tuple[Question, ...] = (
    Question(
        Step.DIPLOMA,
        answers.buttons(Step.DIPLOMA, tuple(d.value for d in Diploma)),
        answers.parse_diploma,
        columns=2,
    ),
    Question(Step.BIRTH_DATE, answers.no_buttons, answers.parse_birth_date),
    Question(
        Step.QPV,
        answers.buttons(Step.QPV, tuple(t.value for t in Tristate)),
        answers.parse_tristate,
        columns=3,
    ),
    Question(
        Step.SOCIAL, answers.social_choices, answers.parse_social, needed=needs_social_question
    ),
    Question(
        Step.SITUATION,
        answers.buttons(Step.SITUATION, tuple(s.value for s in Situation)),
        answers.parse_situation,
    ),
    Question(Step.REGION, answers.region_choices, answers.parse_region, columns=2),
    Question(Step.FIELD, answers.no_buttons, answers.parse_field),
    Question(Step.EMAIL, answers.buttons(Step.EMAIL, ("skip",)), answers.parse_email),
)
BY_STEP: dict[str, Question] = {q.step: q for q in QUESTIONS}
# Typed answers that can be given as a button press too: the typed text is matched first by
# the question's own parser, then by the number shown in front of each option.
_NUMBERED = {Step.DIPLOMA, Step.QPV, Step.SITUATION, Step.EMAIL}


# ---------------------------------------------------------------- entry points


async def begin(turn: Turn, source: str | None) -> None:
    """Show the privacy notice; nothing personal is asked before it is accepted."""
    data: dict[str, Any] = {}
    if source and SOURCE.match(source):
        data["source"] = source
    await people.set_state(
        turn.session, turn.person.id, flow=FLOW, step=Step.PRIVACY, data=data, now=turn.now
    )
    turn.say("privacy.notice", _privacy_choices(), columns=2, **_privacy_context(turn))


async def ask_current(turn: Turn, *, again: bool = False) -> None:
    """Ask the question the person is at (after a command, a stale button...)."""
    state = turn.state
    if state is None or state.flow != FLOW:
        return
    if state.step == Step.PRIVACY:
        turn.say("privacy.notice", _privacy_choices(), columns=2, **_privacy_context(turn))
        return
    question = BY_STEP.get(state.step)
    if question is None:  # a step renamed since the state was stored: start it again
        await _ask_next(turn, await _application(turn))
        return
    _ask(turn, question, again=again)


async def on_input(turn: Turn) -> None:
    """Handle a typed answer, a button or anything else while in the flow."""
    state = turn.state
    assert state is not None  # noqa: S101 - the engine routes here only with a state
    if state.step == Step.PRIVACY:
        await _on_privacy(turn)
        return
    if state.step == Step.CONFIRM:
        await _on_confirm(turn)
        return
    question = BY_STEP.get(state.step)
    if question is None:
        await ask_current(turn)
        return
    value = read_answer(
        turn,
        step=question.step,
        choices=question.choices(turn.rules, turn.locale),
        parse=question.parse,
        numbered=question.step in _NUMBERED,
    )
    if value is None:
        _ask(turn, question, again=True)
        return
    await _accept(turn, question, value)


# ---------------------------------------------------------------- privacy


def _privacy_choices() -> tuple[Choice, ...]:
    return (
        Choice("choice.privacy.accept", codec.encode("privacy", value="accept")),
        Choice("choice.privacy.decline", codec.encode("privacy", value="decline")),
    )


def _privacy_context(turn: Turn) -> dict[str, Any]:
    return turn.config.retention.notice()


async def _on_privacy(turn: Turn) -> None:
    incoming = turn.incoming
    answer: str | None = None
    if incoming.kind is Kind.CHOICE:
        button = codec.decode(incoming.choice)
        if button is not None and button.action == "privacy":
            answer = button.value
    elif incoming.kind is Kind.TEXT and len(incoming.text) <= MAX_TEXT:
        said = parsing.parse_tristate(incoming.text)
        wanted = parsing.normalise(incoming.text)
        if said is Tristate.YES or wanted in ("j'accepte", "accepte", "accept", "i accept", "ok"):
            answer = "accept"
        elif said is Tristate.NO or wanted in ("je refuse", "refuse", "decline", "refuser"):
            answer = "decline"
    if answer is None:
        if incoming.kind is Kind.CHOICE:
            turn.say("common.stale_button")
        turn.say("privacy.please_choose")
        turn.say("privacy.notice", _privacy_choices(), columns=2, **_privacy_context(turn))
        return
    person = turn.person
    assert turn.state is not None  # noqa: S101
    if answer == "decline":
        # Store nothing but the refusal.
        await people.set_consent(
            turn.session, person, accepted_at=None, declined_at=turn.now, display_name=None
        )
        await people.clear_state(turn.session, person.id)
        turn.state = None
        turn.say("privacy.declined")
        return
    # The name is personal data: kept only once the notice is accepted (an imported
    # youth's first name, from the partner's file, is kept over their Telegram name).
    await people.set_consent(
        turn.session,
        person,
        accepted_at=turn.now,
        declined_at=None,
        display_name=person.display_name or (turn.incoming.display_name or "")[:200] or None,
    )
    # an imported youth's application waits with the file's answers: they are not asked again
    current = await applications.latest(turn.session, person.id)
    application = (
        current
        if current is not None and current.status == ApplicationStatus.IN_PROGRESS
        else await applications.start(
            turn.session, person.id, turn.state.data.get("source"), turn.now
        )
    )
    turn.say("privacy.accepted", name=person.display_name)
    await _ask_next(turn, application)


# ---------------------------------------------------------------- questions


def _ask(turn: Turn, question: Question, *, again: bool = False) -> None:
    turn.say(
        question.key,
        question.choices(turn.rules, turn.locale),
        columns=question.columns,
        again=again,
        rules=rules_context(turn.rules),
        number=_question_number(turn, question),
        total=_question_total(turn),
    )


def _question_number(turn: Turn, question: Question) -> int:
    return [q.step for q in QUESTIONS].index(question.step) + 1


def _question_total(_turn: Turn) -> int:
    return len(QUESTIONS)


async def _application(turn: Turn) -> Application:
    """The application the flow is filling (created again if it vanished)."""
    state = turn.state
    application = None
    if state is not None and "application_id" in state.data:
        application = await people.application_in_progress(
            turn.session, state.data["application_id"]
        )
    if application is None or application.person_id != turn.person.id:
        application = await applications.latest(turn.session, turn.person.id)
    if application is None or application.status != ApplicationStatus.IN_PROGRESS:
        application = await applications.start(turn.session, turn.person.id, None, turn.now)
    return application


async def start_questions(turn: Turn, application: Application) -> None:
    """Ask the first question the application has no answer to."""
    await _ask_next(turn, application)


async def _accept(turn: Turn, question: Question, value: str) -> None:
    application = await _application(turn)
    answers = dict(application.answers)
    answers[question.step.value] = value
    await applications.set_answers(turn.session, application, answers)
    await _ask_next(turn, application)


async def _ask_next(turn: Turn, application: Application) -> None:
    answers = Answers.from_mapping(application.answers)
    decision = decide(turn.rules, answers, turn.today)
    if decision.outcome is Outcome.NOT_ELIGIBLE or Reason.TOO_YOUNG in decision.reasons:
        await decision_.finish(turn, application, decision)
        return
    for question in QUESTIONS:
        if question.step.value not in application.answers and question.needed(answers):
            turn.state = await people.set_state(
                turn.session,
                turn.person.id,
                flow=FLOW,
                step=question.step,
                data={"application_id": application.id},
                now=turn.now,
            )
            _ask(turn, question)
            return
    await _read_back(turn, application)


# ---------------------------------------------------------------- read back


def _summary_items(turn: Turn, application: Application) -> list[dict[str, Any]]:
    """Each answer given, in words, in the order asked."""
    words = mydata.explain_answers(turn, dict(application.answers))
    items: list[dict[str, Any]] = []
    for question in QUESTIONS:
        raw = application.answers.get(question.step.value)
        if raw is None:
            continue
        item: dict[str, Any] = {
            "step": question.step.value,
            "value": words.get(question.step, raw),
            "date": raw if question.step is Step.BIRTH_DATE else None,
        }
        items.append(item)
    return items


async def _read_back(turn: Turn, application: Application) -> None:
    """Before the decision: the answers read back, with "that's right" / "change one"."""
    turn.state = await people.set_state(
        turn.session,
        turn.person.id,
        flow=FLOW,
        step=Step.CONFIRM,
        data={"application_id": application.id},
        now=turn.now,
    )
    _show_summary(turn, application)


def _show_summary(turn: Turn, application: Application) -> None:
    turn.say(
        "eligibility.summary",
        (
            Choice("choice.confirm.yes", codec.encode("confirm", value="yes")),
            Choice("choice.confirm.change", codec.encode("confirm", value="change")),
        ),
        columns=2,
        items=_summary_items(turn, application),
    )


async def _on_confirm(turn: Turn) -> None:
    application = await _application(turn)
    incoming = turn.incoming
    button = codec.decode(incoming.choice) if incoming.kind is Kind.CHOICE else None
    choice: str | None = None
    if button is not None and button.action == "confirm" and button.value in ("yes", "change"):
        choice = button.value
    elif button is not None and button.action == "change":
        await _change(turn, application, button.value)
        return
    elif incoming.kind is Kind.TEXT:
        said = parsing.parse_tristate(incoming.text[:100])
        choice = {Tristate.YES: "yes", Tristate.NO: "change"}.get(said) if said else None
    if choice == "yes":
        decision = decide(turn.rules, Answers.from_mapping(application.answers), turn.today)
        await decision_.finish(turn, application, decision)
        return
    if choice == "change":
        turn.say(
            "eligibility.which_change",
            tuple(
                Choice(f"summary_label.{item['step']}", codec.encode("change", value=item["step"]))
                for item in _summary_items(turn, application)
            ),
            columns=2,
        )
        return
    if incoming.kind is Kind.CHOICE:
        turn.say("common.stale_button")
    _show_summary(turn, application)


async def _change(turn: Turn, application: Application, step: str) -> None:
    """Ask one question again; the summary comes back once it is answered."""
    question = BY_STEP.get(step)
    if question is None or step not in application.answers:
        turn.say("common.stale_button")
        _show_summary(turn, application)
        return
    answers = dict(application.answers)
    del answers[step]
    await applications.set_answers(turn.session, application, answers)
    await _ask_next(turn, application)
