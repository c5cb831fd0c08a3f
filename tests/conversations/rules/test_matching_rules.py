"""The weights file staff edit (`bot/rules/matching.toml`): the shipped one loads with its
version and hash, and a wrong one is refused with the key named."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conversations.rules.matching import (
    DEFAULT_MATCHING_PATH,
    MatchingError,
    MatchingFilters,
    MatchingRules,
    MatchingWeights,
    load_matching,
    matching_rules,
)

SHIPPED = DEFAULT_MATCHING_PATH.read_text(encoding="utf-8")
# `filters` written as a value rather than a table
SCALAR_FILTERS = (
    'version = "x"\nsuggestions = 5\nfield_similarity_minimum = 70\nwaiting_full_days = 30\n'
    "filters = 1\n[weights]\nfield = 1\nregion = 1\nremote = 1\ncapacity = 1\nlanguage = 1\n"
    "waiting = 1\n"
)


def test_the_shipped_file_loads_with_its_version_and_hash() -> None:
    rules = load_matching(DEFAULT_MATCHING_PATH)
    assert DEFAULT_MATCHING_PATH.parts[-3:] == ("bot", "rules", "matching.toml")
    assert rules.version == "2026-11"
    assert rules.sha256 == hashlib.sha256(DEFAULT_MATCHING_PATH.read_bytes()).hexdigest()
    # the defaults in code are the shipped file's (tests and a missing key agree)
    assert rules == MatchingRules(version="2026-11", sha256=rules.sha256)
    assert rules.weights == MatchingWeights()
    assert rules.filters == MatchingFilters()
    assert rules.weights.best == 4.0 + 3.0 + 1.0 + 2.0 + 2.0
    assert matching_rules() is matching_rules(None)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "matching.toml"
    path.write_text(text, encoding="utf-8")
    return path


def changed(old: str, new: str) -> str:
    assert old in SHIPPED
    return SHIPPED.replace(old, new, 1)


def test_a_changed_weight_changes_the_hash(tmp_path: Path) -> None:
    rules = load_matching(write(tmp_path, changed("region = 3.0", "region = 5")))
    assert rules.weights.region == 5.0
    assert rules.sha256 != load_matching(DEFAULT_MATCHING_PATH).sha256


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (changed("suggestions = 5", "sugestions = 5"), "key 'sugestions': unknown key"),
        (changed('version = "2026-11"', ""), "key 'version': missing"),
        (changed('version = "2026-11"', 'version = " "'), "key 'version': must be a non-empty"),
        (changed("suggestions = 5", "suggestions = 0"), "key 'suggestions': must be from 1 to 20"),
        (changed("suggestions = 5", "suggestions = true"), "key 'suggestions': must be a whole"),
        (
            changed("waiting_full_days = 30", 'waiting_full_days = "30"'),
            "key 'waiting_full_days': must be a whole number",
        ),
        (
            changed("field_similarity_minimum = 70", "field_similarity_minimum = 101"),
            "key 'field_similarity_minimum': must be from 0 to 100",
        ),
        (changed("field = 4.0", "field = -1"), "key 'weights.field': must be from 0 to 1000"),
        (changed("field = 4.0", 'field = "high"'), "key 'weights.field': must be a number"),
        (changed("field = 4.0", "field = true"), "key 'weights.field': must be a number"),
        (changed("field = 4.0", "feild = 4.0"), "key 'weights.feild': unknown key"),
        (changed("capacity = 1.0", ""), "key 'weights.capacity': missing"),
        (
            changed("shared_language = false", "shared_language = 0"),
            "key 'filters.shared_language': must be true or false",
        ),
        (SCALAR_FILTERS, "key 'filters': must be a [filters] table"),
        ("version = ", "not valid TOML"),
    ],
)
def test_a_wrong_file_is_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(MatchingError) as raised:
        load_matching(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_a_missing_or_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(MatchingError, match="weights file not found"):
        load_matching(tmp_path / "nowhere.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes("# poids modifiés\n".encode("cp1252"))
    with pytest.raises(MatchingError, match="not UTF-8"):
        load_matching(latin)
