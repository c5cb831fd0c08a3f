"""French regions offered to youths (labels live in the templates: `region.<code>`)."""

from __future__ import annotations

# Metropolitan regions, then overseas ones; overseas departments have their own time zone.
REGION_TIMEZONES: dict[str, str] = {
    "ara": "Europe/Paris",  # Auvergne-Rhône-Alpes
    "bfc": "Europe/Paris",  # Bourgogne-Franche-Comté
    "bre": "Europe/Paris",  # Bretagne
    "cvl": "Europe/Paris",  # Centre-Val de Loire
    "cor": "Europe/Paris",  # Corse
    "ges": "Europe/Paris",  # Grand Est
    "hdf": "Europe/Paris",  # Hauts-de-France
    "idf": "Europe/Paris",  # Île-de-France
    "nor": "Europe/Paris",  # Normandie
    "naq": "Europe/Paris",  # Nouvelle-Aquitaine
    "occ": "Europe/Paris",  # Occitanie
    "pdl": "Europe/Paris",  # Pays de la Loire
    "pac": "Europe/Paris",  # Provence-Alpes-Côte d'Azur
    "gua": "America/Guadeloupe",
    "mtq": "America/Martinique",
    "guf": "America/Cayenne",
    "reu": "Indian/Reunion",
    "myt": "Indian/Mayotte",
}

REGIONS: tuple[str, ...] = tuple(REGION_TIMEZONES)

# Official names, used as button labels and to understand a typed answer.
REGION_NAMES: dict[str, str] = {
    "ara": "Auvergne-Rhône-Alpes",
    "bfc": "Bourgogne-Franche-Comté",
    "bre": "Bretagne",
    "cvl": "Centre-Val de Loire",
    "cor": "Corse",
    "ges": "Grand Est",
    "hdf": "Hauts-de-France",
    "idf": "Île-de-France",
    "nor": "Normandie",
    "naq": "Nouvelle-Aquitaine",
    "occ": "Occitanie",
    "pdl": "Pays de la Loire",
    "pac": "Provence-Alpes-Côte d'Azur",
    "gua": "Guadeloupe",
    "mtq": "Martinique",
    "guf": "Guyane",
    "reu": "La Réunion",
    "myt": "Mayotte",
}

# Other ways people write them (normalised: lower case, no accents).
REGION_ALIASES: dict[str, str] = {
    "paris": "idf",
    "ile de france": "idf",
    "brittany": "bre",
    "normandy": "nor",
    "corsica": "cor",
    "paca": "pac",
    "provence": "pac",
    "reunion": "reu",
    "french guiana": "guf",
    "guyane francaise": "guf",
    "auvergne rhone alpes": "ara",
    "bourgogne franche comte": "bfc",
    "centre val de loire": "cvl",
    "hauts de france": "hdf",
    "pays de la loire": "pdl",
    "provence alpes cote d'azur": "pac",
    "nouvelle aquitaine": "naq",
}

# Public holidays differ overseas (e.g. the abolition of slavery): `holidays` subdivisions.
REGION_HOLIDAY_SUBDIVISIONS: dict[str, str] = {
    "gua": "971",
    "mtq": "972",
    "guf": "973",
    "reu": "974",
    "myt": "976",
}
