"""The bot's copy, as people read it: every template key, in both languages, on every channel,
rendered with a sample context, reads as finished text (docs/copy-style.md).

A template's variables are found by parsing it (`jinja2.meta`); each is given a sample value
by name (`SAMPLE`, or by its suffix for a variable added later: `*_at` a datetime, `*_on` a
date...). Each template is rendered with everything given, with every optional variable (one
the template tests with `{% if x %}`) empty, and once per value of the codes it turns into
words (alert kinds, statuses, regions, contracts...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jinja2 import nodes

from bot.i18n import LOCALES, TemplateRenderer
from bot.settings import DEFAULT_TEMPLATES_DIR
from conversations.core.messages import Channel

TEMPLATES = Path(DEFAULT_TEMPLATES_DIR)


@pytest.fixture(scope="module")
def renderer() -> TemplateRenderer:
    return TemplateRenderer(TEMPLATES, ZoneInfo("Europe/Paris"))


def _renderer() -> TemplateRenderer:
    return TemplateRenderer(TEMPLATES, ZoneInfo("Europe/Paris"))


def _codes(area: str) -> list[str]:
    """The codes that have a label template under `area` ("alert_kind" -> ["concern", ...])."""
    prefix = f"{area}."
    return sorted(
        key.removeprefix(prefix)
        for key in _renderer().keys("fr")
        if key.startswith(prefix) and "." not in key.removeprefix(prefix)
    )


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


# Sample values by variable name. Dates fall on the first of a month where French writes an
# ordinal ("1er décembre"); `start` and `until` are ISO text, as contexts queued in the outbox
# (JSON) carry them.
SAMPLE: dict[str, Any] = {
    "exits": {"job": 3, "gave_up": 1, "unknown": 1},
    "candidates": [
        {
            "rank": 1,
            "mentor_id": 7,
            "mentor": "Claire",
            "company": "ACME",
            "match_percent": 84,
            "field_words": "développement web",
            "region": "idf",
            "remote": False,
            "remote_from": "",
            "seats_count": 2,
            "language": "fr",
            "waited_days": 0,
        },
        {
            "rank": 2,
            "mentor_id": 9,
            "mentor": "Samir",
            "company": "",
            "match_percent": 51,
            "field_words": "",
            "region": "",
            "remote": True,
            "remote_from": "ara",
            "seats_count": 1,
            "language": "",
            "waited_days": 12,
        },
    ],
    "health": "at_risk",
    "query": "Inès",
    "found_youths": [
        {"person": 41, "name": "Inès", "status": "waiting", "region": "idf", "waiting_days": 12},
        {"person": 42, "name": "", "status": "screening", "region": "", "waiting_days": None},
    ],
    "found_mentors": [
        {
            "person": 7,
            "name": "Claire",
            "status": "active",
            "accepting": True,
            "room": 2,
            "company": "ACME",
        },
        {
            "person": 8,
            "name": "Marc",
            "status": "pending",
            "accepting": False,
            "room": 0,
            "company": "",
        },
    ],
    "found_pairs": [
        {
            "pairing": 12,
            "mentee": "Inès",
            "mentor": "Claire",
            "status": "active",
            "health": "at_risk",
        },
        {"pairing": 14, "mentee": "", "mentor": "Marc", "status": "closed", "health": ""},
    ],
    "again": True,
    "changed": True,
    "on": True,
    "unknown": "peut-être",
    "age": 24,
    "answer": "yes",
    "at_level": "yes",
    "business": False,
    "case_kind": "human",
    "close_reason": "gave_up",
    "closed_at": at(2026, 12, 1),
    "command": "frobnicate",
    "consented": True,
    "consented_at": at(2026, 3, 1, 12),
    "contract": "cdi",
    "count": 3,
    "days": 12,
    "decided_at": at(2026, 11, 1),
    "decision": "eligible",
    "example": date(2027, 1, 1),
    "field": "contrôle de gestion",
    "first_meeting_at": at(2026, 12, 15),
    "interactions": 4,
    "kind": "concern",
    "label": "Île-de-France",
    "last_contact_at": at(2027, 1, 1, 18),
    "limit": 200,
    "mentee": "Inès",
    "mentor": "Claire",
    "mentor_slack": "UMENTOR1",
    "name": "Inès",
    "next_checkin_due_at": at(2027, 2, 1),
    "note": "tout va bien",
    "number": 3,
    "owner": "USTAFF2",
    "items": [
        {"step": "diploma", "value": "Bac+5 (master, école)", "date": None},
        {"step": "birth_date", "value": "2001-03-12", "date": "2001-03-12"},
        {"step": "region", "value": "Île-de-France", "date": None},
    ],
    "oldest": [
        {"person": 41, "name": "Inès", "region": "idf", "waiting_days": 20},
        {"person": 42, "name": "Samir", "region": "ara", "waiting_days": 18},
    ],
    "outcome": "job",
    "outcome_on": date(2027, 1, 7),
    "pairing": 12,
    "pairing_delay_weeks": 2,
    "pairs": [
        {
            "mentee": "Inès",
            "status": "active",
            "project": "développement web",
            "started_at": at(2026, 12, 1),
            "last_contact_at": at(2027, 1, 1),
            "next_checkin_due_at": at(2027, 2, 1),
        },
        {
            "mentee": "Samir",
            "status": "paused",
            "project": None,
            "started_at": at(2026, 10, 3),
            "last_contact_at": None,
            "next_checkin_due_at": None,
        },
    ],
    "paused_until": date(2027, 1, 1),
    "period": "2026-12",
    "periods": ["2026-11", "2026-12"],
    "project": "développement web",
    "reasons": ["diploma_too_low", "too_old"],
    "region": "idf",
    "retention_days": 90,
    "review_delay_days": 3,
    "rounds": 2,
    "rules": {
        "age_limit": 30,
        "age_limit_inclusive": False,
        "diploma_minimum": "bac3",
        "minimum_age": 18,
    },
    "since": at(2026, 12, 1),
    "start": "2027-01-07",
    "started": date(2026, 12, 1),
    "started_at": at(2026, 12, 1),
    "status": "active",
    "total": 8,
    "until": "2027-01-01",
    # a meeting: its start as queued (ISO text), in a time zone by IANA name, a place
    "starts_at": "2026-12-03T13:00:00+00:00",
    "time_zone": "Europe/Paris",
    "place": "en visio",
    "when": date(2026, 12, 1),
    "year": 1901,
    # events: an announcement's text as queued (the pieces around the first name), its place
    # on a waiting list, a sending's figures, a template problem
    "body": ["Bonjour ", ", un webinaire arrive."],
    "rank": 2,
    "sent": 40,
    "unreachable": 2,
    "failed": 1,
    "expired": 0,
    "excluded": 3,
    "line": 3,
    "detail": "unexpected end of template",
    # relayed messages between a pair (relay/)
    "messages": 6,
    "what": "sticker",
    "refused": "too_large",
    "in_thread": True,
    "picked": True,
    # cases (case/, case_topic/, staff/): a digest's lines, cases raised again, an answer
    "topic": "at_risk",
    "part": 1,
    "entries": [
        {"case_id": 31, "pairing": 12, "mentor": "Claire", "mentee": "Inès", "days": 45},
        {"case_id": 32, "pairing": 14, "mentor": "", "mentee": "", "days": None},
    ],
    "waiting": [
        {
            "case_id": 31,
            "case_kind": "alert",
            "topic": "at_risk",
            "who": "",
            "pairing": 12,
            "opened_at": "2026-12-01T09:30:00+00:00",
        },
        {
            "case_id": 33,
            "case_kind": "human",
            "topic": "",
            "who": "Inès",
            "pairing": None,
            "opened_at": "2026-12-01T10:00:00+00:00",
        },
    ],
    "staff": "Camille",
    "staff_id": "USTAFF1",
    "first": True,
    # staff's events in Slack (events/staff/): an event, the list, a preview, a report
    "event_kind": "webinar",
    "variables": ["title", "when", "link"],
    "zone": "Europe/Paris",
    "state": "scheduled",
    "not_after": at(2026, 12, 3),
    "buttons": ["events.button.yes", "events.button.maybe", "events.button.no"],
    "keys": ["events.staff.error_already_sent", "events.staff.error_send_at_past"],
    "excluded_by": {"opted_out": 40, "unreachable": 16},
    "answers": {"yes": 12, "waiting": 2, "maybe": 3, "no": 1, "none": 0, "attended": 9},
    "waiting_list": [{"rank": 1, "name": "Inès"}, {"rank": 2, "name": "Samir"}],
    "events": [
        {
            "event": 4,
            "title": "Réussir son entretien",
            "starts_at": at(2026, 12, 3),
            "zone": "America/Martinique",
            "state": "scheduled",
            "answers": {"yes": 1, "waiting": 0, "maybe": 2, "no": 0},
        }
    ],
    "announcements": [
        {
            "announcement": 7,
            "status": "sending",
            "recipients": 50,
            "pending": 8,
            "counts": {"sent": 40, "failed": 1, "in_doubt": 0, "undeliverable": 1, "cancelled": 0},
            "failures": [["ratelimited", 1]],
            "excluded": {"opted_out": 2},
        }
    ],
}

# Codes a template turns into words: each value is tried in turn.
ENUMS: dict[str, list[Any]] = {
    "kind": _codes("alert_kind"),
    "case_kind": _codes("case_kind"),
    "status": _codes("pair_status"),
    "health": _codes("staff.find.health"),
    "decision": ["eligible", "not_eligible", "review"],
    "answer": ["yes", "no"],
    "contract": _codes("choice.contract"),
    "at_level": _codes("choice.at_level"),
    "close_reason": _codes("close_reason"),
    "region": ["idf", "ara", "ile de france", "Corse"],
    "business": [True, False],
    "reasons": [[reason] for reason in _codes("eligibility.reason")],
    "age": [17, 25, 26, 29, 31, None],
    "what": ["sticker", "animation", "voice", "video", "location", "contact", "poll", ""],
    "refused": ["too_large", "unsupported_type", "download_failed", ""],
    "messages": [1, 6],
    "topic": _codes("case_topic"),
    "part": [1, 2],
    "channel": ["telegram", "slack", ""],
}
# region codes given in the samples: none may be shown as such
SAMPLE_REGION_CODES = ("idf", "ara")


def sample(name: str) -> Any:
    """A sample value for a template variable, by its name."""
    if name in SAMPLE:
        return SAMPLE[name]
    if name.endswith("_at"):
        return at(2026, 12, 1)
    if name.endswith(("_on", "_until", "_date")):
        return date(2026, 12, 1)
    if name.endswith(("days", "weeks", "count", "_id")):
        return 5
    return "Test"


# ------------------------------------------------------------------ what a template uses


def _names_tested(test: nodes.Node) -> Iterator[str]:
    """Variables a condition tests for truthiness (`x`, `not x`, `x is defined and x`)."""
    if isinstance(test, nodes.Name):
        yield test.name
    elif isinstance(test, nodes.Not):
        yield from _names_tested(test.node)
    elif isinstance(test, nodes.And | nodes.Or):
        yield from _names_tested(test.left)
        yield from _names_tested(test.right)


def _optional(ast: nodes.Template) -> set[str]:
    found: set[str] = set()
    for condition in ast.find_all(nodes.If):
        found.update(_names_tested(condition.test))
    for either in ast.find_all(nodes.Or):
        found.update(_names_tested(either.left))
    return found


def _variables(renderer: TemplateRenderer, key: str, locale: str) -> tuple[set[str], set[str]]:
    """(every variable, the optional ones) of a template, included templates' too."""
    from jinja2 import meta

    seen: set[str] = set()
    todo = [key]
    used: set[str] = set()
    optional: set[str] = set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        name = f"{current.replace('.', '/')}.j2"
        # the template and its channel overrides (`<locale>/_<channel>/<area>/<name>.j2`)
        paths = [TEMPLATES / locale / name]
        paths += [TEMPLATES / locale / f"_{channel}" / name for channel in Channel]
        for path in paths:
            if not path.exists():
                continue
            ast = renderer.env.parse(path.read_text(encoding="utf-8"))
            used |= meta.find_undeclared_variables(ast) - {"t", "region_name"}
            optional |= _optional(ast)
            for call in ast.find_all(nodes.Call):
                if isinstance(call.node, nodes.Name) and call.node.name == "t" and call.args:
                    first = call.args[0]
                    if isinstance(first, nodes.Const):
                        todo.append(str(first.value))
    return used, optional & used


