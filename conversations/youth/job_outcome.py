"""The outcome questions a youth answers after tapping "I found a job!" in their pulse.

    CONTRACT -> [AT_LEVEL] -> START_DATE -> an Outcome row (unless the mentor reported one
    meanwhile: theirs stays), staff told, the youth congratulated

State lives in conversation_state (flow `job_outcome`), like the eligibility flow; buttons
and typed answers are both read; /cancel leaves without storing anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import parsing
from conversations.core import codec
from conversations.core.flow import Accepted, Parsed, Rejected, read_answer
from conversations.core.messages import Channel, Choice
from conversations.core.turn import Turn
from conversations.pairs.alerts import alert_staff
from conversations.pairs.outcomes import OutcomeKind
from storage import audit, mentoring, outbox, people
from storage.models import Outcome, Pairing, Priority

OUTCOME_FLOW = "job_outcome"
# a start date further away than this is a typing mistake (programme: the job must be found)
START_DATE_RANGE = timedelta(days=365)


class JobContract(StrEnum):
    """The kinds of job a youth can report; finer than the mentor's `Contract`: a CDD of six
    months or more counts as a lasting job in the programme's figures, a shorter one not."""

    CDI = "cdi"
    CDD_LONG = "cdd_6m_plus"
    CDD_SHORT = "cdd_under_6m"
    WORK_STUDY = "work_study"
    INTERIM = "interim"
    BUSINESS = "business"
    OTHER = "other"


class OutcomeStep(StrEnum):
    CONTRACT = "contract"
    AT_LEVEL = "at_level"
    START_DATE = "start_date"


async def tell_staff(
    turn: Turn, pairing: Pairing, template: str, key: str, *, kind: str, **extra: Any
) -> None:
    """Tell the staff channel about the youth's pair (through the one staff alert)."""
    await alert_staff(
        turn.session,
        pairing=pairing,
        kind=kind,
        key=key,
        template=template,
        actor=f"person:{turn.person.id}",
        now=turn.now,
        config=turn.config,
        extra=extra,
    )


@dataclass(frozen=True)
class Question:
    step: OutcomeStep
    values: tuple[str, ...]
    parse: Callable[[str, Turn], Parsed]
    columns: int = 1
    needed: Callable[[dict[str, Any]], bool] = lambda _answers: True

    @property
    def key(self) -> str:
        return f"outcome.ask_{self.step}"

    def choices(self) -> tuple[Choice, ...]:
        return tuple(
            Choice(f"choice.{self.step}.{value}", codec.encode(self.step, value=value))
            for value in self.values
        )


def _not_understood() -> Rejected:
    return Rejected("outcome.not_understood", {})


_CONTRACT_WORDS: tuple[tuple[JobContract, frozenset[str]], ...] = tuple(
    (contract, parsing.phrases.words("contract", contract.value))
    for contract in (
        JobContract.CDI,
        JobContract.WORK_STUDY,
        JobContract.INTERIM,
        JobContract.BUSINESS,
        JobContract.OTHER,
    )
)
# a CDD's length decides whether it is a lasting job: "cdd" alone is asked again
_CDD_SHORT = parsing.phrases.words("contract", "cdd_short")
_CDD_LONG = parsing.phrases.words("contract", "cdd_long")
_MONTHS = re.compile(r" ([0-9]{1,2}) (?:mois|months?) ")
_YEARS = re.compile(r" (?:[0-9]{1,2}|un|une|one|a) (?:ans?|annees?|years?) ")


def _cdd_length(words: str) -> JobContract | None:
    if parsing.has_phrase(words, _CDD_SHORT):
        return JobContract.CDD_SHORT
    if parsing.has_phrase(words, _CDD_LONG) or _YEARS.search(words):
        return JobContract.CDD_LONG
    months = _MONTHS.search(words)
    if months:
        # programme rule: six months or more is a lasting job
        return JobContract.CDD_LONG if int(months.group(1)) >= 6 else JobContract.CDD_SHORT
    return None


def parse_contract(text: str) -> JobContract | None:
    """The kind of job typed ("CDI", "CDD de 12 mois", "alternance"...), or None."""
    words = parsing.padded_words(text)
    stripped = words.strip().rstrip(".)")
    index = codec.button_number(stripped, len(JobContract))
    if index is not None:
        return list(JobContract)[index]
    if parsing.has_phrase(words, frozenset({"cdd", "fixed term"})):
        return _cdd_length(words)
    for contract, phrases in _CONTRACT_WORDS:
        if parsing.has_phrase(words, phrases):
            return contract
    return None


