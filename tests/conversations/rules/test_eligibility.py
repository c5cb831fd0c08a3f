"""Eligibility rules: every rule at its boundaries, partial answers, the rules file."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from conversations.rules.eligibility import (
    DEFAULT_RULES_PATH,
    Answers,
    Decision,
    Diploma,
    EligibilityRules,
    Outcome,
    Reason,
    RulesError,
    Situation,
    SocialCriterion,
    Tristate,
    age_on,
    decide,
    load_rules,
    needs_social_question,
)

TODAY = date(2026, 5, 1)
# 25 on TODAY: far from every age boundary
BIRTH_25 = date(2001, 3, 12)
DEFAULT_CODES = ("scholarship", "family_minimum_benefits", "first_generation", "child_welfare")
ALL_UNCERTAIN = frozenset(
    {Reason.DIPLOMA_UNKNOWN, Reason.QPV_UNKNOWN, Reason.SOCIAL_UNKNOWN, Reason.SITUATION_OTHER}
)


@pytest.fixture(scope="module")
def rules() -> EligibilityRules:
    return load_rules(DEFAULT_RULES_PATH)


def eligible_answers(**changes: object) -> Answers:
    """A complete set of answers that is eligible under the default rules, with changes."""
    base = Answers(
        diploma=Diploma.BAC5,
        birth_date=BIRTH_25,
        qpv=Tristate.YES,
        social=None,
        situation=Situation.JOB_SEEKER,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def outcome_of(decision: Decision) -> tuple[Outcome, tuple[Reason, ...]]:
    return decision.outcome, decision.reasons


# --- age_on -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "day", "expected"),
    [
        (date(2000, 5, 1), date(2026, 5, 1), 26),  # birthday today
        (date(2000, 5, 2), date(2026, 5, 1), 25),  # birthday tomorrow
        (date(2000, 4, 30), date(2026, 5, 1), 26),  # birthday yesterday
        (date(2000, 12, 31), date(2001, 1, 1), 0),
        (date(2000, 1, 1), date(2000, 1, 1), 0),
        (date(2000, 1, 2), date(2000, 1, 1), -1),  # not born yet
        # born on 29 February: birthday on 1 March in non-leap years
        (date(2000, 2, 29), date(2001, 2, 28), 0),
        (date(2000, 2, 29), date(2001, 3, 1), 1),
        (date(2000, 2, 29), date(2004, 2, 28), 3),
        (date(2000, 2, 29), date(2004, 2, 29), 4),
        (date(1996, 2, 29), date(2026, 2, 28), 29),
        (date(1996, 2, 29), date(2026, 3, 1), 30),
    ],
)
def test_age_on(birth: date, day: date, expected: int) -> None:
    assert age_on(birth, day) == expected


# --- age limit --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "today", "inclusive", "expected"),
    [
        # exactly 30 on the day
        (date(1996, 5, 1), TODAY, False, (Outcome.NOT_ELIGIBLE, (Reason.TOO_OLD,))),
        (date(1996, 5, 1), TODAY, True, (Outcome.ELIGIBLE, ())),
        # the day before the 30th birthday
        (date(1996, 5, 2), TODAY, False, (Outcome.ELIGIBLE, ())),
        (date(1996, 5, 2), TODAY, True, (Outcome.ELIGIBLE, ())),
        # 31 is refused either way
        (date(1995, 5, 1), TODAY, False, (Outcome.NOT_ELIGIBLE, (Reason.TOO_OLD,))),
        (date(1995, 5, 1), TODAY, True, (Outcome.NOT_ELIGIBLE, (Reason.TOO_OLD,))),
        (date(1995, 5, 2), TODAY, True, (Outcome.ELIGIBLE, ())),  # 30, the day before 31
        # born 29 Feb 1996: 30 on 1 March 2026, a non-leap year
        (date(1996, 2, 29), date(2026, 2, 28), False, (Outcome.ELIGIBLE, ())),
        (date(1996, 2, 29), date(2026, 3, 1), False, (Outcome.NOT_ELIGIBLE, (Reason.TOO_OLD,))),
        # inclusive rules: born 29 Feb 1996 turns 31 on 1 March 2027
        (date(1996, 2, 29), date(2027, 2, 28), True, (Outcome.ELIGIBLE, ())),
        (date(1996, 2, 29), date(2027, 3, 1), True, (Outcome.NOT_ELIGIBLE, (Reason.TOO_OLD,))),
    ],
)
def test_age_limit_boundaries(
    rules: EligibilityRules,
    birth: date,
    today: date,
    inclusive: bool,
    expected: tuple[Outcome, tuple[Reason, ...]],
) -> None:
    these_rules = dataclasses.replace(rules, age_limit_inclusive=inclusive)
    assert outcome_of(decide(these_rules, eligible_answers(birth_date=birth), today)) == expected


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (date(2012, 5, 2), (Outcome.REVIEW, (Reason.TOO_YOUNG,))),  # 13
        (date(2011, 5, 2), (Outcome.REVIEW, (Reason.TOO_YOUNG,))),  # 14, the day before 15
        (date(2011, 5, 1), (Outcome.ELIGIBLE, ())),  # exactly 15
        (date(2010, 5, 1), (Outcome.ELIGIBLE, ())),  # 16
        (TODAY, (Outcome.REVIEW, (Reason.TOO_YOUNG,))),  # 0
        (date(2027, 1, 1), (Outcome.REVIEW, (Reason.TOO_YOUNG,))),  # not born yet
    ],
)
def test_minimum_age(
    rules: EligibilityRules, birth: date, expected: tuple[Outcome, tuple[Reason, ...]]
) -> None:
    assert outcome_of(decide(rules, eligible_answers(birth_date=birth), TODAY)) == expected


def test_too_young_stops_at_once_whatever_else_is_missing_or_failing(
    rules: EligibilityRules,
) -> None:
    fourteen = date(2012, 1, 1)
    only_birth = Answers(birth_date=fourteen)
    assert outcome_of(decide(rules, only_birth, TODAY)) == (Outcome.REVIEW, (Reason.TOO_YOUNG,))
    failing = Answers(
        diploma=Diploma.BELOW_BAC3,
        birth_date=fourteen,
        situation=Situation.EMPLOYED_AT_LEVEL,
    )
    assert outcome_of(decide(rules, failing, TODAY)) == (Outcome.REVIEW, (Reason.TOO_YOUNG,))


def test_maximum_age_does_not_change_the_decision(rules: EligibilityRules) -> None:
    # an implausible age is the flow's business (it asks again); as a decision it is too old
    ancient = eligible_answers(birth_date=date(1900, 1, 1))
    assert age_on(date(1900, 1, 1), TODAY) > rules.maximum_age
    assert outcome_of(decide(rules, ancient, TODAY)) == (Outcome.NOT_ELIGIBLE, (Reason.TOO_OLD,))


# --- diploma ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("diploma", "minimum", "expected"),
    [
        (Diploma.BELOW_BAC3, Diploma.BAC3, Outcome.NOT_ELIGIBLE),
        (Diploma.BAC3, Diploma.BAC3, Outcome.ELIGIBLE),
        (Diploma.BAC4, Diploma.BAC3, Outcome.ELIGIBLE),
        (Diploma.BAC5, Diploma.BAC3, Outcome.ELIGIBLE),
        (Diploma.BAC8, Diploma.BAC3, Outcome.ELIGIBLE),
        # older rules: at least Bac+4
        (Diploma.BELOW_BAC3, Diploma.BAC4, Outcome.NOT_ELIGIBLE),
        (Diploma.BAC3, Diploma.BAC4, Outcome.NOT_ELIGIBLE),
        (Diploma.BAC4, Diploma.BAC4, Outcome.ELIGIBLE),
        (Diploma.BAC5, Diploma.BAC4, Outcome.ELIGIBLE),
        (Diploma.BAC8, Diploma.BAC4, Outcome.ELIGIBLE),
        # extremes
        (Diploma.BAC5, Diploma.BAC8, Outcome.NOT_ELIGIBLE),
        (Diploma.BELOW_BAC3, Diploma.BELOW_BAC3, Outcome.ELIGIBLE),
    ],
)
def test_diploma_against_minimum(
    rules: EligibilityRules, diploma: Diploma, minimum: Diploma, expected: Outcome
) -> None:
    these_rules = dataclasses.replace(rules, diploma_minimum=minimum)
    decision = decide(these_rules, eligible_answers(diploma=diploma), TODAY)
    assert decision.outcome is expected
    expected_reasons = (Reason.DIPLOMA_TOO_LOW,) if expected is Outcome.NOT_ELIGIBLE else ()
    assert decision.reasons == expected_reasons


# --- background: QPV or a social criterion ----------------------------------------------------


def test_default_rules_define_the_expected_criteria(rules: EligibilityRules) -> None:
    assert tuple(c.code for c in rules.social_criteria) == DEFAULT_CODES


@pytest.mark.parametrize("code", DEFAULT_CODES)
def test_each_social_criterion_alone_is_enough(rules: EligibilityRules, code: str) -> None:
    answers = eligible_answers(qpv=Tristate.NO, social=code)
    assert outcome_of(decide(rules, answers, TODAY)) == (Outcome.ELIGIBLE, ())


def test_qpv_alone_is_enough_and_social_is_not_needed(rules: EligibilityRules) -> None:
    answers = eligible_answers(qpv=Tristate.YES, social=None)
    assert needs_social_question(answers) is False
    assert outcome_of(decide(rules, answers, TODAY)) == (Outcome.ELIGIBLE, ())


@pytest.mark.parametrize(
    ("qpv", "expected"),
    [(None, True), (Tristate.NO, True), (Tristate.UNKNOWN, True), (Tristate.YES, False)],
)
def test_needs_social_question(qpv: Tristate | None, expected: bool) -> None:
    assert needs_social_question(Answers(qpv=qpv)) is expected


def test_qpv_yes_ignores_a_stored_social_answer(rules: EligibilityRules) -> None:
    answers = eligible_answers(qpv=Tristate.YES, social="none")
    assert outcome_of(decide(rules, answers, TODAY)) == (Outcome.ELIGIBLE, ())


def test_no_qpv_and_no_criterion_is_refused(rules: EligibilityRules) -> None:
    answers = eligible_answers(qpv=Tristate.NO, social="none")
    assert outcome_of(decide(rules, answers, TODAY)) == (
        Outcome.NOT_ELIGIBLE,
        (Reason.NO_SOCIAL_CRITERION,),
    )


# --- uncertain answers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected_reasons"),
    [
        ({"diploma": Diploma.UNKNOWN}, (Reason.DIPLOMA_UNKNOWN,)),
        ({"qpv": Tristate.UNKNOWN, "social": "none"}, (Reason.QPV_UNKNOWN,)),
        (
            {"qpv": Tristate.UNKNOWN, "social": "unknown"},
            (Reason.QPV_UNKNOWN, Reason.SOCIAL_UNKNOWN),
        ),
        ({"qpv": Tristate.NO, "social": "unknown"}, (Reason.SOCIAL_UNKNOWN,)),
        # a code the rules no longer define counts as "unknown"
        ({"qpv": Tristate.NO, "social": "removed_criterion"}, (Reason.SOCIAL_UNKNOWN,)),
        ({"situation": Situation.OTHER}, (Reason.SITUATION_OTHER,)),
        # several: ordered as the questions are asked
        (
            {
                "diploma": Diploma.UNKNOWN,
                "qpv": Tristate.UNKNOWN,
                "social": "none",
                "situation": Situation.OTHER,
            },
            (Reason.DIPLOMA_UNKNOWN, Reason.QPV_UNKNOWN, Reason.SITUATION_OTHER),
        ),
    ],
)
def test_uncertain_answers_go_to_review(
    rules: EligibilityRules, changes: dict[str, object], expected_reasons: tuple[Reason, ...]
) -> None:
    decision = decide(rules, eligible_answers(**changes), TODAY)
    assert outcome_of(decision) == (Outcome.REVIEW, expected_reasons)


def test_qpv_unknown_with_a_criterion_needs_no_review(rules: EligibilityRules) -> None:
    answers = eligible_answers(qpv=Tristate.UNKNOWN, social="scholarship")
    assert outcome_of(decide(rules, answers, TODAY)) == (Outcome.ELIGIBLE, ())


@pytest.mark.parametrize(
    ("removed", "changes", "expected"),
    [
        (
            Reason.DIPLOMA_UNKNOWN,
            {"diploma": Diploma.UNKNOWN},
            (Outcome.NOT_ELIGIBLE, (Reason.DIPLOMA_TOO_LOW,)),
        ),
        (
            Reason.QPV_UNKNOWN,
            {"qpv": Tristate.UNKNOWN, "social": "none"},
            (Outcome.NOT_ELIGIBLE, (Reason.NO_SOCIAL_CRITERION,)),
        ),
        (
            Reason.QPV_UNKNOWN,
            {"qpv": Tristate.UNKNOWN, "social": "unknown"},
            (Outcome.REVIEW, (Reason.SOCIAL_UNKNOWN,)),
        ),
        (
            Reason.QPV_UNKNOWN,
            {"qpv": Tristate.UNKNOWN, "social": "scholarship"},
            (Outcome.ELIGIBLE, ()),
        ),
        (
            Reason.SOCIAL_UNKNOWN,
            {"qpv": Tristate.NO, "social": "unknown"},
            (Outcome.NOT_ELIGIBLE, (Reason.NO_SOCIAL_CRITERION,)),
        ),
        (
            Reason.SOCIAL_UNKNOWN,
            {"qpv": Tristate.NO, "social": "removed_criterion"},
            (Outcome.NOT_ELIGIBLE, (Reason.NO_SOCIAL_CRITERION,)),
        ),
        (
            Reason.SOCIAL_UNKNOWN,
            {"qpv": Tristate.UNKNOWN, "social": "unknown"},
            (Outcome.REVIEW, (Reason.QPV_UNKNOWN,)),
        ),
        (Reason.SITUATION_OTHER, {"situation": Situation.OTHER}, (Outcome.ELIGIBLE, ())),
    ],
)
def test_review_when_switched_off_counts_the_unknown_as_negative(
    rules: EligibilityRules,
    removed: Reason,
    changes: dict[str, object],
    expected: tuple[Outcome, tuple[Reason, ...]],
) -> None:
    these_rules = dataclasses.replace(rules, review_when=rules.review_when - {removed})
    assert outcome_of(decide(these_rules, eligible_answers(**changes), TODAY)) == expected


def test_empty_review_when_refuses_both_unknown_background_answers(
    rules: EligibilityRules,
) -> None:
    these_rules = dataclasses.replace(rules, review_when=frozenset())
    answers = eligible_answers(qpv=Tristate.UNKNOWN, social="unknown")
    assert outcome_of(decide(these_rules, answers, TODAY)) == (
        Outcome.NOT_ELIGIBLE,
        (Reason.NO_SOCIAL_CRITERION,),
    )


# --- situation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        (Situation.JOB_SEEKER, (Outcome.ELIGIBLE, ())),
        (Situation.EMPLOYED_BELOW_LEVEL, (Outcome.ELIGIBLE, ())),
        (Situation.STUDENT_FINISHING, (Outcome.ELIGIBLE, ())),
        (Situation.EMPLOYED_AT_LEVEL, (Outcome.NOT_ELIGIBLE, (Reason.EMPLOYED_AT_LEVEL,))),
        (Situation.OTHER, (Outcome.REVIEW, (Reason.SITUATION_OTHER,))),
    ],
)
def test_situation(
    rules: EligibilityRules,
    situation: Situation,
    expected: tuple[Outcome, tuple[Reason, ...]],
) -> None:
    assert outcome_of(decide(rules, eligible_answers(situation=situation), TODAY)) == expected


# --- partial answers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected_reasons"),
    [
        (Answers(diploma=Diploma.BELOW_BAC3), (Reason.DIPLOMA_TOO_LOW,)),
        (Answers(birth_date=date(1990, 1, 1)), (Reason.TOO_OLD,)),
        (Answers(qpv=Tristate.NO, social="none"), (Reason.NO_SOCIAL_CRITERION,)),
        (Answers(situation=Situation.EMPLOYED_AT_LEVEL), (Reason.EMPLOYED_AT_LEVEL,)),
        # an uncertain answer does not hide a failure known at the same time
        (
            Answers(diploma=Diploma.UNKNOWN, birth_date=date(1990, 1, 1)),
            (Reason.TOO_OLD,),
        ),
        # every failure known so far, in question order
        (
            Answers(
                diploma=Diploma.BELOW_BAC3,
                birth_date=date(1990, 1, 1),
                qpv=Tristate.NO,
                social="none",
                situation=Situation.EMPLOYED_AT_LEVEL,
            ),
            (
                Reason.DIPLOMA_TOO_LOW,
                Reason.TOO_OLD,
                Reason.NO_SOCIAL_CRITERION,
                Reason.EMPLOYED_AT_LEVEL,
            ),
        ),
    ],
)
def test_not_eligible_as_soon_as_a_rule_fails(
    rules: EligibilityRules, answers: Answers, expected_reasons: tuple[Reason, ...]
) -> None:
    assert outcome_of(decide(rules, answers, TODAY)) == (Outcome.NOT_ELIGIBLE, expected_reasons)


@pytest.mark.parametrize(
    "answers",
    [
        Answers(),
        Answers(diploma=Diploma.BAC5),
        Answers(diploma=Diploma.UNKNOWN),  # uncertain, but the flow goes on asking
        Answers(diploma=Diploma.BAC5, birth_date=BIRTH_25),
        Answers(diploma=Diploma.BAC5, birth_date=BIRTH_25, qpv=Tristate.NO),
        Answers(diploma=Diploma.BAC5, birth_date=BIRTH_25, qpv=Tristate.UNKNOWN),
        Answers(diploma=Diploma.BAC5, birth_date=BIRTH_25, qpv=Tristate.YES),
        Answers(qpv=Tristate.NO, social="unknown"),
        # a criterion met does not make the QPV question unnecessary while it is unasked
        Answers(
            diploma=Diploma.BAC5,
            birth_date=BIRTH_25,
            social="scholarship",
            situation=Situation.JOB_SEEKER,
        ),
        eligible_answers(diploma=None),
        eligible_answers(birth_date=None),
        eligible_answers(qpv=None),
        eligible_answers(qpv=Tristate.NO, social=None),
        eligible_answers(situation=None),
        eligible_answers(situation=None, qpv=Tristate.UNKNOWN, social="none"),
    ],
)
def test_incomplete_while_a_needed_answer_is_missing(
    rules: EligibilityRules, answers: Answers
) -> None:
    assert outcome_of(decide(rules, answers, TODAY)) == (Outcome.INCOMPLETE, ())


def test_decision_carries_the_rules_version(rules: EligibilityRules) -> None:
    these_rules = dataclasses.replace(rules, version="2019-09")
    assert decide(these_rules, eligible_answers(), TODAY) == Decision(
        outcome=Outcome.ELIGIBLE, reasons=(), rules_version="2019-09"
    )
    assert decide(rules, Answers(), TODAY).rules_version == "2026-01"


def test_dataclass_defaults_are_the_programme_rules() -> None:
    bare = EligibilityRules(version="x")
    assert bare.diploma_minimum is Diploma.BAC3
    assert (bare.age_limit, bare.age_limit_inclusive) == (30, False)
    assert (bare.minimum_age, bare.maximum_age) == (15, 100)
    assert bare.review_when == ALL_UNCERTAIN


# --- Answers <-> stored mapping ---------------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [
        Answers(),
        Answers(diploma=Diploma.BAC3),
        eligible_answers(),
        Answers(
            diploma=Diploma.UNKNOWN,
            birth_date=date(2000, 2, 29),
            qpv=Tristate.UNKNOWN,
            social="unknown",
            situation=Situation.OTHER,
        ),
        eligible_answers(qpv=Tristate.NO, social="first_generation"),
    ],
)
def test_answers_round_trip(answers: Answers) -> None:
    assert Answers.from_mapping(answers.to_mapping()) == answers


def test_answers_from_mapping_reads_stored_strings() -> None:
    stored = {
        "diploma": "bac4",
        "birth_date": "2001-03-12",
        "qpv": "no",
        "social": "scholarship",
        "situation": "student_finishing",
        "email": "ignored@example.org",  # unknown keys are ignored
    }
    assert Answers.from_mapping(stored) == Answers(
        diploma=Diploma.BAC4,
        birth_date=date(2001, 3, 12),
        qpv=Tristate.NO,
        social="scholarship",
        situation=Situation.STUDENT_FINISHING,
    )
    assert eligible_answers().to_mapping() == {
        "diploma": "bac5",
        "birth_date": "2001-03-12",
        "qpv": "yes",
        "situation": "job_seeker",
    }


def test_answers_from_mapping_drops_values_that_no_longer_parse() -> None:
    stored: dict[str, object] = {
        "diploma": "bac+12",
        "birth_date": "12/03/2001",
        "qpv": True,
        "social": "",
        "situation": 3,
    }
    assert Answers.from_mapping(stored) == Answers()


# --- SocialCriterion --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "locale", "expected"),
    [
        ({"fr": "Boursier·e", "en": "Scholarship holder"}, "en", "Scholarship holder"),
        ({"fr": "Boursier·e", "en": "Scholarship holder"}, "fr", "Boursier·e"),
        ({"fr": "Boursier·e", "en": "Scholarship holder"}, "de", "Boursier·e"),
        ({"en": "Scholarship holder"}, "de", "Scholarship holder"),
        ({}, "fr", "scholarship"),
    ],
)
def test_criterion_label_falls_back(labels: dict[str, str], locale: str, expected: str) -> None:
    assert SocialCriterion(code="scholarship", labels=labels).label(locale) == expected


# --- rules file -------------------------------------------------------------------------------


def test_load_default_rules(rules: EligibilityRules) -> None:
    assert DEFAULT_RULES_PATH.is_file()
    assert rules.version == "2026-01"
    assert rules.diploma_minimum is Diploma.BAC3
    assert rules.age_limit == 30
    assert rules.age_limit_inclusive is False
    assert rules.minimum_age == 15
    assert rules.maximum_age == 100
    assert rules.review_when == ALL_UNCERTAIN
    for criterion in rules.social_criteria:
        assert criterion.label("fr")
        assert criterion.label("en") != criterion.label("fr")
    assert rules.criterion("scholarship") is rules.social_criteria[0]
    assert rules.criterion("none") is None


VALID_RULES = """\
version = "test-1"
diploma_minimum = "bac4"
age_limit = 31
age_limit_inclusive = true
minimum_age = 16
maximum_age = 99
review_when = ["qpv_unknown"]

