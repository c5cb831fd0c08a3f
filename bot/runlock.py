"""One `mentorbot run` per SQLite database: a second one is refused, naming the first.

Two processes on one SQLite file would both poll Telegram (409 Conflict for ever) and both
send the outbox. An exclusive `flock` on a file beside the database says who runs it; the
kernel drops the lock when the process dies, so a crash leaves no stale lock behind.
PostgreSQL deployments run replicas on purpose and take no such lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

__all__ = ["AlreadyRunning", "lock_path", "single_process"]


class AlreadyRunning(Exception):
    """Another process already runs the bot on this database."""


def lock_path(database_url: str) -> Path | None:
    """The lock file of a SQLite file database (None for PostgreSQL or in-memory SQLite)."""
    url = make_url(database_url)
    if not url.get_backend_name().startswith("sqlite") or not url.database:
        return None
    if url.database == ":memory:":
        return None
    return Path(url.database).resolve().with_name(Path(url.database).name + ".lock")


@contextlib.contextmanager
def single_process(database_url: str) -> Iterator[None]:
    """Hold the database's run lock while the block runs; `AlreadyRunning` if it is held."""
    path = lock_path(database_url)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise AlreadyRunning(
                f"Another mentorbot process (pid {holder}) already runs on the database "
                f"{path.with_suffix('')}: stop it first (or point MENTORBOT_DATABASE_URL "
                "at another file). Replicas need PostgreSQL."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
