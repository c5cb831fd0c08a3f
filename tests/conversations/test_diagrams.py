"""Each conversation flow has a Mermaid diagram beside it that names its steps.

A flow module `x.py` has `x.mmd` next to it. Every `StrEnum` step class defined in the
module (a name ending in `Step`) has each member's value as a state of the diagram, and the
pairing lifecycle's diagram has every `PairingStatus` as a state and exactly the moves of
`ALLOWED` as arrows. The flows without a step class (pulse, check-in, silence) branch on
answer enums instead: each of their values is named in the diagram. So a step, status or
answer renamed or added without updating the diagram fails here.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from types import ModuleType

import pytest

from conversations.mentor import checkin, join, silence
from conversations.pairs import lifecycle, meeting, relay
from conversations.youth import account, eligibility_flow, job_outcome, pulse, requests
from storage.models import CheckinAnswer, MeetingState, MentorStatus, PairingStatus

FLOWS: tuple[ModuleType, ...] = (
    eligibility_flow,
    job_outcome,
    pulse,
    account,
    checkin,
    silence,
    lifecycle,
    meeting,
    relay,
    requests,
    join,
)
# Enums whose members are states of a diagram though the module does not define them.
STATE_ENUMS: dict[ModuleType, tuple[type[StrEnum], ...]] = {
    lifecycle: (PairingStatus,),
    meeting: (MeetingState,),
    join: (MentorStatus,),
}
# Enums whose values label a flow's branches (buttons and typed answers).
ANSWER_ENUMS: dict[ModuleType, tuple[type[StrEnum], ...]] = {
    job_outcome: (job_outcome.JobContract,),
    pulse: (pulse.PulseAnswer, pulse.JobSearch, pulse.Continuation),
    checkin: (CheckinAnswer, checkin.ContinueChoice),
    silence: (checkin.ContinueChoice,),
}
KEYWORDS = ("stateDiagram-v2", "stateDiagram", "flowchart", "graph")

# stateDiagram syntax: `a --> b : label`, `state "text" as a`, `state a <<choice>>`, `a : text`
_TRANSITION = re.compile(r"^(\S+)\s*-->\s*([^\s:]+)")
_STATE = re.compile(r'^state\s+(?:"[^"]*"\s+as\s+)?([\w-]+)')
_DESCRIPTION = re.compile(r"^([\w-]+)\s*:")


def _ids(modules: tuple[ModuleType, ...]) -> list[str]:
    return [module.__name__.rpartition(".")[2] for module in modules]


def diagram_of(module: ModuleType) -> Path:
    assert module.__file__ is not None
    return Path(module.__file__).with_suffix(".mmd")


def read_diagram(module: ModuleType) -> str:
    path = diagram_of(module)
    assert path.is_file(), f"{module.__name__} has no diagram {path.name} beside it"
    return path.read_text(encoding="utf-8")


def step_enums(module: ModuleType) -> list[type[StrEnum]]:
    """The `StrEnum` classes named `...Step` that `module` defines (not merely imports)."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, StrEnum)
        and value.__name__.endswith("Step")
        and value.__module__ == module.__name__
    ]


def statements(text: str) -> list[str]:
    """The diagram's lines, stripped, without blank lines, comments and note bodies."""
    kept: list[str] = []
    in_note = False
    for raw in text.splitlines():
        line = raw.strip()
        if in_note:
            in_note = line != "end note"
            continue
        if not line or line.startswith("%%"):
            continue
        if line.startswith("note ") and ":" not in line:
            in_note = True  # a multi-line note, closed by `end note`
            continue
        kept.append(line)
    return kept


def first_statement(text: str) -> str:
    lines = statements(text)
    if lines and lines[0] == "---":  # front matter (title, config) before the keyword
        lines = lines[lines.index("---", 1) + 1 :] if "---" in lines[1:] else []
    return lines[0] if lines else ""


def transitions(text: str) -> set[tuple[str, str]]:
    return {
        (found.group(1), found.group(2))
        for line in statements(text)
        if (found := _TRANSITION.match(line))
    }


