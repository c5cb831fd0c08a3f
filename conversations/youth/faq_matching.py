"""The FAQ's data and matching, pure: loading the staff-edited files (`bot/faq/<locale>.toml`)
and scoring a question against their phrasings with rapidfuzz (the conversation is in
`faq`)."""

from __future__ import annotations

import functools
import logging
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from rapidfuzz import fuzz, utils
from rapidfuzz.distance import OSA

from conversations.core.turn import LOCALES
from conversations.parsing import normalise

__all__ = [
    "DEFAULT_FAQ_DIR",
    "MAX_QUESTION",
    "MAX_TOPICS_OFFERED",
    "THRESHOLD",
    "Entry",
    "Faq",
    "FaqError",
    "is_too_short",
    "load",
    "match",
    "prepare",
    "scores",
]

logger = logging.getLogger(__name__)

# The FAQ shipped with the bot (package data of `bot`, a sibling package this one does not
# import): used when the caller gives no folder.
DEFAULT_FAQ_DIR = Path(__file__).resolve().parents[2] / "bot" / "faq"

# Similarity (0-100) a question must reach with one phrasing of an entry to get its answer.
# Chosen on the questions of `tests/conversations/youth/test_faq.py` (about half of them
# differ from every phrasing of the FAQ files even once the ignored words are left out):
# every question there that the FAQ answers scores 72 or more with its entry, every one it
# does not answer (the capital of Peru, small talk, "je suis à Lyon") 70 or less, most of
# them under 60. 71 sits between the two, nearer the questions answered: an answer to a
# question nobody asked costs more than an offer to ask the team, who answer anyway. Raise
# it if youths get answers to questions they did not ask; when a question is missed, add
# its phrasing to the FAQ files rather than lowering it.
THRESHOLD = 71.0
# Entries scoring within this of the best one are "equally close": the youth picks.
TIE_MARGIN = 2.0
# At most this many topics are offered for a question close to several.
MAX_TOPICS_OFFERED = 3
# Fewer letters and digits than this (emoji, "ok", "?") is not a question.
MIN_CHARACTERS = 3
# A word this short must be written exactly to match on its own: one letter is too much of
# it for a guess ("lyon" is not "long", "prx" not "prix").
EXACT_BELOW = 5
# A word in the phrasings of this many entries or more says little about which one is meant.
GENERIC_IN_ENTRIES = 3
# Taken off the closeness of texts that share only such words.
GENERIC_PENALTY = 15.0
# What the support request keeps of the question, as `/human` does.
MAX_QUESTION = 1000

# `faq.*` templates that are not answers: no entry may take their names.
_MESSAGES = frozenset({"index", "unknown", "which", "glad", "not_asked"})
# Entry ids travel in buttons ("faq:t.<id>", 64 bytes at most) and name templates.
_ID = re.compile(r"[a-z][a-z0-9_]{0,31}")


class FaqError(ValueError):
    """A FAQ file is missing or wrong; the message names the file and the entry."""


@dataclass(frozen=True)
class Entry:
    """One question of the FAQ: its stable code and how people ask it, in one locale."""

    id: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Faq:
    """Every locale's entries (file order), and the phrasings questions are matched against."""

    entries: Mapping[str, tuple[Entry, ...]]
    # words left out before comparing ("c'est", "quoi", "the"...): every locale's
    ignored: frozenset[str]
    # (phrasing as compared, entry id), every locale's
    phrasings: tuple[tuple[str, str], ...]
    # words of the phrasings of `GENERIC_IN_ENTRIES` entries or more ("mentor", "combien")
    generic: frozenset[str]

    def ids(self, locale: str) -> tuple[str, ...]:
        """The entries' ids in the order of `locale`'s file (the order of the /faq list)."""
        return tuple(entry.id for entry in self.entries[locale])


# ------------------------------------------------------------------ loading