def contexts(renderer: TemplateRenderer, key: str, locale: str) -> Iterator[dict[str, Any]]:
    """Sample contexts for one template: everything given, optional variables empty, and
    one per value of each code it uses."""
    used, optional = _variables(renderer, key, locale)
    full = {name: sample(name) for name in used}
    # included templates may need what the code always passes with them (e.g. `rules`)
    full = {**{name: sample(name) for name in SAMPLE}, **full}
    yield full
    yield {**full, **{name: _empty(full[name]) for name in optional}}
    for name in sorted(used & ENUMS.keys()):
        for value in ENUMS[name]:
            yield {**full, name: value}


def _empty(value: Any) -> Any:
    if isinstance(value, bool):
        return False
    if isinstance(value, list):
        return []
    if isinstance(value, str):
        return ""
    return None


def every_key() -> list[tuple[str, str]]:
    renderer = _renderer()
    return [(locale, key) for locale in LOCALES for key in sorted(renderer.keys(locale))]


# ------------------------------------------------------------------ what finished text is

_URL = re.compile(r"https?://\S+|\b[\w.-]+\.(?:fr|com|org|gouv\.fr)\b|\S+@\S+")
# Words whose letters legitimately change case inside (brands, "Bac+5" is fine already).
_CASED_WORDS = ("iOS", "iPhone", "LinkedIn", "WhatsApp", "YouTube", "McKinsey", "OpenDocument")
# a lowercase letter, a digit or the end of a sentence glued to the next one
_GLUED = re.compile(r"[a-zà-ÿ0-9.:;!?»”)][A-ZÀ-ÖØ-Ý•🎉⚠⏰🧭ℹ⏸⏹🚨]")
_ISO = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b")
_RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
_FRENCH_MONTHS = (
    "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
)
_FIRST_OF_MONTH_FR = re.compile(rf"(?<![\d/])\b1 (?:{_FRENCH_MONTHS})\b")
# French: a space (normal or non-breaking) before : ; ! ? — except in a time ("10:30")
_FRENCH_NO_SPACE = re.compile(r"(?<=[^\s\d])[:;!?]|(?<=\d)[;!?]|(?<=\d):(?!\d)")
# English: no space before : ; ! ?
_ENGLISH_SPACE = re.compile(r"[ \u00a0\u202f][:;!?]")