[[social_criteria]]
code = "scholarship"
labels.fr = "Boursier·e"
labels.en = "Scholarship holder"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def without_line(text: str, prefix: str) -> str:
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(prefix)]
    assert len(kept) == len(lines) - 1, prefix
    return "".join(kept)


def test_load_rules_reads_every_key(tmp_path: Path) -> None:
    loaded = load_rules(write(tmp_path, VALID_RULES))
    assert loaded == EligibilityRules(
        version="test-1",
        diploma_minimum=Diploma.BAC4,
        age_limit=31,
        age_limit_inclusive=True,
        minimum_age=16,
        maximum_age=99,
        social_criteria=(
            SocialCriterion(
                code="scholarship", labels={"fr": "Boursier·e", "en": "Scholarship holder"}
            ),
        ),
        review_when=frozenset({Reason.QPV_UNKNOWN}),
    )


def test_load_rules_accepts_empty_lists(tmp_path: Path) -> None:
    text = VALID_RULES.split("[[social_criteria]]")[0]
    text = text.replace('review_when = ["qpv_unknown"]', "review_when = []")
    text += "social_criteria = []\n"
    loaded = load_rules(write(tmp_path, text))
    assert loaded.social_criteria == ()
    assert loaded.review_when == frozenset()


@pytest.mark.parametrize(
    "key",
    [
        "version",
        "diploma_minimum",
        "age_limit =",
        "age_limit_inclusive",
        "minimum_age",
        "maximum_age",
        "review_when",
    ],
)
def test_load_rules_missing_key(tmp_path: Path, key: str) -> None:
    path = write(tmp_path, without_line(VALID_RULES, key))
    with pytest.raises(RulesError, match=r"missing") as caught:
        load_rules(path)
    assert f"'{key.rstrip(' =')}'" in str(caught.value)
    assert str(path) in str(caught.value)