def _parse_contract(text: str, _turn: Turn) -> Parsed:
    contract = parse_contract(text)
    return Accepted(contract.value) if contract is not None else _not_understood()


def _parse_at_level(text: str, _turn: Turn) -> Parsed:
    index = codec.button_number(text, 3)
    if index is not None:
        return Accepted(("yes", "no", "unknown")[index])
    said = parsing.parse_tristate(text)
    return Accepted(said.value) if said is not None else _not_understood()


class StartDateError(StrEnum):
    NOT_A_DATE = "not_a_date"
    IMPOSSIBLE = "impossible"
    TOO_FAR = "too_far"
    TOO_OLD = "too_old"


_TODAY_WORDS = parsing.phrases.words("dates", "today")
_TOMORROW_WORDS = parsing.phrases.words("dates", "tomorrow")


def parse_start_date(text: str, today: date) -> date | StartDateError:
    """A start date within a year of `today`, either way: "01/12/2026", "1er décembre",
    "15/01" (the year closest to today), "demain"."""
    words = " ".join(parsing.padded_words(text).split())
    if words in _TODAY_WORDS:
        return today
    if words in _TOMORROW_WORDS:
        return today + timedelta(days=1)
    horizon = today + START_DATE_RANGE
    # the birth-date parser reads the formats; told "today" is a year ahead, it accepts
    # future dates up to then (and reads a two-digit year as the latest one not after it)
    parsed = parsing.parse_birth_date(text, horizon)
    if parsed is parsing.DateError.NOT_A_DATE:
        # no year: the nearest such day, this year or the next or the last
        tries = [
            parsing.parse_birth_date(f"{text} {year}", horizon)
            for year in (today.year - 1, today.year, today.year + 1)
        ]
        candidates = [found for found in tries if isinstance(found, date)]
        if candidates:
            parsed = min(candidates, key=lambda day: abs(day - today))
        elif parsing.DateError.IMPOSSIBLE in tries:
            parsed = parsing.DateError.IMPOSSIBLE  # "31/02"
    if isinstance(parsed, parsing.DateError):
        return {
            parsing.DateError.FUTURE: StartDateError.TOO_FAR,
            parsing.DateError.IMPOSSIBLE: StartDateError.IMPOSSIBLE,
        }.get(parsed, StartDateError.NOT_A_DATE)
    if parsed < today - START_DATE_RANGE:
        return StartDateError.TOO_OLD
    return parsed


def _parse_start_date(text: str, turn: Turn) -> Parsed:
    parsed = parse_start_date(text, turn.today)
    if isinstance(parsed, StartDateError):
        return Rejected(f"outcome.date_{parsed.value}", {})
    return Accepted(parsed.isoformat())


QUESTIONS: tuple[Question, ...] = (
    Question(OutcomeStep.CONTRACT, tuple(JobContract), _parse_contract, columns=2),
    Question(
        OutcomeStep.AT_LEVEL,
        ("yes", "no", "unknown"),
        _parse_at_level,
        columns=3,
        # a business of one's own has no "level of the diploma"
        needed=lambda answers: answers.get(OutcomeStep.CONTRACT) != JobContract.BUSINESS,
    ),
    Question(OutcomeStep.START_DATE, (), _parse_start_date),
)
BY_STEP: dict[str, Question] = {q.step: q for q in QUESTIONS}


async def _existing_outcome(session: AsyncSession, pairing_id: int) -> Outcome | None:
    return await mentoring.outcome_of(session, pairing_id)


async def begin(turn: Turn, pairing: Pairing) -> None:
    if await _existing_outcome(turn.session, pairing.id) is not None:
        # the mentor reported it already: nothing more to ask
        turn.say("outcome.already_reported", name=turn.person.display_name)
        return
    turn.say("outcome.bravo", name=turn.person.display_name)
    await _ask_next(turn, pairing.id, {})


async def ask_outcome_current(turn: Turn, *, again: bool = False) -> None:
    """Ask the outcome question the youth is at (after a command, a stale button...)."""
    state = turn.state
    if state is None or state.flow != OUTCOME_FLOW:
        return
    question = BY_STEP.get(state.step)
    if question is None:  # a step renamed since the state was stored
        await _ask_next(turn, int(state.data["pairing_id"]), dict(state.data.get("answers", {})))
        return
    _ask(turn, question, again=again)


