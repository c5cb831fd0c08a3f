"""The region typed instead of pressed: regions, departments, postcodes, cities, ambiguity."""

from __future__ import annotations

import pytest

from conversations.parsing import phrases
from conversations.parsing import regions as region_parsing
from conversations.parsing.regions import parse_region
from conversations.rules.regions import REGION_NAMES, REGIONS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # cities
        ("Lyon", "ara"),
        ("paris", "idf"),
        ("PARIS", "idf"),
        ("Marseille", "pac"),
        ("Lille", "hdf"),
        ("Toulouse", "occ"),
        ("Saint-Étienne", "ara"),
        ("Le Havre", "nor"),
        ("Clermont-Ferrand", "ara"),
        ("Fort-de-France", "mtq"),
        ("Ajaccio", "cor"),
        ("Mamoudzou", "myt"),
        ("j'habite à Lyon", "ara"),
        ("I live in Lille", "hdf"),
        ("Paris 16e", "idf"),
        ("Lyon 3ème", "ara"),
        # a city with its department number or postcode
        ("Marseille 13", "pac"),
        ("Marseille (13)", "pac"),
        ("Paris 75011", "idf"),
        ("Saint-Denis 93", "idf"),
        ("Saint-Denis 974", "reu"),
        ("saint denis 97400", "reu"),
        # any town, with its number after it, or with a postcode
        ("Bobigny 93", "idf"),
        ("Bobigny (93)", "idf"),
        ("93000 Bobigny", "idf"),
        ("Sevran 93270", "idf"),
        ("Vaulx-en-Velin 69", "ara"),
        # department numbers and postcodes
        ("93", "idf"),
        ("le 93", "idf"),
        ("dans le 93", "idf"),
        ("département 59", "hdf"),
        ("01", "ara"),
        ("13", "pac"),
        ("2A", "cor"),
        ("2b", "cor"),
        ("20000", "cor"),
        ("971", "gua"),
        ("972", "mtq"),
        ("973", "guf"),
        ("974", "reu"),
        ("976", "myt"),
        ("97110", "gua"),
        ("75011", "idf"),
        # department names
        ("Seine-Saint-Denis", "idf"),
        ("Val-d'Oise", "idf"),
        ("Bouches-du-Rhône", "pac"),
        ("Nord", "hdf"),
        ("Finistère", "bre"),
        ("Loire", "ara"),
        ("Loiret", "cvl"),
        ("Loire-Atlantique", "pdl"),
        ("Côtes-d’Armor", "bre"),
        # regions, official names, codes and aliases
        ("Île-de-France", "idf"),
        ("ile de france", "idf"),
        ("Ile-de-France", "idf"),
        ("région Île-de-France", "idf"),
        ("IDF", "idf"),
        ("Guadeloupe", "gua"),
        ("La Réunion", "reu"),
        ("réunion", "reu"),
        ("Pays de la Loire", "pdl"),
        ("Provence-Alpes-Côte d'Azur", "pac"),
        ("PACA", "pac"),
        ("Bretagne", "bre"),
        ("Brittany", "bre"),
        ("Hauts-de-France", "hdf"),
        ("Alsace", "ges"),
    ],
)
def test_parse_region(text: str, expected: str) -> None:
    assert parse_region(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "France",
        "bonjour",
        "Bobigny",  # a town we do not know, without its number
        "Saint-Denis",  # in Seine-Saint-Denis or in La Réunion?
        "Saint-Pierre",
        "Lyon 75",  # the city and the number disagree
        "Marseille 13 et Lyon 69",
        "12 rue de la Paix",  # a street number is no department
        "j'habite au 12 rue de la Paix",
        "12 rue de la Paix 75002 Paris",
        "1",  # single digits are button numbers, not departments
        "00",
        "96",
        "975",  # Saint-Pierre-et-Miquelon: not a region of the programme
        "97500",
        "98000",  # Monaco
        "123",
        "²³",
        "٩٣",  # Arabic-Indic digits
        "９３",  # full-width digits
        "Bobigny ⁹³",
        "{{ 93 }}",
        "<b>Lyon</b>",
        "Lyon " * 1000,
        "9" * 5000,
    ],
)
def test_parse_region_unrecognised(text: str) -> None:
    assert parse_region(text) is None


def test_every_department_has_a_region() -> None:
    departments = phrases.table("regions", "departments")
    expected = {f"{number:02d}" for number in range(1, 96) if number != 20}
    expected |= {"2a", "2b", "971", "972", "973", "974", "976"}
    assert expected <= set(departments)
    assert set(departments.values()) <= set(REGIONS)
    assert {parse_region(number) for number in expected} == set(REGIONS)


def test_every_region_name_and_code_is_understood() -> None:
    for code, name in REGION_NAMES.items():
        assert parse_region(name) == code
        assert parse_region(code) == code
        assert parse_region(code.upper()) == code


def test_a_name_in_two_regions_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # "paris" is an alias of idf in conversations.rules.regions
    monkeypatch.setattr(region_parsing, "_checked", lambda _key: {"paris": "ara"})
    with pytest.raises(phrases.PhraseError, match="paris"):
        region_parsing._names.__wrapped__()


def test_an_unknown_region_code_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(region_parsing.phrases, "table", lambda _section, _key: {"lyon": "xyz"})
    with pytest.raises(phrases.PhraseError, match="xyz"):
        region_parsing._checked("names")