def test_load_rules_missing_social_criteria(tmp_path: Path) -> None:
    path = write(tmp_path, VALID_RULES.split("[[social_criteria]]")[0])
    with pytest.raises(RulesError, match=r"'social_criteria': missing"):
        load_rules(path)


def test_load_rules_social_criteria_not_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, VALID_RULES.split("[[social_criteria]]")[0] + "social_criteria = 3\n")
    with pytest.raises(RulesError, match=r"'social_criteria': must be a list"):
        load_rules(path)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('diploma_minimum = "bac4"', 'diploma_minimum = "bac+4"', "diploma_minimum"),
        ('diploma_minimum = "bac4"', 'diploma_minimum = "unknown"', "diploma_minimum"),
        ('diploma_minimum = "bac4"', "diploma_minimum = 4", "diploma_minimum"),
        ("age_limit = 31", "age_limit = -30", "age_limit"),
        ("age_limit = 31", "age_limit = 0", "age_limit"),
        ("age_limit = 31", 'age_limit = "30"', "age_limit"),
        ("age_limit = 31", "age_limit = 30.5", "age_limit"),
        ("age_limit = 31", "age_limit = true", "age_limit"),
        ("minimum_age = 16", "minimum_age = -1", "minimum_age"),
        ("minimum_age = 16", "minimum_age = 31", "minimum_age"),  # not below age_limit
        ("maximum_age = 99", "maximum_age = -5", "maximum_age"),
        ("maximum_age = 99", "maximum_age = 30", "maximum_age"),  # below age_limit
        ("age_limit_inclusive = true", 'age_limit_inclusive = "no"', "age_limit_inclusive"),
        ("age_limit_inclusive = true", "age_limit_inclusive = 0", "age_limit_inclusive"),
        ('version = "test-1"', 'version = ""', "version"),
        ('version = "test-1"', "version = 2026", "version"),
        ('review_when = ["qpv_unknown"]', 'review_when = "qpv_unknown"', "review_when"),
        ('review_when = ["qpv_unknown"]', 'review_when = ["too_old"]', "review_when[0]"),
        (
            'review_when = ["qpv_unknown"]',
            'review_when = ["qpv_unknown", "qpv unknown"]',
            "review_when[1]",
        ),
        ('version = "test-1"', 'version = "test-1"\nage_limt = 30', "age_limt"),
        ('code = "scholarship"', 'code = "none"', "social_criteria[0].code"),
        ('code = "scholarship"', 'code = "unknown"', "social_criteria[0].code"),
        ('code = "scholarship"', 'code = "Boursier"', "social_criteria[0].code"),
        ('code = "scholarship"', 'code = ""', "social_criteria[0].code"),
        ('code = "scholarship"', "code = 1", "social_criteria[0].code"),
        ('code = "scholarship"\n', "", "social_criteria[0].code"),
        ('labels.fr = "Boursier·e"\n', "", "social_criteria[0].labels.fr"),
        ('labels.fr = "Boursier·e"', 'labels.fr = " "', "social_criteria[0].labels.fr"),
        ('labels.en = "Scholarship holder"', "labels.en = 3", "social_criteria[0].labels.en"),
        ('labels.fr = "Boursier·e"', 'labels.fr = "B"\nicon = "x"', "social_criteria[0].icon"),
        (
            'labels.fr = "Boursier·e"\nlabels.en = "Scholarship holder"\n',
            'labels = "Boursier·e"\n',
            "social_criteria[0].labels",
        ),
        (
            "[[social_criteria]]",
            '[[social_criteria]]\ncode = "scholarship"\nlabels.fr = "x"\n[[social_criteria]]',
            "social_criteria[1].code",  # duplicate
        ),
        # a plain array instead of [[social_criteria]] tables
        (
            '[[social_criteria]]\ncode = "scholarship"\nlabels.fr = "Boursier·e"\n'
            'labels.en = "Scholarship holder"\n',
            'social_criteria = ["scholarship"]\n',
            "social_criteria[0]",
        ),
    ],
)
def test_load_rules_bad_value_names_the_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    assert old in VALID_RULES
    path = write(tmp_path, VALID_RULES.replace(old, new))
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    message = str(caught.value)
    assert f"'{key}'" in message
    assert str(path) in message


def test_load_rules_file_missing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(RulesError, match=r"not found") as caught:
        load_rules(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [
        b"version = ",
        b"this is not toml",
        b'version = "a"\nversion = "b"\n',  # duplicate key
        b"<rules><version>1</version></rules>",
    ],
)
def test_load_rules_not_toml(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(content)
    with pytest.raises(RulesError, match=r"not valid TOML") as caught:
        load_rules(path)
    assert str(path) in str(caught.value)


def test_load_rules_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(VALID_RULES.encode("latin-1", errors="replace"))
    with pytest.raises(RulesError, match=r"not UTF-8") as caught:
        load_rules(path)
    assert str(path) in str(caught.value)


def test_load_rules_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"nowhere"):
        load_rules(tmp_path / "nowhere.toml")
