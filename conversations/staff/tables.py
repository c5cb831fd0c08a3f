"""A table of counts of people, by row (a region) and column (a month, a kind): what the
programme report shows and the funders' export writes, after small-cell suppression."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CountTable"]


@dataclass(frozen=True)
class CountTable:
    """`counts[r][c]` people for row `rows[r]` and column `columns[c]`. Rows and columns
    partition the people counted (each person in one cell at most), so row and column totals
    are sums: what complementary suppression protects against."""

    # the CSV file's stem, e.g. "registrations"
    name: str
    # the header of the row labels ("region") and what the columns are ("month", "kind")
    row_header: str
    column_header: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        if len(self.counts) != len(self.rows) or any(
            len(line) != len(self.columns) for line in self.counts
        ):
            raise ValueError(f"table {self.name}: counts do not match rows and columns")
