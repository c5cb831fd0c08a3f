"""Database URLs shown to people (messages, logs) never show the password."""

from __future__ import annotations

import pytest
from sqlalchemy import make_url, text

from storage.database import DatabaseUnavailable, create_engine, describe, reachable

PASSWORD = "s3cr3t-Pa55"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            f"postgresql+asyncpg://mentorbot:{PASSWORD}@db.example.org:5432/mentorbot",
            "postgresql+asyncpg://mentorbot:***@db.example.org:5432/mentorbot",
        ),
        (
            f"postgresql+asyncpg://mentorbot:{PASSWORD}@localhost/mentorbot?ssl=require",
            "postgresql+asyncpg://mentorbot:***@localhost/mentorbot?ssl=require",
        ),
        (
            f"sqlite+aiosqlite://mentorbot:{PASSWORD}@/var/lib/mentorbot.db",
            "sqlite+aiosqlite://mentorbot:***@/var/lib/mentorbot.db",
        ),
        (
            f"sqlite+pysqlcipher://:{PASSWORD}@/mentorbot.db",
            "sqlite+pysqlcipher://:***@/mentorbot.db",
        ),
    ],
)
def test_a_password_is_shown_as_stars(url: str, shown: str) -> None:
    assert describe(url) == shown
    assert describe(make_url(url)) == shown
    assert PASSWORD not in describe(url)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///var/lib/mentorbot.db",
        "sqlite+aiosqlite://",
        "postgresql+asyncpg://mentorbot@localhost/mentorbot",
    ],
)
def test_a_url_without_a_password_is_shown_as_it_is(url: str) -> None:
    assert describe(url) == url


@pytest.mark.parametrize(
    "url", [f"mentorbot:{PASSWORD}@localhost", f"postgresql://mentorbot:{PASSWORD}@h:port/db"]
)
def test_an_unreadable_url_shows_nothing_of_itself(url: str) -> None:
    assert PASSWORD not in describe(url)


async def test_an_unreachable_server_is_named_without_its_password() -> None:
    # nothing listens on port 1 of this machine: the connection is refused at once
    engine = create_engine(f"postgresql+asyncpg://mentorbot:{PASSWORD}@127.0.0.1:1/mentorbot")
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            async with reachable(engine), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    message = str(raised.value)
    assert "postgresql+asyncpg://mentorbot:***@127.0.0.1:1/mentorbot" in message
    assert PASSWORD not in message
