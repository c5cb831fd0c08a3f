"""`storage.models` is the one place to import tables from: it re-exports every area module."""

from __future__ import annotations

import importlib
import pkgutil

import storage.models
from storage.models import Base


def _area_modules() -> list[str]:
    return [info.name for info in pkgutil.iter_modules(storage.models.__path__)]


def test_every_public_name_of_every_area_is_exported() -> None:
    areas = _area_modules()
    assert {"base", "people", "applications", "mentoring", "outbox", "audit"} <= set(areas)
    for area in areas:
        module = importlib.import_module(f"storage.models.{area}")
        missing = set(module.__all__) - set(storage.models.__all__)
        assert missing == set(), f"storage.models does not export {missing} of {area}"
        for name in module.__all__:
            assert getattr(storage.models, name) is getattr(module, name)


def test_every_table_is_exported() -> None:
    classes = [mapper.class_ for mapper in Base.registry.mappers]
    assert {cls.__name__ for cls in classes} <= set(storage.models.__all__)
    assert {cls.__tablename__ for cls in classes} == set(Base.metadata.tables)


def test_everything_exported_exists() -> None:
    for name in storage.models.__all__:
        assert hasattr(storage.models, name), name