@functools.cache
def load(directory: Path = DEFAULT_FAQ_DIR) -> Faq:
    """The FAQ of `directory` (`<locale>.toml` for each locale), read and checked once.

    Every locale must have the same entry ids; a file with a missing, unknown or wrong key
    is refused with a `FaqError` naming the file, so the composition root can load it at
    start and fail there rather than in a conversation.
    """
    raw: dict[str, dict[str, Any]] = {}
    for locale in LOCALES:
        path = directory / f"{locale}.toml"
        try:
            raw[locale] = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FaqError(f"{path}: FAQ file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise FaqError(f"{path}: not valid TOML: {exc}") from exc
    ignored = frozenset(
        word
        for locale in LOCALES
        for word in _ignored_words(raw[locale], directory / f"{locale}.toml")
    )
    entries = {
        locale: _entries(raw[locale], directory / f"{locale}.toml", ignored) for locale in LOCALES
    }
    first, *others = LOCALES
    expected = set(_ids(entries[first]))
    for locale in others:
        found = set(_ids(entries[locale]))
        if found != expected:
            missing = ", ".join(sorted(expected - found)) or "none"
            extra = ", ".join(sorted(found - expected)) or "none"
            raise FaqError(
                f"{directory / f'{locale}.toml'}: entries differ from {first}.toml "
                f"(missing: {missing}; not in {first}.toml: {extra})"
            )
    phrasings = tuple(
        (prepared, entry.id)
        for locale in LOCALES
        for entry in entries[locale]
        for prepared in dict.fromkeys(prepare(q, ignored) for q in entry.questions)
    )
    return Faq(MappingProxyType(entries), ignored, phrasings, _generic(phrasings))


def _generic(phrasings: Iterable[tuple[str, str]]) -> frozenset[str]:
    entries_of: dict[str, set[str]] = defaultdict(set)
    for phrasing, entry_id in phrasings:
        for word in phrasing.split():
            entries_of[word].add(entry_id)
    return frozenset(w for w, ids in entries_of.items() if len(ids) >= GENERIC_IN_ENTRIES)


def _ids(entries: Iterable[Entry]) -> list[str]:
    return [entry.id for entry in entries]


def _ignored_words(data: Mapping[str, Any], path: Path) -> list[str]:
    matching = data.get("matching")
    if not isinstance(matching, dict) or set(matching) != {"ignored_words"}:
        raise FaqError(f"{path}: a [matching] table with only 'ignored_words' is required")
    words = matching["ignored_words"]
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise FaqError(f"{path}: 'ignored_words' must be a list of words")
    ignored = []
    for word in words:
        written = _words(word)
        if len(written) != 1:
            raise FaqError(f"{path}: ignored word {word!r} must be one word")
        ignored.append(written[0])
    return ignored


def _entries(data: Mapping[str, Any], path: Path, ignored: frozenset[str]) -> tuple[Entry, ...]:
    unknown = set(data) - {"matching", "entry"}
    if unknown:
        raise FaqError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    items = data.get("entry")
    if not isinstance(items, list) or not items:
        raise FaqError(f"{path}: no [[entry]]")
    entries: list[Entry] = []
    for number, item in enumerate(items, start=1):
        where = f"{path}: entry {number}"
        if not isinstance(item, dict) or set(item) != {"id", "questions"}:
            raise FaqError(f"{where}: needs exactly 'id' and 'questions'")
        code, questions = item["id"], item["questions"]
        if not isinstance(code, str) or not _ID.fullmatch(code) or code in _MESSAGES:
            raise FaqError(
                f"{where}: id {code!r} must be lowercase letters, digits and '_' "
                f"(at most 32), and not one of {', '.join(sorted(_MESSAGES))}"
            )
        if code in _ids(entries):
            raise FaqError(f"{where}: id {code!r} is used twice")
        if not isinstance(questions, list) or not questions:
            raise FaqError(f"{where} ({code}): 'questions' must be a list of phrasings")
        for question in questions:
            if not isinstance(question, str) or not prepare(question, ignored):
                raise FaqError(
                    f"{where} ({code}): {question!r} has no word left to match once the "
                    "ignored words are left out"
                )
        entries.append(Entry(code, tuple(questions)))
    return tuple(entries)


# ------------------------------------------------------------------ matching


def _words(text: str) -> list[str]:
    """Lowercase words without accents, punctuation or emoji ("C'est quoi ?!" -> c, est, quoi)."""
    return utils.default_process(normalise(text)).split()


def prepare(text: str, ignored: frozenset[str]) -> str:
    return " ".join(word for word in _words(text) if word not in ignored)


def is_too_short(text: str) -> bool:
    """Whether `text` is too short to be a question: fewer than `MIN_CHARACTERS` letters and
    digits ("ok", "?", an emoji, nothing)."""
    return sum(len(word) for word in _words(text)) < MIN_CHARACTERS


def _similarity(query: str, phrasing: str, generic: frozenset[str]) -> float:
    """How close a question is to a phrasing, 0-100 (both as `_prepare` gives them)."""
    if query == phrasing:
        return 100.0
    if min(len(query), len(phrasing)) < EXACT_BELOW:
        return 0.0
    closeness = fuzz.ratio(query, phrasing)
    if not _share_a_telling_word(query.split(), phrasing.split(), generic):
        # only words many entries have ("mentor", "combien", "programme"), or none: close
        # only if the whole texts are ("mentorr"), so that "how do you pick my mentor" is
        # not "what is a mentor", nor "combien font 2+2" "combien ça coûte"
        return max(0.0, closeness - GENERIC_PENALTY)
    if " " not in query:
        # one word answers a phrasing of one word ("gratuit"), not every phrasing that
        # has it ("merci pour ta réponse" is not "délai de réponse")
        return closeness if " " not in phrasing else max(0.0, closeness - GENERIC_PENALTY)
    # token_set_ratio: the question has a phrasing's words, in any order, among others
    # ("mon mentor ne répond plus du tout"); ratio: how close the whole texts are, so that
    # sharing part of the question does not score like sharing all of it.
    return (fuzz.token_set_ratio(query, phrasing) + closeness) / 2


def _share_a_telling_word(query: list[str], phrasing: list[str], generic: frozenset[str]) -> bool:
    """Whether the two share a word that is not generic, or one typo away from it."""
    return any(
        _same_word(word, other)
        for word in query
        if word not in generic
        for other in phrasing
        if other not in generic
    )


def _same_word(word: str, other: str) -> bool:
    # one typo (a letter missing, added, wrong, or two swapped) in a long enough word:
    # "repon" is "repond", "mentro" "mentor"; "happy" is not "apply"
    if word == other:
        return True
    return min(len(word), len(other)) >= EXACT_BELOW and OSA.distance(word, other) <= 1


def scores(faq: Faq, text: str) -> list[tuple[str, float]]:
    """Each entry's best similarity with `text`, best first (ties in the French file's
    order); empty when nothing is left of `text` once the ignored words are left out."""
    query = prepare(text, faq.ignored)
    if not query:
        return []
    best: dict[str, float] = defaultdict(float)
    for phrasing, entry_id in faq.phrasings:
        best[entry_id] = max(best[entry_id], _similarity(query, phrasing, faq.generic))
    order = {entry_id: n for n, entry_id in enumerate(faq.ids(LOCALES[0]))}
    return sorted(best.items(), key=lambda item: (-item[1], order[item[0]]))


def match(faq: Faq, text: str) -> tuple[str, ...]:
    """The entries answering `text`: one id for a clear answer, up to `MAX_TOPICS_OFFERED`
    when several are equally close (within `TIE_MARGIN`), none below `THRESHOLD` or for a
    text too short to be a question."""
    if is_too_short(text):
        return ()
    ranked = scores(faq, text)
    if not ranked or ranked[0][1] < THRESHOLD:
        return ()
    top = ranked[0][1]
    close = [entry_id for entry_id, score in ranked if score >= max(THRESHOLD, top - TIE_MARGIN)]
    return tuple(close[:MAX_TOPICS_OFFERED])