def problems(text: str, locale: str) -> list[str]:
    """What is wrong with a rendered message, in words (empty when it reads well)."""
    found: list[str] = []
    if "{{" in text or "{%" in text or "%}" in text or "}}" in text:
        found.append("leftover template syntax")
    if "  " in text:
        found.append("double space")
    words = _URL.sub(" URL ", text)
    for word in _CASED_WORDS:
        words = words.replace(word, "Word")
    found += [f"glued sentences: {m.group()!r}" for m in _GLUED.finditer(words)]
    found += [
        f"raw region code {code!r}"
        for code in SAMPLE_REGION_CODES
        if re.search(rf"\b{code}\b", words)
    ]
    found += [f"raw code {m.group()!r}" for m in _RAW_CODE.finditer(words)]
    found += [f"unformatted date {m.group()!r}" for m in _ISO.finditer(words)]
    if locale == "fr":
        found += [f"'1er' expected: {m.group()!r}" for m in _FIRST_OF_MONTH_FR.finditer(words)]
        found += [
            f"space expected before {m.group()!r}: {words[max(0, m.start() - 12) : m.end()]!r}"
            for m in _FRENCH_NO_SPACE.finditer(words)
        ]
    else:
        found += [
            f"no space expected before {m.group().strip()!r}: "
            f"{words[max(0, m.start() - 12) : m.end()]!r}"
            for m in _ENGLISH_SPACE.finditer(words)
        ]
        found += [
            f"bullet ending with ';': {line!r}"
            for line in words.splitlines()
            if line.lstrip().startswith("•") and line.rstrip().endswith(";")
        ]
    return found


