"""Reading a partner's spreadsheet of mentors or youths (`mentorbot import`): the file's
bytes in, typed records and rejected rows out. Pure: nothing here touches the database
(`import_plan` checks the records against it and writes them).

- Encoding: UTF-8 with or without a byte order mark, else Windows-1252 (a French Excel
  export); an encoding the operator gives wins, and a file not valid in it is refused with
  the line and byte where it breaks.
- Delimiter: comma or semicolon (French Excel), found by `csv.Sniffer` on the header line.
- Headers: the documented columns, French or English names, case, accents, spaces and
  punctuation ignored ("Prénom", "first name", "FIRST_NAME"). A missing required column
  refuses the whole file, saying which; unknown columns are ignored (and said).
- Rows: each is a record or a rejection with the line number the spreadsheet shows (the
  header is line 1) and a reason code the command line puts into words.
- Cells: see `import_rows` (a cell starting with `=` is refused as a formula; `+ - @` are
  kept as typed and neutralised in every CSV we write).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from conversations.staff import import_rows as cells
from conversations.staff.import_rows import CellError
from storage.imports import NewMentor, NewYouth

__all__ = [
    "MENTOR_COLUMNS",
    "YOUTH_COLUMNS",
    "Column",
    "FileError",
    "Parsed",
    "People",
    "Record",
    "Rejection",
    "decode",
    "delimiter_of",
    "read",
]

# a partner's file is a few thousand rows; past this it is not the file they meant
MAX_ROWS = 100_000
# how much of a refused cell a rejection shows
SHOWN = 40
# the encodings tried, in order, when the operator names none
UTF8, CP1252 = "utf-8", "cp1252"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class People(StrEnum):
    MENTORS = "mentors"
    YOUTHS = "youths"


@dataclass(frozen=True)
class Column:
    """A documented column: its name, the headers accepted for it, whether required."""

    name: str
    headers: tuple[str, ...]
    required: bool = False


MENTOR_COLUMNS: tuple[Column, ...] = (
    Column("email", ("email", "e_mail", "mail", "courriel", "adresse_mail", "adresse_email"), True),
    Column("first_name", ("first_name", "firstname", "prenom", "given_name"), True),
    Column("slack_id", ("slack_id", "slack", "slack_user_id", "identifiant_slack", "id_slack")),
    Column("company", ("company", "entreprise", "societe", "employeur", "employer")),
    Column("sector", ("sector", "secteur", "secteur_d_activite")),
    Column("expertise", ("expertise", "expertises", "competences", "skills")),
    Column("region", ("region",)),
    Column("capacity", ("capacity", "capacite", "nombre_de_jeunes", "mentees")),
    Column("languages", ("languages", "language", "langues", "langue")),
    Column("remote", ("remote", "a_distance", "distanciel", "distance")),
)
YOUTH_COLUMNS: tuple[Column, ...] = (
    MENTOR_COLUMNS[0],
    MENTOR_COLUMNS[1],
    Column("birth_date", ("birth_date", "date_of_birth", "birthdate", "date_de_naissance")),
    Column("region", ("region",)),
    Column("diploma", ("diploma", "diplome", "niveau_de_diplome", "dernier_diplome")),
    Column(
        "field",
        ("field", "study_field", "field_of_study", "domaine", "filiere", "domaine_d_etudes"),
    ),
    Column("source", ("source", "partner", "partenaire", "agence", "structure", "prescripteur")),
)
COLUMNS: Mapping[People, tuple[Column, ...]] = {
    People.MENTORS: MENTOR_COLUMNS,
    People.YOUTHS: YOUTH_COLUMNS,
}


class FileError(Exception):
    """The whole file is refused: `reason` is a code, `values` what the message shows."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


@dataclass(frozen=True)
class Rejection:
    """A row not imported: its line (as the spreadsheet numbers it), why, and where."""

    line: int
    reason: str
    # the column as the file names it, and the start of the cell (shown through `safe()`)
    column: str = ""
    value: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Record:
    """A row read into a person to create."""

    line: int
    person: NewMentor | NewYouth

    @property
    def email(self) -> str:
        return self.person.email


