"""One codec for button values: `action[:id...][:value]`, e.g. `ci:12:yes`.

Every button the bot shows is encoded here and every pressed button decoded here, so no flow
splits strings by hand. The wire format is what Telegram buttons already in people's chats
carry, so old buttons keep decoding. Values are checked against Telegram's 64 bytes (the
tighter of the two platforms; Slack allows 2,000 characters) when they are made, and a value
that is malformed, unknown or out of range decodes to None, which the engine answers kindly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ACTIONS",
    "MAX_BYTES",
    "Button",
    "CodecError",
    "button_number",
    "decode",
    "encode",
    "parse_id",
]

# Telegram's callback_data limit (Slack's button value allows 2,000 characters)
MAX_BYTES = 64
# ids are database keys: positive and within a signed 64-bit integer
MAX_ID = 2**63 - 1
_VALUE = re.compile(r"[A-Za-z0-9_.+-]*")
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")

# action -> how many ids follow it. The one table of every button the bot shows.
ACTIONS: dict[str, int] = {
    # youth: language, account confirmations, eligibility questions, outcome questions
    "lang": 0,
    "del": 0,
    "rst": 0,
    "privacy": 0,
    "diploma": 0,
    "qpv": 0,
    "social": 0,
    "situation": 0,
    "region": 0,
    "email": 0,
    "confirm": 0,
    "change": 0,
    "contract": 0,
    "at_level": 0,
    "faq": 0,  # youth FAQ: that answers it, ask a person, yes/no, a topic ("faq:t.cost")
    # youth pulse: contact this month, job search, continue after silent rounds
    "pu": 1,
    "pj": 1,
    "cy": 1,
    # mentor: check-in answer, remind me later, continue/pause/stop, first meeting held,
    # App Home: log a contact, raise a concern, report an outcome
    "ci": 1,
    "cr": 1,
    "cm": 1,
    "fm": 1,
    "hl": 1,
    "hc": 1,
    "ho": 1,
    "tq": 0,  # mentor App Home: ask the team (a case about no pair in particular)
    # people in touch: which mentee a mentor's message is for (pairing), the youth sharing
    # her email (pairing, yes/no), a first meeting proposed (pairing), answered by the
    # youth (meeting, ok/other), held or not (meeting, yes/no)
    "rp": 1,
    "es": 1,
    "mp": 1,
    "ma": 1,
    "mh": 1,
    "rv": 1,  # events: an answer to an announcement (announcement id, yes/maybe/no)
    "an": 0,  # event announcements on/off (youth's /announcements, mentor's App Home)
    # staff: view a pair, take a case ("I'll take it"), resolve a case
    "sp": 1,
    "ct": 1,
    "cr2": 1,
    "ea": 1,  # staff: announce an event (event id)
    "ee": 1,  # staff: edit an event (event id)
    "ec": 1,  # staff: cancel an event (event id; "yes" once confirmed)
    "as": 1,  # staff: send a previewed announcement (announcement id)
    "ad": 1,  # staff: a test send of an announcement to their own DM (announcement id)
    "ax": 1,  # staff: withdraw an announcement (announcement id)
    # running the programme (issue 11)
    "sg": 1,  # staff: suggest mentors for a waiting youth (youth person id)
    "pm": 2,  # staff: pair youth with mentor (youth id, mentor id; value "r<pairing>" re-pairs)
    "pp": 1,  # staff: pause a pair (pairing id)
    "pr": 1,  # staff: resume a paused pair (pairing id)
    "pc": 1,  # staff: close a pair, the form asks why (pairing id)
    "pq": 1,  # staff: re-pair, suggestions for the pair's youth (pairing id)
    "ja": 1,  # staff: approve a mentor's sign-up (mentor person id)
    "jd": 1,  # staff: decline a mentor's sign-up (mentor person id)
    "jp": 0,  # mentor: open the profile form (App Home, help)
    "jt": 0,  # mentor: taking new mentees or not (value "on"/"off")
}


class CodecError(ValueError):
    """A button value that cannot be made (unknown action, bad value, too long)."""


@dataclass(frozen=True)
class Button:
    """A decoded button value."""

    action: str
    ids: tuple[int, ...] = ()
    value: str = ""

    @property
    def id(self) -> int:
        """The first id (most actions carry exactly one)."""
        return self.ids[0]


def parse_id(text: str) -> int | None:
    """A database id typed or carried in a payload: ASCII digits only (no "²", no Arabic-Indic
    digits), positive, within range; None otherwise."""
    stripped = text.strip()
    if not _ASCII_DIGITS.fullmatch(stripped):
        return None
    number = int(stripped)
    return number if 0 < number <= MAX_ID else None


def button_number(text: str, count: int) -> int | None:
    """A typed button number ("2", "2.", "2)"), 1 to `count`, as a 0-based index; None for
    anything else ("²", "٢", "0", "12345678901234567890123")."""
    stripped = text.strip().rstrip(".)")
    if not stripped.isascii() or not stripped.isdigit() or len(stripped) > 3:
        return None
    number = int(stripped)
    return number - 1 if 1 <= number <= count else None


def encode(action: str, *ids: int, value: str = "") -> str:
    """The button value for `action` on `ids` with `value`."""
    expected = ACTIONS.get(action)
    if expected is None:
        raise CodecError(f"unknown button action {action!r}")
    if len(ids) != expected:
        raise CodecError(f"{action!r} takes {expected} id(s), got {len(ids)}")
    if any(not 0 < i <= MAX_ID for i in ids):
        raise CodecError(f"{action!r}: id out of range")
    if not _VALUE.fullmatch(value):
        raise CodecError(f"{action!r}: value {value!r} has characters buttons do not carry")
    parts = [action, *(str(i) for i in ids)]
    if value:
        parts.append(value)
    encoded = ":".join(parts)
    if len(encoded.encode()) > MAX_BYTES:
        raise CodecError(f"{action!r}: {len(encoded.encode())} bytes, Telegram allows 64")
    return encoded


def decode(raw: str) -> Button | None:
    """The button behind a pressed value, or None for anything this bot did not make."""
    if not raw or len(raw.encode()) > MAX_BYTES * 4:
        return None
    action, *rest = raw.split(":")
    expected = ACTIONS.get(action)
    if expected is None or len(rest) < expected:
        return None
    ids: list[int] = []
    for part in rest[:expected]:
        number = parse_id(part)
        if number is None or part != part.strip():
            return None
        ids.append(number)
    tail = rest[expected:]
    if len(tail) > 1:
        return None
    value = tail[0] if tail else ""
    if not _VALUE.fullmatch(value):
        return None
    return Button(action, tuple(ids), value)
