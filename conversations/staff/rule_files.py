"""The rules and weights files staff may change (eligibility, matching): noticed at start by
their content's hash, so the audit log says when what decides changed."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit

__all__ = ["SYSTEM", "notice_rule_files"]

logger = logging.getLogger(__name__)

# the actor of what the bot records on its own
SYSTEM = "system"


async def notice_rule_files(
    session: AsyncSession, files: Mapping[str, Path], now: datetime
) -> list[str]:
    """For each `name: path`, the file's SHA-256 compared with the last `rules_file` entry
    for `name`; a new entry (actor "system", detail `file`, `sha256`, `previous`: the hash
    before, or None the first time) when it differs or was never seen. The names changed,
    in the order given. A file that is not there is skipped (a file not used yet)."""
    changed: list[str] = []
    for name, path in files.items():
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            logger.info("rules file %s not found at %s: not noticed", name, path)
            continue
        digest = hashlib.sha256(content).hexdigest()
        last = await audit.last_rules_file(session, name)
        previous = None if last is None else last.detail.get("sha256")
        if previous == digest:
            continue
        await audit.record(
            session,
            actor=SYSTEM,
            action=audit.RULES_FILE,
            now=now,
            detail={"file": name, "sha256": digest, "previous": previous},
        )
        changed.append(name)
    return changed
