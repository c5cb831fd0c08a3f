"""Text from a platform made storable, at the adapter boundary.

PostgreSQL refuses a NUL character in `text` columns and in JSON (asyncpg raises on it), and
a lone surrogate (a JSON payload may carry `"\\ud800"`) cannot be encoded as UTF-8 at all.
A person can type either, and a Telegram first name can hold them: every string of an
`Incoming` goes through `storable_incoming` before the engine sees it, so one odd character
never turns a message into a database error.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from conversations.core.messages import Incoming

__all__ = ["storable", "storable_incoming"]

# NUL, and the surrogate range: in a Python str (decoded from UTF-8 or JSON) a character
# there is always a lone surrogate, as a valid pair decodes to one astral character
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` without the characters PostgreSQL and UTF-8 refuse (NUL, lone surrogates)."""
    if text.isascii() and "\x00" not in text:
        return text
    return _UNSTORABLE.sub("", text)


def _value(value: object) -> object:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, list | tuple):
        return type(value)(_value(item) for item in value)
    if isinstance(value, Mapping):
        return {_value(key): _value(item) for key, item in value.items()}
    return value


def storable_incoming(incoming: Incoming) -> Incoming:
    """The same event with every string in it (form answers and metadata too) storable."""
    changes = {
        item.name: _value(getattr(incoming, item.name))
        for item in dataclasses.fields(incoming)
        if item.name != "channel" and item.name != "kind"
    }
    return dataclasses.replace(incoming, **changes)  # type: ignore[arg-type]