@dataclass(frozen=True)
class Parsed:
    """A file read: who it is about, the records, the rejected rows, what was noticed."""

    people: People
    records: tuple[Record, ...]
    rejections: tuple[Rejection, ...]
    encoding: str
    delimiter: str
    # codes of things the operator should know ("ignored_columns", "looks_utf8") -> values
    notices: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(self.records) + len(self.rejections)


# ---------------------------------------------------------------- bytes to text


def _where(data: bytes, offset: int) -> dict[str, object]:
    line = data.count(b"\n", 0, offset) + 1
    return {"line": line, "byte": f"0x{data[offset]:02X}", "offset": offset}


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used). Without `encoding`: UTF-8 (a byte order mark is dropped),
    else Windows-1252. Raises `FileError` naming the line and byte that is not valid."""
    if data.startswith(_UTF16_BOMS):
        raise FileError("utf16")
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise FileError("unknown_encoding", encoding=encoding) from None
        except UnicodeDecodeError as error:
            raise FileError("undecodable", encoding=encoding, **_where(data, error.start)) from None
        return text.removeprefix("\ufeff"), encoding
    try:
        return data.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(CP1252), CP1252
    except UnicodeDecodeError as error:
        raise FileError(
            "undecodable", encoding="UTF-8 / Windows-1252", **_where(data, error.start)
        ) from None


def _looks_utf8(data: bytes, encoding: str) -> bool:
    """A declared 8-bit encoding for a file that is valid UTF-8 with accents: "Ã©" likely."""
    if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
        return False
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def delimiter_of(header: str) -> str:
    """`,` or `;`, as `csv.Sniffer` reads the header line (the more frequent one if it
    cannot tell)."""
    try:
        return csv.Sniffer().sniff(header, delimiters=",;").delimiter
    except csv.Error:
        return ";" if header.count(";") > header.count(",") else ","


# ---------------------------------------------------------------- headers


def header_key(text: str) -> str:
    """A header as compared: lower case, no accents, words joined by `_`."""
    plain = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return "_".join(words)


def _columns(header: list[str], people: People) -> tuple[dict[str, int], list[str]]:
    """Column name -> its index in the file, and the headers ignored."""
    known = {alias: column for column in COLUMNS[people] for alias in column.headers}
    found: dict[str, int] = {}
    ignored: list[str] = []
    for index, text in enumerate(header):
        column = known.get(header_key(text))
        if column is None:
            if text.strip():
                ignored.append(text.strip()[:SHOWN])
            continue
        if column.name in found:
            raise FileError("duplicate_column", column=column.name)
        found[column.name] = index
    missing = [c.name for c in COLUMNS[people] if c.required and c.name not in found]
    if missing:
        raise FileError("missing_columns", columns=", ".join(missing))
    return found, ignored


# ---------------------------------------------------------------- rows

Cells = Mapping[str, str | None]
T = TypeVar("T")


def _mentor(cell: Cells, _today: date) -> NewMentor:
    return NewMentor(
        email=cells.read_email(_required(cell, "email")),
        first_name=_required(cell, "first_name"),
        slack_id=_maybe(cell, "slack_id", cells.read_slack_id),
        company=cell.get("company"),
        sector=cell.get("sector"),
        expertise=cell.get("expertise"),
        region=_maybe(cell, "region", cells.read_region),
        capacity=_maybe(cell, "capacity", cells.read_capacity) or 1,
        languages=_maybe(cell, "languages", cells.read_languages) or (),
        remote=_or(_maybe(cell, "remote", cells.read_yes_no), default=True),
    )


def _youth(cell: Cells, today: date) -> NewYouth:
    address = cells.read_email(_required(cell, "email"))
    region = _maybe(cell, "region", cells.read_region)
    # the keys the eligibility questions store their answers under: asked no more
    answers = {
        "birth_date": _maybe(cell, "birth_date", lambda text: cells.read_birth_date(text, today)),
        "diploma": _maybe(cell, "diploma", cells.read_diploma),
        "region": region,
        "field": cell.get("field"),
        "email": address,
    }
    return NewYouth(
        email=address,
        first_name=_required(cell, "first_name"),
        region=region,
        source=cell.get("source"),
        answers={key: value for key, value in answers.items() if value is not None},
    )


def _required(cell: Cells, column: str) -> str:
    """A required cell (`_row` refuses the row before when it is empty)."""
    return cell.get(column) or ""


def _or(value: bool | None, *, default: bool) -> bool:
    return default if value is None else value


def _maybe(cell: Cells, column: str, reader: Callable[[str], T]) -> T | None:
    text = cell.get(column)
    if text is None:
        return None
    try:
        return reader(text)
    except CellError as error:
        error.values.setdefault("column", column)
        raise


_BUILD: Mapping[People, Callable[[Cells, date], NewMentor | NewYouth]] = {
    People.MENTORS: _mentor,
    People.YOUTHS: _youth,
}


def _row(
    line: int,
    row: list[str],
    columns: Mapping[str, int],
    headers: list[str],
    people: People,
    today: date,
) -> Record | Rejection:
    cell: dict[str, str | None] = {}
    extra = [text for text in row[len(headers) :] if text.strip()]
    if extra:
        # more cells than headers: a separator inside a value that is not quoted
        return Rejection(line, "too_many_cells", value=extra[0][:SHOWN])
    for name, index in columns.items():
        raw = row[index] if index < len(row) else ""
        try:
            cell[name] = cells.clean_cell(raw, name)
        except CellError as error:
            return Rejection(line, error.reason, headers[index], _shown(raw), error.values)
    for column in COLUMNS[people]:
        if column.required and cell.get(column.name) is None:
            return Rejection(line, "missing_value", headers[columns[column.name]])
    try:
        return Record(line, _BUILD[people](cell, today))
    except CellError as error:
        name = str(error.values.get("column", "email"))
        index = columns[name]
        return Rejection(line, error.reason, headers[index], _shown(row[index]), error.values)


def _shown(raw: str) -> str:
    text = " ".join(raw.split())
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def read(data: bytes, people: People, *, today: date, encoding: str | None = None) -> Parsed:
    """Read a file of mentors or youths. Raises `FileError` when the whole file is refused
    (encoding, no header, a required column missing...); each bad row is a `Rejection`, a
    person twice in the file too (by normalised email: the first one is kept)."""
    text, used = decode(data, encoding)
    header_line = text.split("\n", 1)[0]
    if not header_line.strip():
        raise FileError("empty")
    delimiter = delimiter_of(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        columns, ignored = _columns(header, people)
        records: list[Record] = []
        rejections: list[Rejection] = []
        first_line: dict[str, int] = {}
        # line 1 is the header; a cell with line breaks is still one spreadsheet row
        for line, row in enumerate(reader, start=2):
            if line > MAX_ROWS + 1:
                raise FileError("too_many_rows", limit=MAX_ROWS)
            if not any(text.strip() for text in row):
                continue
            read_row = _row(line, row, columns, header, people, today)
            if isinstance(read_row, Rejection):
                rejections.append(read_row)
            elif read_row.email in first_line:
                rejections.append(
                    Rejection(
                        line,
                        "duplicate_in_file",
                        header[columns["email"]],
                        _shown(read_row.email),
                        {"first_line": first_line[read_row.email]},
                    )
                )
            else:
                first_line[read_row.email] = line
                records.append(read_row)
    except csv.Error as error:
        raise FileError("malformed", line=reader.line_num, detail=str(error)[:80]) from None
    except StopIteration:
        raise FileError("empty") from None
    notices: dict[str, Mapping[str, Any]] = {}
    if ignored:
        notices["ignored_columns"] = {"columns": ", ".join(ignored)}
    if encoding is not None and _looks_utf8(data, used):
        notices["looks_utf8"] = {"encoding": encoding}
    return Parsed(
        people=people,
        records=tuple(records),
        rejections=tuple(rejections),
        encoding=used,
        delimiter=delimiter,
        notices=notices,
    )