def state_names(text: str) -> set[str]:
    """The states of a `stateDiagram`, however each is introduced."""
    names: set[str] = set()
    for line in statements(text):
        if found := _TRANSITION.match(line):
            names.update((found.group(1), found.group(2)))
        elif found := _STATE.match(line) or _DESCRIPTION.match(line):
            names.add(found.group(1))
    names.discard("[*]")
    return names


def mentions(text: str, word: str) -> bool:
    """`word` appears as a whole token, not inside a longer name (`no` is not in `not`)."""
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def described(enums: list[type[StrEnum]]) -> list[tuple[str, str]]:
    return [(f"{enum.__name__}.{member.name}", member.value) for enum in enums for member in enum]


def missing_states(text: str, enums: list[type[StrEnum]]) -> list[str]:
    """Members whose value is not a state (a state diagram) or not named (a flowchart)."""
    if first_statement(text).startswith("stateDiagram"):
        states = state_names(text)
        return [f"{name} = {value!r}" for name, value in described(enums) if value not in states]
    return missing_words(text, enums)


def missing_words(text: str, enums: list[type[StrEnum]]) -> list[str]:
    return [f"{name} = {value!r}" for name, value in described(enums) if not mentions(text, value)]


@pytest.mark.parametrize("module", FLOWS, ids=_ids(FLOWS))
def test_diagram_beside_flow_starts_with_a_mermaid_keyword(module: ModuleType) -> None:
    first = first_statement(read_diagram(module))
    keyword = first.split(maxsplit=1)[0] if first else ""
    assert keyword in KEYWORDS, f"{diagram_of(module).name} starts with {first!r}"


@pytest.mark.parametrize("module", FLOWS, ids=_ids(FLOWS))
def test_every_step_is_a_state_of_the_diagram(module: ModuleType) -> None:
    enums = step_enums(module) + list(STATE_ENUMS.get(module, ()))
    missing = missing_states(read_diagram(module), enums)
    assert missing == [], f"{diagram_of(module).name} lacks states for {missing}"


@pytest.mark.parametrize("module", list(ANSWER_ENUMS), ids=_ids(tuple(ANSWER_ENUMS)))
def test_every_answer_is_named_in_the_diagram(module: ModuleType) -> None:
    missing = missing_words(read_diagram(module), list(ANSWER_ENUMS[module]))
    assert missing == [], f"{diagram_of(module).name} does not name {missing}"


def test_step_classes_are_found() -> None:
    """The discovery itself: the flows known to have step classes yield them."""
    assert eligibility_flow.Step in step_enums(eligibility_flow)
    assert job_outcome.OutcomeStep in step_enums(job_outcome)
    assert account.AccountStep in step_enums(account)
    # imported there, defined elsewhere: the pulse diagram need not repeat the outcome steps
    assert job_outcome.OutcomeStep not in step_enums(pulse)


def test_lifecycle_arrows_are_the_allowed_moves() -> None:
    values = {status.value for status in PairingStatus}
    drawn = {(a, b) for a, b in transitions(read_diagram(lifecycle)) if {a, b} <= values}
    allowed = {
        (current.value, target.value)
        for current, targets in lifecycle.ALLOWED.items()
        for target in targets
    }
    assert drawn == allowed


def test_state_names_reads_the_diagram_syntax() -> None:
    text = "\n".join(
        (
            "stateDiagram-v2",
            "    %% a comment naming ghost",
            "    [*] --> a : start",
            '    state "the b state" as b',
            "    state c <<choice>>",
            "    d : described",
            "    note right of d",
            "        e : inside a note",
            "    end note",
            "    note left of a : f",
            "    a --> g",
        )
    )
    assert state_names(text) == {"a", "b", "c", "d", "g"}
    assert transitions(text) == {("[*]", "a"), ("a", "g")}
    assert first_statement(text) == "stateDiagram-v2"
    assert not mentions("not yet", "no")
    assert mentions("yes or no, back", "no")
