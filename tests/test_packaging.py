"""Dependency floors stay above releases with published vulnerabilities."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# package -> the first release without the known vulnerabilities we track
FIXED = {"jinja2": (3, 1, 6), "aiohttp": (3, 12, 14)}


def _floor(requirement: str) -> tuple[int, ...] | None:
    found = re.search(r">=\s*([0-9][0-9.]*)", requirement)
    return tuple(int(part) for part in found.group(1).split(".")) if found else None


def test_dependency_floors_are_above_known_fixes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    floors: dict[str, tuple[int, ...] | None] = {}
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0].lower()
        floors[name] = _floor(requirement)
    for package, fixed in FIXED.items():
        floor = floors.get(package)
        assert floor is not None, f"{package} has no floor"
        assert floor >= fixed, f"{package}>={'.'.join(map(str, floor))} allows vulnerable releases"
