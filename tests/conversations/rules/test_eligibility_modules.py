"""The eligibility package keeps one public surface while its modules stay small."""

from __future__ import annotations

from pathlib import Path

import conversations.rules.eligibility as eligibility
from conversations.rules.eligibility import answers, decision, outcomes, rules_file

# Every name callers imported from the single module `eligibility.py`, before it was split.
PUBLIC = {
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
}
MODULES = (answers, outcomes, rules_file, decision)


def test_every_public_name_is_still_importable_from_the_package() -> None:
    assert set(eligibility.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(eligibility, name) is not None


def test_each_public_name_comes_from_exactly_one_module() -> None:
    owners = {name: [m for m in MODULES if name in m.__all__] for name in PUBLIC}
    assert all(len(found) == 1 for found in owners.values()), owners
    for name, (module,) in owners.items():
        assert getattr(eligibility, name) is getattr(module, name)


def test_modules_stay_small() -> None:
    # style: a module a newcomer reads in one sitting
    for module in (eligibility, *MODULES):
        assert module.__file__ is not None
        lines = Path(module.__file__).read_text(encoding="utf-8").count("\n")
        assert lines < 300, module.__name__


def test_default_rules_path_is_the_shipped_file() -> None:
    assert eligibility.DEFAULT_RULES_PATH.parts[-3:] == ("bot", "rules", "eligibility.toml")
    assert eligibility.DEFAULT_RULES_PATH.is_file()
