"""The audit log's listing: newest first, filtered, a page at a time."""

from __future__ import annotations

from datetime import timedelta

from bot.container import Services
from storage import audit
from tests.conftest import START


async def test_pages_newest_first(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        for number in range(5):
            await audit.record(
                session,
                actor="USTAFF1" if number % 2 else "system",
                action="case_taken",
                now=START + timedelta(minutes=number // 2),  # two entries share a time
                detail={"case": number},
            )

    async with services.sessions() as session:
        pages = [
            [entry.detail["case"] for entry in await audit.listing(session, limit=2, offset=at)]
            for at in (0, 2, 4)
        ]
        mine = await audit.listing(session, actor="ustaff1", limit=None)
        later = await audit.listing(session, since=START + timedelta(minutes=1), limit=None)
        none = await audit.listing(session, action="export")

    assert pages == [[4, 3], [2, 1], [0]]
    assert [entry.detail["case"] for entry in mine] == [3, 1]
    assert [entry.detail["case"] for entry in later] == [4, 3, 2]
    assert none == []


async def test_the_last_rules_file_entry_is_of_that_file(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        for minute, name, digest in ((0, "a.toml", "1"), (1, "b.toml", "2"), (2, "a.toml", "3")):
            await audit.record(
                session,
                actor="system",
                action=audit.RULES_FILE,
                now=START + timedelta(minutes=minute),
                detail={"file": name, "sha256": digest, "previous": None},
            )

    async with services.sessions() as session:
        a = await audit.last_rules_file(session, "a.toml")
        b = await audit.last_rules_file(session, "b.toml")
        c = await audit.last_rules_file(session, "c.toml")

    assert a is not None
    assert b is not None
    assert (a.detail["sha256"], b.detail["sha256"], c) == ("3", "2", None)


async def test_an_actor_is_found_with_or_without_its_kind(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        for actor in ("staff:U_1", "staff:UX1", "mentor:12", "person:112", "system"):
            await audit.record(session, actor=actor, action="case_taken", now=START)

    async def actors(wanted: str) -> list[str]:
        async with services.sessions() as session:
            found = await audit.listing(session, actor=wanted, limit=None)
        return sorted(entry.actor for entry in found)

    assert await actors("u_1") == ["staff:U_1"]  # "_" is not a wildcard
    assert await actors("staff:ux1") == ["staff:UX1"]
    assert await actors("12") == ["mentor:12"]
    assert await actors("System") == ["system"]
    assert await actors("%") == []


async def test_an_action_names_those_it_begins(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        for action in ("pairing_created", "pairing_closed", "pairings", "case_taken"):
            await audit.record(session, actor="system", action=action, now=START)

    async def actions(wanted: str) -> list[str]:
        async with services.sessions() as session:
            found = await audit.listing(session, action=wanted, limit=None)
        return sorted(entry.action for entry in found)

    assert await actions("pairing") == ["pairing_closed", "pairing_created"]
    assert await actions("PAIRING_CLOSED") == ["pairing_closed"]
    assert await actions("pair") == []
    assert await actions("%") == []
