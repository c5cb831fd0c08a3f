"""Eligibility rules of the mentoring programme: pure functions, no I/O but reading the rules file.

The rules themselves (diploma minimum, age limit, social criteria...) live in a TOML file edited
by staff (`bot/rules/eligibility.toml`), because the programme has changed them over the years.
`decide` is called after every answer, on partial answers, so the flow can stop as soon as the
outcome is known and never asks a question no rule needs.

The package is split by responsibility; every public name stays importable from here:

* `answers` — the answer types (`Diploma`, `Tristate`, `Situation`, `Answers`);
* `outcomes` — what a decision says (`Outcome`, `Reason`, `Decision`);
* `rules_file` — the rules model (`EligibilityRules`, `SocialCriterion`) and `load_rules`;
* `decision` — the pure decision functions (`decide`, `age_on`, `needs_social_question`).
"""

from conversations.rules.eligibility.answers import (
    SOCIAL_NONE,
    SOCIAL_UNKNOWN,
    Answers,
    Diploma,
    Situation,
    Tristate,
)
from conversations.rules.eligibility.decision import age_on, decide, needs_social_question
from conversations.rules.eligibility.outcomes import UNCERTAIN_REASONS, Decision, Outcome, Reason
from conversations.rules.eligibility.rules_file import (
    DEFAULT_RULES_PATH,
    EligibilityRules,
    RulesError,
    SocialCriterion,
    load_rules,
)

__all__ = [
    "DEFAULT_RULES_PATH",
    "SOCIAL_NONE",
    "SOCIAL_UNKNOWN",
    "UNCERTAIN_REASONS",
    "Answers",
    "Decision",
    "Diploma",
    "EligibilityRules",
    "Outcome",
    "Reason",
    "RulesError",
    "Situation",
    "SocialCriterion",
    "Tristate",
    "age_on",
    "decide",
    "load_rules",
    "needs_social_question",
]
