"""Shared fixtures: a fresh database per test, a fixed clock, the composed services."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.container import Services, build
from bot.settings import Settings, load_settings
from conversations.core.clock import FixedClock
from storage.database import upgrade
from tests.fakes.slack_api import FakeSlackApi

# python-telegram-bot 22 warns when a duration is read as an int; opt in to timedelta values
# (the behaviour the CLI sets too) so reading RetryAfter.retry_after does not fail tests.
os.environ.setdefault("PTB_TIMEDELTA", "true")


def _worker_url(url: str | None) -> str | None:
    """The test database for this process: under pytest-xdist, one per worker.

    Every PostgreSQL test empties its database first, so two workers sharing one would empty
    each other's mid-test: worker `gw1` gets `<database>_gw1`, created when the worker starts.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = make_url(url)
    return base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)


POSTGRES_URL = _worker_url(os.environ.get("MENTORBOT_TEST_DATABASE_URL"))
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
# Monday 2 November 2026, 10:00 in Paris
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def _create_worker_database(shared: str, own: str) -> None:
    name = make_url(own).database
    engine = create_async_engine(shared, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not found:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


def pytest_sessionstart(session: pytest.Session) -> None:
    shared = os.environ.get("MENTORBOT_TEST_DATABASE_URL")
    if shared and POSTGRES_URL and shared != POSTGRES_URL:
        asyncio.run(_create_worker_database(shared, POSTGRES_URL))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="MENTORBOT_TEST_DATABASE_URL is not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs MENTORBOT_TEST_DATABASE_URL")
    config.addinivalue_line("markers", "slow: takes more than 10 s")


async def reset_postgres(url: str) -> None:
    """Empty the test database (every test starts from nothing)."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def database_url_for(backend: str, tmp_path: Path) -> str:
    if backend == "postgresql":
        assert POSTGRES_URL is not None
        await reset_postgres(POSTGRES_URL)
        return POSTGRES_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def database_url(tmp_path: Path) -> str:
    """A file-based SQLite database (an in-memory one hangs with concurrent transactions)."""
    return await database_url_for("sqlite", tmp_path)


@pytest.fixture(params=BACKENDS)
async def any_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite, then PostgreSQL when MENTORBOT_TEST_DATABASE_URL is set."""
    return await database_url_for(request.param, tmp_path)


def make_settings(database_url: str, **overrides: object) -> Settings:
    return load_settings(_env_file=None, MENTORBOT_DATABASE_URL=database_url, **overrides)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def services(settings: Settings, clock: FixedClock) -> AsyncIterator[Services]:
    built = build(settings, clock)
    await upgrade(built.db)
    yield built
    await built.close()


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    """The stand-in Slack Web API on 127.0.0.1."""
    async with FakeSlackApi(bot_token="xoxb-test") as api:
        yield api
