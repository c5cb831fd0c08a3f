"""The retention settings: a youth's three periods default to MENTORBOT_RETENTION_DAYS, each
period has its bounds, and a wrong value names its variable."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings
from conversations.core.programme import RetentionPolicy


def test_defaults() -> None:
    assert load_settings(_env_file=None).retention == RetentionPolicy(
        unfinished_days=365, refused_days=365, closed_days=365, cases_days=365, audit_days=730
    )


def test_retention_days_is_the_default_of_a_youths_three_periods() -> None:
    settings = load_settings(
        _env_file=None, MENTORBOT_RETENTION_DAYS="100", MENTORBOT_RETENTION_REFUSED_DAYS="45"
    )
    assert settings.retention == RetentionPolicy(
        unfinished_days=100, refused_days=45, closed_days=100, cases_days=365, audit_days=730
    )


def test_an_empty_value_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_RETENTION_UNFINISHED_DAYS", "")  # as .env.example has it
    settings = load_settings(_env_file=None)
    assert settings.retention.unfinished_days == 365


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MENTORBOT_RETENTION_DAYS", "29"),
        ("MENTORBOT_RETENTION_UNFINISHED_DAYS", "6"),
        ("MENTORBOT_RETENTION_UNFINISHED_DAYS", "3651"),
        ("MENTORBOT_RETENTION_REFUSED_DAYS", "29"),  # time to contest a refusal
        ("MENTORBOT_RETENTION_CLOSED_DAYS", "0"),
        ("MENTORBOT_RETENTION_CASES_DAYS", "-1"),
        ("MENTORBOT_RETENTION_AUDIT_DAYS", "364"),  # who did what, for a year at least
        ("MENTORBOT_RETENTION_AUDIT_DAYS", "a year"),
    ],
)
def test_a_period_out_of_bounds_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None, **{variable: value})
    assert variable in str(error.value)


def test_a_period_under_a_day_is_refused_by_the_policy_itself() -> None:
    with pytest.raises(ValueError, match="cases retention"):
        RetentionPolicy(cases_days=0)