@pytest.mark.parametrize(("locale", "key"), every_key())
def test_every_template_reads_as_finished_text(
    renderer: TemplateRenderer, locale: str, key: str
) -> None:
    failures: list[str] = []
    for context in contexts(renderer, key, locale):
        for channel in Channel:
            text = renderer.text(key, locale, channel, context)
            failures += [
                f"[{channel}] {problem}\n    {text!r}" for problem in problems(text, locale)
            ]
    assert not failures, f"{locale}/{key}:\n" + "\n".join(dict.fromkeys(failures))


def test_the_checks_catch_what_they_are_for() -> None:
    assert problems("looking for a mentor for you.Their message: x", "en")
    assert problems("Région : ile de franceDébut : 7 janvier 2027", "fr")
    assert problems("2027• Test", "fr")
    assert problems("Région : idf.", "fr")
    assert problems("Début : 2027-01-07", "fr")
    assert problems("le 1 décembre 2026", "fr")
    assert problems("Mentor: Claire", "fr")
    assert problems("Mentor : Claire", "en")
    assert problems("• your Mission Locale;", "en")
    assert problems("Sortie : gave_up", "fr")
    assert problems("Bonjour  Inès", "fr")
    assert not problems("Bac+5, CV, iOS, francetravail.fr, à 10:30 : le 1er décembre 2026 !", "fr")
    assert not problems("Bac+5, CV, iOS, https://x.fr/a?b=1: on 1 December 2026!", "en")