def _ask(turn: Turn, question: Question, *, again: bool = False) -> None:
    turn.say(question.key, question.choices(), columns=question.columns, again=again)


async def on_outcome_input(turn: Turn) -> None:
    """A typed answer, a button or anything else while in the outcome questions."""
    state = turn.state
    assert state is not None  # noqa: S101 - routed here only with a state
    question = BY_STEP.get(state.step)
    if question is None:
        await ask_outcome_current(turn)
        return
    value = read_answer(turn, step=question.step, choices=question.choices(), parse=question.parse)
    if value is None:
        _ask(turn, question, again=True)
        return
    await _accept(turn, question, value)


async def cancel_outcome(turn: Turn) -> None:
    """/cancel in the outcome questions: stop asking; the youth can tell us later."""
    await people.clear_state(turn.session, turn.person.id)
    turn.state = None
    turn.say("outcome.cancelled")


async def _accept(turn: Turn, question: Question, value: str) -> None:
    state = turn.state
    assert state is not None  # noqa: S101
    answers = dict(state.data.get("answers", {}))
    answers[question.step.value] = value
    await _ask_next(turn, int(state.data["pairing_id"]), answers)


async def _ask_next(turn: Turn, pairing_id: int, answers: dict[str, Any]) -> None:
    for question in QUESTIONS:
        if question.step.value not in answers and question.needed(answers):
            turn.state = await people.set_state(
                turn.session,
                turn.person.id,
                flow=OUTCOME_FLOW,
                step=question.step,
                data={"pairing_id": pairing_id, "answers": answers},
                now=turn.now,
            )
            _ask(turn, question)
            return
    await _finish(turn, pairing_id, answers)


async def _finish(turn: Turn, pairing_id: int, answers: dict[str, Any]) -> None:
    session = turn.session
    await people.clear_state(session, turn.person.id)
    turn.state = None
    pairing = await session.get(Pairing, pairing_id)
    if pairing is None or pairing.youth_id != turn.person.id:
        turn.say("common.stale_button")
        return
    if await _existing_outcome(session, pairing.id) is not None:
        # the mentor reported it meanwhile: theirs stays, the youth is thanked all the same
        turn.say("outcome.already_reported", name=turn.person.display_name)
        return
    contract = JobContract(answers[OutcomeStep.CONTRACT])
    at_level = {"yes": True, "no": False}.get(str(answers.get(OutcomeStep.AT_LEVEL)))
    start = date.fromisoformat(answers[OutcomeStep.START_DATE])
    kind = OutcomeKind.BUSINESS_CREATION if contract is JobContract.BUSINESS else OutcomeKind.JOB
    mentoring.add_outcome(
        session,
        pairing_id=pairing.id,
        kind=kind,
        contract=None if contract is JobContract.BUSINESS else contract.value,
        at_diploma_level=at_level,
        occurred_on=start,
        reported_by=turn.person.id,
        reported_at=turn.now,
    )
    await audit.record(
        session,
        actor=f"person:{turn.person.id}",
        action="outcome_reported",
        now=turn.now,
        subject_person_id=turn.person.id,
        detail={"pairing": pairing.id, "kind": kind.value},
    )
    await tell_staff(
        turn,
        pairing,
        "staff.youth_outcome",
        f"alert:pairing:{pairing.id}:youth_outcome",
        kind="youth_outcome",
        contract=contract.value,
        at_level=answers.get(OutcomeStep.AT_LEVEL),
        start=start.isoformat(),
    )
    # the mentor hears it too: it is their mentee's news, and it changes what they do next
    await outbox.enqueue(
        session,
        key=f"mentor:pairing:{pairing.id}:youth_outcome",
        person_id=pairing.mentor_id,
        channel=Channel.SLACK,
        template="mentor.youth_found_job",
        context={
            "mentee": outbox.person_ref(turn.person.id),
            "pairing": pairing.id,
            "business": contract is JobContract.BUSINESS,
            "start": start.isoformat(),
        },
        now=turn.now,
        priority=Priority.URGENT,
    )
    turn.say(
        "outcome.congrats",
        name=turn.person.display_name,
        started=start <= turn.today,
        start=start,
    )
