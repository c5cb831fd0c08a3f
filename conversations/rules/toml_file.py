"""Reading a TOML file staff edit by hand (the eligibility rules, the matching weights):
each problem said with the file's name, in the error the caller's rules raise."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

__all__ = ["read_toml"]


def read_toml(path: Path, what: str, error: type[Exception]) -> tuple[bytes, dict[str, Any]]:
    """The file's bytes (for its hash) and its table; `error` (naming `path` and `what`,
    e.g. "rules file") when it is missing, unreadable, not UTF-8 or not TOML."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc}") from exc
    try:
        return raw, tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{path}: {what} is not UTF-8 text: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from exc
