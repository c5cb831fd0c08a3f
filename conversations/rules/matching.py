"""The weights of pairing suggestions as staff write them (`bot/rules/matching.toml`), and
their loader.

Staff change what counts when mentors are suggested for a youth (field, region, capacity,
language, waiting) without touching code; `load_matching` refuses a file with a missing,
unknown or wrong key, naming the file and the key. The file's `version` and its sha256 go
with every proposal made from it, so a pairing can be traced to the weights behind it.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conversations.rules.toml_file import read_toml

__all__ = [
    "DEFAULT_MATCHING_PATH",
    "MatchingError",
    "MatchingFilters",
    "MatchingRules",
    "MatchingWeights",
    "load_matching",
    "matching_rules",
]

# The default weights shipped with the bot (package data of `bot`, beside eligibility.toml).
DEFAULT_MATCHING_PATH = Path(__file__).resolve().parents[2] / "bot" / "rules" / "matching.toml"

MAX_SUGGESTIONS = 20
_TOP_KEYS = (
    "version",
    "suggestions",
    "field_similarity_minimum",
    "waiting_full_days",
    "weights",
    "filters",
)
_WEIGHT_KEYS = ("field", "region", "remote", "capacity", "language", "waiting")
_FILTER_KEYS = ("region_or_remote", "shared_language")


class MatchingError(ValueError):
    """The weights file is missing or wrong; the message names the file and the key."""


@dataclass(frozen=True)
class MatchingWeights:
    """How much each criterion a mentor meets adds to their score."""

    field: float = 4.0
    region: float = 3.0
    remote: float = 1.5
    capacity: float = 1.0
    language: float = 2.0
    waiting: float = 2.0

    @property
    def best(self) -> float:
        """The highest score a mentor can reach (same region and remote exclude each other)."""
        return (
            self.field
            + max(self.region, self.remote)
            + self.capacity
            + self.language
            + (self.waiting)
        )


@dataclass(frozen=True)
class MatchingFilters:
    """Strict rules staff may add to the fixed ones (True: such a mentor is never suggested)."""

    region_or_remote: bool = False
    shared_language: bool = False


@dataclass(frozen=True)
class MatchingRules:
    """The weights file, loaded: what counts, how much, and where it came from."""

    version: str
    suggestions: int = 5
    # rapidfuzz's 0-100 likeness: below it, a field and a sector are not a match
    field_similarity_minimum: int = 70
    waiting_full_days: int = 30
    weights: MatchingWeights = field(default_factory=MatchingWeights)
    filters: MatchingFilters = field(default_factory=MatchingFilters)
    # sha256 of the file's bytes (empty for rules built in code)
    sha256: str = ""


def _table(
    data: Mapping[str, object], key: str, expected: tuple[str, ...], path: Path
) -> dict[str, object]:
    value = data[key]
    if not isinstance(value, dict):
        raise MatchingError(f"{path}: key '{key}': must be a [{key}] table")
    for name in value:
        if name not in expected:
            raise MatchingError(
                f"{path}: key '{key}.{name}': unknown key (expected one of: {', '.join(expected)})"
            )
    for name in expected:
        if name not in value:
            raise MatchingError(f"{path}: key '{key}.{name}': missing")
    return value


def _whole(data: Mapping[str, object], key: str, low: int, high: int, path: Path) -> int:
    value = data[key]
    # bool is a subclass of int in Python: `suggestions = true` must not read as 1
    if isinstance(value, bool) or not isinstance(value, int):
        raise MatchingError(f"{path}: key '{key}': must be a whole number; got {value!r}")
    if not low <= value <= high:
        raise MatchingError(f"{path}: key '{key}': must be from {low} to {high}; got {value}")
    return value


def load_matching(path: Path) -> MatchingRules:
    """Read and validate the weights TOML file; raise MatchingError naming the file and the
    bad key."""
    raw, data = read_toml(path, "weights file", MatchingError)

    # staff edit this file by hand: an unknown key is most likely a typo of a real one, and
    # ignoring it would silently weigh something else than they meant
    for key in data:
        if key not in _TOP_KEYS:
            raise MatchingError(
                f"{path}: key '{key}': unknown key (expected one of: {', '.join(_TOP_KEYS)})"
            )
    for key in _TOP_KEYS:
        if key not in data:
            raise MatchingError(f"{path}: key '{key}': missing")

    version = data["version"]
    if not isinstance(version, str) or not version.strip():
        raise MatchingError(f"{path}: key 'version': must be a non-empty string, e.g. \"2026-11\"")

    weights: dict[str, float] = {}
    for name, value in _table(data, "weights", _WEIGHT_KEYS, path).items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MatchingError(f"{path}: key 'weights.{name}': must be a number; got {value!r}")
        if not 0 <= value <= 1000:
            raise MatchingError(
                f"{path}: key 'weights.{name}': must be from 0 to 1000; got {value}"
            )
        weights[name] = float(value)

    filters: dict[str, bool] = {}
    for name, value in _table(data, "filters", _FILTER_KEYS, path).items():
        if not isinstance(value, bool):
            raise MatchingError(
                f"{path}: key 'filters.{name}': must be true or false; got {value!r}"
            )
        filters[name] = value

    return MatchingRules(
        version=version.strip(),
        suggestions=_whole(data, "suggestions", 1, MAX_SUGGESTIONS, path),
        field_similarity_minimum=_whole(data, "field_similarity_minimum", 0, 100, path),
        waiting_full_days=_whole(data, "waiting_full_days", 1, 3650, path),
        weights=MatchingWeights(**weights),
        filters=MatchingFilters(**filters),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def matching_rules(path: Path | None = None) -> MatchingRules:
    """The weights of `path` (None: the packaged file), read and checked once per process."""
    return _loaded(path if path is not None else DEFAULT_MATCHING_PATH)


@functools.cache
def _loaded(path: Path) -> MatchingRules:
    return load_matching(path)
