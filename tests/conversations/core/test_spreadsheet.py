"""CSV cells no spreadsheet runs, and the files every CSV writer produces."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import pytest

from conversations.core.spreadsheet import safe_cell, write_csv


class Colour(StrEnum):
    RED = "=red"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        pytest.param("=1+1", "'=1+1", id="equals"),
        pytest.param('=HYPERLINK("http://evil.example","Click")', "'=HYPERLINK(", id="link"),
        pytest.param("+33 6 12", "'+33 6 12", id="plus"),
        pytest.param("-2+3", "'-2+3", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\t=1", "'\t=1", id="tab"),
        pytest.param("\r=1", "'\r=1", id="carriage-return"),
        pytest.param("-3", "'-3", id="number-typed-as-text"),
        pytest.param(Colour.RED, "'=red", id="enum-of-text"),
    ],
)
def test_text_starting_like_a_formula_is_neutralised(value: object, cell: str) -> None:
    assert safe_cell(value).startswith(cell)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        pytest.param("Inès", "Inès", id="text"),
        pytest.param("a=b", "a=b", id="formula-sign-inside"),
        pytest.param("<10", "<10", id="withheld"),
        pytest.param(-3, "-3", id="negative-int"),
        pytest.param(-2.5, "-2.5", id="negative-float"),
        pytest.param(Decimal("-1.50"), "-1.50", id="decimal"),
        pytest.param(0, "0", id="zero"),
        pytest.param(True, "yes", id="true"),
        pytest.param(False, "no", id="false"),
        pytest.param(None, "", id="none"),
        pytest.param(date(2026, 11, 3), "2026-11-03", id="date"),
    ],
)
def test_other_values_are_written_as_they_are(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_a_file_opens_in_excel_with_its_accents(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"

    written = write_csv(path, ["région", "count"], [["Île-de-France", 12], ["=cmd", -1]])

    assert written == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte order mark Excel needs
    assert raw.decode("utf-8-sig") == "région,count\r\nÎle-de-France,12\r\n'=cmd,-1\r\n"


def test_cells_with_commas_quotes_and_lines_are_quoted(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"

    write_csv(path, ["a", "b"], [['Dupont, "Jo"', "two\nlines"]])

    with path.open(encoding="utf-8-sig", newline="") as source:
        assert list(csv.reader(source)) == [["a", "b"], ['Dupont, "Jo"', "two\nlines"]]


def test_the_header_is_neutralised_too(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"

    write_csv(path, ["-name"], [])

    assert path.read_bytes().decode("utf-8-sig") == "'-name\r\n"


def test_a_stream_is_written_without_a_byte_order_mark() -> None:
    out = io.StringIO()

    write_csv(out, ["a"], [["@x"]])

    assert out.getvalue() == "a\r\n'@x\r\n"


def test_a_failure_leaves_the_previous_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, ["a"], [["old"]])

    def rows() -> list[list[object]]:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_csv(path, ["a"], (row for row in rows()))

    assert path.read_bytes().decode("utf-8-sig") == "a\r\nold\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_directory_that_is_not_there_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_csv(tmp_path / "missing" / "out.csv", ["a"], [])
