"""The rules and weights files noticed at start: an audit entry when one is new or changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.container import Services
from conversations.rules.matching import DEFAULT_MATCHING_PATH
from conversations.staff.rule_files import notice_rule_files
from storage import audit
from tests.conftest import START


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def notice(services: Services, files: dict[str, Path]) -> list[str]:
    async with services.sessions() as session, session.begin():
        return await notice_rule_files(session, files, START)


async def entries(services: Services) -> list[tuple[str, str, dict[str, object]]]:
    async with services.sessions() as session:
        found = await audit.listing(session, action="rules_file", limit=None)
    return [(entry.actor, entry.action, entry.detail) for entry in reversed(found)]


async def test_first_seen_then_unchanged_then_changed(services: Services, tmp_path: Path) -> None:
    rules = tmp_path / "eligibility.toml"
    weights = tmp_path / "matching.toml"
    rules.write_text("max_age = 30\n")
    weights.write_text("region = 2\n")
    files = {"eligibility.toml": rules, "matching.toml": weights}

    assert await notice(services, files) == ["eligibility.toml", "matching.toml"]
    assert await notice(services, files) == []
    weights.write_text("region = 3\n")
    assert await notice(services, files) == ["matching.toml"]

    assert await entries(services) == [
        (
            "system",
            "rules_file",
            {"file": "eligibility.toml", "sha256": sha("max_age = 30\n"), "previous": None},
        ),
        (
            "system",
            "rules_file",
            {"file": "matching.toml", "sha256": sha("region = 2\n"), "previous": None},
        ),
        (
            "system",
            "rules_file",
            {
                "file": "matching.toml",
                "sha256": sha("region = 3\n"),
                "previous": sha("region = 2\n"),
            },
        ),
    ]


async def test_going_back_to_an_earlier_version_is_a_change(
    services: Services, tmp_path: Path
) -> None:
    rules = tmp_path / "eligibility.toml"
    files = {"eligibility.toml": rules}
    for text in ("a = 1\n", "a = 2\n", "a = 1\n"):
        rules.write_text(text)
        assert await notice(services, files) == ["eligibility.toml"]

    assert [detail["previous"] for _, _, detail in await entries(services)] == [
        None,
        sha("a = 1\n"),
        sha("a = 2\n"),
    ]


async def test_a_file_not_there_is_skipped(services: Services, tmp_path: Path) -> None:
    assert await notice(services, {"matching.toml": tmp_path / "missing.toml"}) == []
    assert await entries(services) == []


async def test_the_packaged_rules_files_are_noticed(services: Services) -> None:
    files = {
        "eligibility.toml": services.settings.rules_file,
        "matching.toml": DEFAULT_MATCHING_PATH,
    }

    assert await notice(services, files) == ["eligibility.toml", "matching.toml"]
