"""A day and an hour found in a sentence, conservatively (French and English)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from conversations.parsing.moments import find_moment

PARIS = ZoneInfo("Europe/Paris")
# Monday 2 November 2026, 10:00 in Paris
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def paris(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("On se voit jeudi à 14h ?", paris(11, 5, 14)),
        ("jeudi 14h", paris(11, 5, 14)),
        ("3/12 à 14h30", paris(12, 3, 14, 30)),
        ("Je vous propose le jeudi 3 décembre à 14 h, ça vous va ?", paris(12, 3, 14)),
        ("Rendez-vous demain à 9h30 au café", paris(11, 3, 9, 30)),
        ("après-demain 10h", paris(11, 4, 10)),
        ("aujourd'hui 18h ?", paris(11, 2, 18)),
        ("vendredi midi", paris(11, 6, 12)),
        ("le 12 mars à 10 heures", paris(3, 12, 10, year=2027)),
        ("Thursday 2pm works for me", paris(11, 5, 14)),
        ("How about Friday at 10:30 am?", paris(11, 6, 10, 30)),
        ("December 3 at 3 pm", paris(12, 3, 15)),
        ("on the 3rd December at 3pm", paris(12, 3, 15)),
        ("tomorrow at noon", paris(11, 3, 12)),
        # today is Monday: "lundi" at an hour already past is next Monday
        ("lundi 9h", paris(11, 9, 9)),
        ("lundi 16h", paris(11, 2, 16)),
    ],
)
def test_a_day_and_an_hour_are_found(text: str, moment: datetime) -> None:
    assert find_moment(text, NOW, PARIS) == moment


@pytest.mark.parametrize(
    "text",
    [
        "Merci pour ton CV !",
        "J'ai 2 entretiens cette semaine",
        "Le poste est à 35h par semaine",
        "lundi j'ai 2h de cours",
        "lundi j'ai 8h de cours",
        "Rendez-vous pris avec France Travail",
        "à 14h",  # no day
        "jeudi",  # no hour
        "jeudi, et à 14h j'ai autre chose ce jour-là de toute façon, bref",  # too far apart
        "jeudi 14h ou vendredi 10h ?",  # two moments: none
        "lundi 3 décembre à 14h",  # the 3rd is a Thursday
        "le 31/02 à 14h",  # no such day
        "aujourd'hui 8h",  # already past
        "mardi 3h",  # not a waking hour
        "See you Monday!",
        "I work 9 to 5 on Mondays",
        "Thanks, I'll send it by Friday",
        "Je suis dispo jeudi ²h",
        "",
        "jeudi 14h " + "x" * 10_000,  # a long message is read, cheaply
    ],
)
def test_ordinary_sentences_name_no_moment(text: str) -> None:
    expected = paris(11, 5, 14) if text.startswith("jeudi 14h x") else None
    assert find_moment(text, NOW, PARIS) == expected


def test_the_moment_is_read_in_the_writers_time_zone() -> None:
    reunion = ZoneInfo("Indian/Reunion")
    found = find_moment("jeudi 14h", NOW, reunion)
    assert found == datetime(2026, 11, 5, 14, tzinfo=reunion)
    assert found is not None
    assert found.astimezone(UTC).hour == 10
