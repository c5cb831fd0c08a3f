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
    """`value` with its strings storable: the very same object when nothing had to change
    (the common case, checked at every event)."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, list | tuple):
        items = [_value(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if isinstance(value, Mapping):
        pairs = [(_value(key), _value(item)) for key, item in value.items()]
        if all(
            k is old_k and v is old_v
            for (k, v), (old_k, old_v) in zip(pairs, value.items(), strict=True)
        ):
            return value
        return dict(pairs)
    return value


# the fields that may hold a person's text (the channel and the kind are ours)
_TEXT_FIELDS = tuple(
    item.name for item in dataclasses.fields(Incoming) if item.name not in ("channel", "kind")
)


def storable_incoming(incoming: Incoming) -> Incoming:
    """The same event with every string in it (form answers and metadata too) storable."""
    changes = {}
    for name in _TEXT_FIELDS:
        value = getattr(incoming, name)
        cleaned = _value(value)
        if cleaned is not value:
            changes[name] = cleaned
    return dataclasses.replace(incoming, **changes) if changes else incoming  # type: ignore[arg-type]