# ------------------------------------------------------------------ one voice


def _template_files(locale: str | None = None) -> list[Path]:
    root = TEMPLATES / locale if locale else TEMPLATES
    return sorted(root.rglob("*.j2"))


def _text_of(path: Path) -> str:
    """A template's words: each `{{ x }}` stands as "X", `{% if %}` tags are left out."""
    source = path.read_text(encoding="utf-8")
    source = re.sub(r"\{\{.*?\}\}", "X", source, flags=re.DOTALL)
    return re.sub(r"\{%.*?%\}|\{#.*?#\}", "", source, flags=re.DOTALL)


def _offending(pattern: str, files: list[Path], flags: int = 0) -> list[str]:
    compiled = re.compile(pattern, flags)
    return [
        f"{path.relative_to(TEMPLATES)}: {match.group()!r}"
        for path in files
        for match in compiled.finditer(_text_of(path))
    ]


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param(r"\b(?:il|elle|ils|elles|un|une|le|la)\s*/\s*\w+", id="il/elle"),
        pytest.param(r"/\s*elle", id="/elle"),
        pytest.param(r"\w[·./]e(?:s)?\b(?<!\.fr)", id="feminine ending after a dot or slash"),
        pytest.param(
            r"\b(?:le ou la|la ou le|ton ou ta|ta ou ton|son ou sa|un ou une|une ou un"
            r"|il ou elle|elle ou il|du ou de la)\b",
            id="doubled determiner or pronoun",
        ),
        pytest.param(r"\b(\w{3,}) ou \1e\b|\bboursier ou boursière", id="doubled noun"),
        pytest.param(r"nouveau\W+elle|nouvel\W+le\b|\btou\W+te\W*s\b", id="nouveau-elle"),
    ],
)
def test_french_inclusive_writing_is_done_one_way(pattern: str) -> None:
    assert _offending(pattern, _template_files("fr"), re.IGNORECASE) == []


def test_no_middle_dot_in_any_language() -> None:
    """Neither inclusive writing ("diplômé·e") nor a separator ("Début · Fin")."""
    assert _offending("·", _template_files()) == []


# who each area of templates speaks to: youths are tutoyés, mentors and staff vouvoyés
YOUTH_AREAS = (
    "account",
    "common",
    "eligibility",
    "events/button",
    "events/youth",
    "faq",
    "human",
    "menu",
    "outcome",
    "pairing",
    "privacy",
    "pulse",
    "relay/youth",
    "restart",
    "status",
    "meeting/youth",
    "sharing/youth",
    "announcements/youth",
    "invite",
)
MENTOR_AND_STAFF_AREAS = (
    "announcements/mentor",
    "alert_kind",
    "checkin",
    "close_reason",
    "events/mentor",
    "events/staff",
    "form",
    "mentor",
    "pair_status",
    "relay/mentor",
    "silence",
    "staff",
    "case",
    "case_topic",
    "meeting/mentor",
    "sharing/mentor",
)


def test_youths_are_tutoyes() -> None:
    files = [p for area in YOUTH_AREAS for p in _template_files(f"fr/{area}")]
    assert _offending(r"\b(?:vous|votre|vos)\b", files, re.IGNORECASE) == []


def test_mentors_and_staff_are_vouvoyes() -> None:
    files = [p for area in MENTOR_AND_STAFF_AREAS for p in _template_files(f"fr/{area}")]
    pattern = r"\b(?:tu|toi|ton|ta|tes|te)\b|\bt['’]"
    assert _offending(pattern, files, re.IGNORECASE) == []


_ALONE = re.compile(r"\{%[^%]*%\}")


def test_no_line_ends_with_a_tag_that_eats_its_line_break() -> None:
    """With `trim_blocks`, the line break after `{% endif %}` vanishes: text followed by a tag
    at the end of a line is glued to the next line ("avance.Points mensuels")."""
    wrong = []
    for path in _template_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines[:-1], start=1):
            stripped = line.strip()
            ends_with_tag = stripped.endswith("%}") and not stripped.endswith("+%}")
            if ends_with_tag and not _ALONE.fullmatch(stripped) and lines[number].strip():
                wrong.append(f"{path.relative_to(TEMPLATES)}:{number}: {stripped[-40:]!r}")
    assert wrong == []


