"""CSV files a spreadsheet opens safely: cells that would run as formulas neutralised, and
one way of writing every CSV the product produces (for funders or for staff).

What a spreadsheet runs: Excel, LibreOffice and Google Sheets read a cell starting with
`=`, `+`, `-` or `@` as a formula (`=HYPERLINK(...)`, `@SUM(...)`, `-2+3`), and a leading
tab or carriage return can hide such a start from a first look while some importers still
run it (OWASP, "CSV Injection"). Such a text cell gets a leading `'`, the character
spreadsheets themselves use for "this is text": `'=1+1` shows as `=1+1` and runs nothing.

Only text is neutralised. Numbers the product writes itself (`int`, `float`, `Decimal`)
stay numbers, negative ones included: `-3` is a number to every spreadsheet, never a
formula, and a count must stay summable. A number typed by a person arrives as text
(`"-3"` from a CSV or a form) and is neutralised like any text.

The files: UTF-8 with a byte order mark, so Excel (which otherwise guesses Windows-1252)
shows accents right; comma separated, fields quoted only when needed, lines ending in
CRLF (RFC 4180): what Excel, LibreOffice and pandas read without being asked anything.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from enum import Enum
from numbers import Number
from pathlib import Path
from typing import TextIO

__all__ = ["ENCODING", "FORMULA_STARTS", "safe_cell", "write_csv"]

# a cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# UTF-8 with a byte order mark: Excel reads accents right only with it
ENCODING = "utf-8-sig"


def safe_cell(value: object) -> str:
    """`value` as a CSV cell: `None` empty, a boolean `yes`/`no`, a number as written, any
    other value as its text with a leading `'` when it starts like a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Number):
        # numbers the product computed: never a formula, even negative
        return str(value)
    text = str(value.value) if isinstance(value, Enum) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _write(out: TextIO, header: Sequence[object], rows: Iterable[Sequence[object]]) -> int:
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in header])
    written = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        written += 1
    return written


def write_csv(
    target: Path | TextIO, header: Sequence[object], rows: Iterable[Sequence[object]]
) -> int:
    """Write `header` then `rows`, every cell through `safe_cell`; the number of rows written.

    A path is written in UTF-8 with a byte order mark, whole or not at all: into a file
    beside it, renamed over it once complete, so a failure (a full disk, a bad row) never
    leaves half a file where the previous one was. A stream (standard output, a buffer) is
    written as it is, in the encoding its owner chose. `OSError` when the path cannot be
    written.
    """
    if not isinstance(target, Path):
        return _write(target, header, rows)
    partial = target.with_name(target.name + ".part")
    try:
        with partial.open("w", encoding=ENCODING, newline="") as out:
            written = _write(out, header, rows)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return written
