"""How the eligibility questions read typed answers and which buttons they show.

Each parser takes the typed text and the turn (for the rules and today's date) and returns
`Accepted(value)` or `Rejected(template key)`; the questions themselves are in
`eligibility_flow`.
"""

from __future__ import annotations

from collections.abc import Callable

from conversations import parsing
from conversations.core import codec
from conversations.core.flow import Accepted, Parsed, Rejected
from conversations.core.messages import Choice
from conversations.core.turn import Turn
from conversations.rules.eligibility import EligibilityRules, age_on
from conversations.rules.regions import REGION_ALIASES, REGION_NAMES, REGIONS

# the longest professional field we keep
MAX_FIELD = 200


def buttons(
    step: str, values: tuple[str, ...]
) -> Callable[[EligibilityRules, str], tuple[Choice, ...]]:
    # the same buttons at every question: made once
    made = tuple(
        Choice(f"choice.{step}.{value}", codec.encode(step, value=value)) for value in values
    )

    def choices(_rules: EligibilityRules, _locale: str) -> tuple[Choice, ...]:
        return made

    return choices


def no_buttons(_rules: EligibilityRules, _locale: str) -> tuple[Choice, ...]:
    return ()


def social_choices(rules: EligibilityRules, locale: str) -> tuple[Choice, ...]:
    criteria = tuple(
        Choice("choice.raw", codec.encode("social", value=c.code), {"label": c.label(locale)})
        for c in rules.social_criteria
    )
    return (
        *criteria,
        Choice("choice.social.none", codec.encode("social", value="none")),
        Choice("choice.social.unknown", codec.encode("social", value="unknown")),
    )


_REGION_CHOICES = tuple(
    Choice("choice.raw", codec.encode("region", value=code), {"label": REGION_NAMES[code]})
    for code in REGIONS
)


def region_choices(_rules: EligibilityRules, _locale: str) -> tuple[Choice, ...]:
    return _REGION_CHOICES


def by_number(text: str, choices: tuple[Choice, ...], step: str) -> str | None:
    """A typed "2" picks the second button (the console shows numbered options)."""
    index = codec.button_number(text, len(choices))
    if index is None:
        return None
    button = codec.decode(choices[index].value)
    return button.value if button is not None and button.action == step else None


def not_understood() -> Rejected:
    return Rejected("eligibility.not_understood", {})


def parse_diploma(text: str, _turn: Turn) -> Parsed:
    diploma = parsing.parse_diploma(text)
    return Accepted(diploma.value) if diploma is not None else not_understood()


def parse_birth_date(text: str, turn: Turn) -> Parsed:
    parsed = parsing.parse_birth_date(text, turn.today)
    if isinstance(parsed, parsing.DateError):
        return Rejected(f"eligibility.date_{parsed.value}", {})
    if age_on(parsed, turn.today) > turn.rules.maximum_age:
        return Rejected("eligibility.date_implausible", {"year": parsed.year})
    return Accepted(parsed.isoformat())


def parse_tristate(text: str, _turn: Turn) -> Parsed:
    answer = parsing.parse_tristate(text)
    return Accepted(answer.value) if answer is not None else not_understood()


def parse_social(text: str, turn: Turn) -> Parsed:
    number = by_number(text, social_choices(turn.rules, turn.locale), "social")
    if number is not None:
        return Accepted(number)
    # "boursière", "j'étais boursier", "I was on a grant"; a negation shows the buttons
    code = parsing.parse_social(text, turn.rules.social_criteria)
    if code is not None:
        return Accepted(code)
    return Rejected("eligibility.not_understood_buttons", {})


def parse_situation(text: str, _turn: Turn) -> Parsed:
    situation = parsing.parse_situation(text)
    return Accepted(situation.value) if situation is not None else not_understood()


def parse_region(text: str, turn: Turn) -> Parsed:
    # "Lyon", "Bobigny 93", "93", "971" first: a typed "06" is the Alpes-Maritimes, not the
    # sixth button
    code = parsing.parse_region(text)
    if code is not None:
        return Accepted(code)
    number = by_number(text, region_choices(turn.rules, turn.locale), "region")
    if number is not None:
        return Accepted(number)
    wanted = parsing.normalise(text).replace("-", " ")
    for region, name in REGION_NAMES.items():
        if wanted in (region, parsing.normalise(name).replace("-", " ")):
            return Accepted(region)
    if wanted in REGION_ALIASES:
        return Accepted(REGION_ALIASES[wanted])
    return Rejected("eligibility.not_understood_buttons", {})


def parse_field(text: str, _turn: Turn) -> Parsed:
    cleaned = " ".join(text.split())
    if len(cleaned) < 2:
        return Rejected("eligibility.field_too_short", {})
    if len(cleaned) > MAX_FIELD:
        return Rejected("eligibility.field_too_long", {"limit": MAX_FIELD})
    return Accepted(cleaned)


def parse_email(text: str, turn: Turn) -> Parsed:
    if parsing.normalise(text) in ("skip", "passer", "non", "no", "aucun", "aucune", "none"):
        return Accepted("skip")
    answer = parsing.parse_email_answer(text)
    if answer is parsing.NoEmail.DECLINED:  # "pas d'email": prefers not to give it
        return Accepted("skip")
    if answer is None:
        return Rejected("eligibility.email_invalid", {})
    suggestion = parsing.suggest_email_domain(answer)
    state = turn.state
    if suggestion is not None and state is not None and state.data.get("email_typed") != answer:
        # "gmial.com": suggest once; the same address typed again is taken as it is
        state.data = {**state.data, "email_typed": answer}
        return Rejected("eligibility.email_suggest", {"suggestion": suggestion})
    return Accepted(answer)