def test_english_has_no_space_before_a_colon() -> None:
    assert _offending(r" [:;!?](?=\s|$)", _template_files("en")) == []


def test_english_is_british() -> None:
    american = (
        r"\b(?:program|programs|color|center|organiz\w*|recogniz\w*|realiz\w*|favor\w*"
        r"|behavior|enroll|enrollment|canceled|labeled|apologiz\w*|prioritiz\w*|neighborhood)\b"
    )
    assert _offending(american, _template_files("en"), re.IGNORECASE) == []


def test_english_has_no_french_calques() -> None:
    calques = (
        r"is first for|other help exists|a human look|in 2 minutes I|for what concerns"
        r"|give their career|thank you sincerely|a lot of years|to follow up with the pair"
        r"|unblock things|your request of\b"
    )
    assert _offending(calques, _template_files("en"), re.IGNORECASE) == []


def test_good_news_has_no_alarm() -> None:
    good_news = [
        path
        for path in _template_files()
        if re.search(r"outcome|job|bravo|congrats", str(path.relative_to(TEMPLATES)))
    ]
    assert good_news
    assert _offending("🚨", good_news) == []


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", [k for k in _codes("alert_kind") if k.startswith("outcome")])
def test_a_staff_alert_about_an_outcome_is_not_an_alarm(
    renderer: TemplateRenderer, locale: str, kind: str
) -> None:
    text = renderer.text("staff.alert", locale, Channel.SLACK, {**SAMPLE, "kind": kind})
    assert "🚨" not in text
    assert "🎉" in text


def _mission_locale_outside_an_age_condition(path: Path) -> list[str]:
    """Places where "Mission Locale" (for the under-26s) is said without testing `age`."""
    ast = _renderer().env.parse(path.read_text(encoding="utf-8"))
    wrong: list[str] = []

    def mentions_age(test: nodes.Node) -> bool:
        return any(name.name == "age" for name in test.find_all(nodes.Name)) or (
            isinstance(test, nodes.Name) and test.name == "age"
        )

    def visit(node: nodes.Node, guarded: bool) -> None:
        if isinstance(node, nodes.If):
            for child in node.body:
                visit(child, guarded or mentions_age(node.test))
            for branch in node.elif_:
                visit(branch, guarded)
            for child in node.else_:
                visit(child, guarded)
            return
        if isinstance(node, nodes.TemplateData) and "Mission Locale" in node.data and not guarded:
            wrong.append(f"{path.relative_to(TEMPLATES)}: {node.data.strip()[:60]!r}")
        for child in node.iter_child_nodes():
            visit(child, guarded)

    visit(ast, False)
    return wrong


def test_the_mission_locale_is_offered_only_by_age() -> None:
    wrong = [
        w for path in _template_files() for w in _mission_locale_outside_an_age_condition(path)
    ]
    assert wrong == []


REFUSALS = ("eligibility.decision_not_eligible", "review.decided_not_eligible", "privacy.declined")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("key", REFUSALS)
@pytest.mark.parametrize(
    ("context", "offered"),
    [
        ({"age": 19, "reasons": ["diploma_too_low"]}, True),
        ({"age": 25, "reasons": ["no_social_criterion"]}, True),
        ({"age": 26, "reasons": ["diploma_too_low"]}, False),
        ({"age": 29, "reasons": ["employed_at_level"]}, False),
        ({"reasons": ["too_old"]}, False),
        ({"age": None, "reasons": ["too_old"]}, False),
        # no age in the context (see docs/copy-style.md): said only to those it may concern
        ({"reasons": ["diploma_too_low"]}, True),
        ({"age": None, "reasons": []}, True),
    ],
)
def test_a_refusal_points_to_the_mission_locale_only_under_26(
    renderer: TemplateRenderer,
    locale: str,
    key: str,
    context: Mapping[str, Any],
    offered: bool,
) -> None:
    base = {name: value for name, value in SAMPLE.items() if name != "age"}
    text = renderer.text(key, locale, Channel.CONSOLE, {**base, **context})
    assert ("Mission Locale" in text) is offered, text
    assert "France Travail" in text
