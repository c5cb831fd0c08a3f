"""A second `mentorbot run` on the same SQLite database refuses to start, naming the first
one's pid; logs carry our lines, not the libraries' chatter."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.cli.common import configure_logging
from bot.runlock import AlreadyRunning, lock_path, single_process
from bot.settings import Settings
from tests.bot.cli.runner import run


def test_a_second_process_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    with single_process(url):
        with pytest.raises(AlreadyRunning) as refused, single_process(url):
            pass
        assert f"pid {os.getpid()}" in str(refused.value)
        assert "bot.db" in str(refused.value)
    # released at the end: the next start goes ahead
    with single_process(url):
        pass


def test_postgresql_and_memory_databases_take_no_lock() -> None:
    assert lock_path("postgresql+asyncpg://u:pw@db/mentorbot") is None
    assert lock_path("sqlite+aiosqlite:///:memory:") is None


async def test_mentorbot_run_refuses_while_another_runs(
    env: dict[str, str], settings: Settings
) -> None:
    with single_process(settings.database_url):
        out = await run(env, "run", code=4)
    assert "Another mentorbot process" in out
    assert f"pid {os.getpid()}" in out
    assert "Traceback" not in out


def test_third_party_info_lines_are_quiet_ours_are_not(settings: Settings) -> None:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    try:
        root.handlers = []
        configure_logging(settings)
        assert not logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.INFO)
        assert not logging.getLogger("slack_bolt").isEnabledFor(logging.INFO)
        assert logging.getLogger("scheduler.dispatcher").isEnabledFor(logging.INFO)
        assert logging.getLogger("handlers.slack.app").isEnabledFor(logging.INFO)
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    finally:
        root.setLevel(saved[0])
        root.handlers = saved[1]
        for name in ("bot", "handlers", "conversations", "scheduler", "storage"):
            logging.getLogger(name).setLevel(logging.NOTSET)
