"""Quiet hours, weekends and public holidays, in each person's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from conversations.rules.calendar import Place, SendingWindow, is_holiday, is_open, next_open

PARIS = Place(ZoneInfo("Europe/Paris"))
WINDOW = SendingWindow()


def paris(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        (paris(2026, 11, 2, 8, 59), False),  # Monday before 9:00
        (paris(2026, 11, 2, 9, 0), True),
        (paris(2026, 11, 2, 18, 59), True),
        (paris(2026, 11, 2, 19, 0), False),
        (paris(2026, 11, 7, 10, 0), False),  # Saturday
        (paris(2026, 11, 11, 10, 0), False),  # Armistice Day
        (paris(2026, 12, 25, 10, 0), False),  # Christmas
        (paris(2026, 5, 27, 10, 0), True),  # abolition of slavery: not a holiday in Paris
    ],
)
def test_is_open_in_paris(when: datetime, open_: bool) -> None:
    assert is_open(when, WINDOW, PARIS) is open_


def test_next_open_waits_for_the_morning_and_skips_weekend_and_holiday() -> None:
    # Tuesday 10 Nov 2026, 20:00 -> Wednesday 11 is Armistice Day -> Thursday 12 at 9:00
    assert next_open(paris(2026, 11, 10, 20, 0), WINDOW, PARIS) == paris(2026, 11, 12, 9, 0)
    # Friday evening -> Monday morning
    assert next_open(paris(2026, 11, 6, 19, 30), WINDOW, PARIS) == paris(2026, 11, 9, 9, 0)
    # early morning the same day
    assert next_open(paris(2026, 11, 2, 6, 0), WINDOW, PARIS) == paris(2026, 11, 2, 9, 0)
    # already open: now
    assert next_open(paris(2026, 11, 2, 12, 0), WINDOW, PARIS) == paris(2026, 11, 2, 12, 0)


def test_overseas_time_zone_and_holidays() -> None:
    reunion = Place.of_region("reu", ZoneInfo("Europe/Paris"))
    assert str(reunion.zone) == "Indian/Reunion"
    # 7:00 UTC is 11:00 in La Réunion, 8:00 in Paris
    when = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    assert is_open(when, WINDOW, reunion)
    assert not is_open(when, WINDOW, PARIS)
    # 20 December: abolition of slavery in La Réunion only
    assert is_holiday(date(2026, 12, 20), "974")
    assert not is_holiday(date(2026, 12, 20), None)
    guadeloupe = Place.of_region("gua", ZoneInfo("Europe/Paris"))
    assert not is_open(datetime(2026, 5, 27, 15, 0, tzinfo=UTC), WINDOW, guadeloupe)


def test_daylight_saving_change() -> None:
    # Sunday 29 March 2026 clocks go forward; Monday 9:00 Paris is 7:00 UTC
    assert next_open(paris(2026, 3, 28, 12, 0), WINDOW, PARIS) == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC
    )


def test_unknown_region_uses_the_programme_zone() -> None:
    assert Place.of_region(None, ZoneInfo("Europe/Paris")) == PARIS
    assert Place.of_region("atlantis", ZoneInfo("Europe/Paris")) == PARIS


def test_bad_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="open before"):
        SendingWindow(opens=time(19), closes=time(9))
    with pytest.raises(ValueError, match="weekday"):
        SendingWindow(weekdays=frozenset())
