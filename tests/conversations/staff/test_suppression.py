"""Small-cell suppression: nothing of 1 to 9 people published, nothing withheld that sums
and differences of what is published give back."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.staff.suppression import SUPPRESSED, PublishedTable, suppress
from conversations.staff.tables import CountTable


def table(*counts: tuple[int, ...]) -> CountTable:
    return CountTable(
        name="registrations",
        row_header="region",
        column_header="month",
        rows=tuple(f"R{index}" for index in range(len(counts))),
        columns=tuple(f"2026-{index + 1:02d}" for index in range(len(counts[0]))),
        counts=counts,
    )


def full_grid(source: CountTable) -> list[list[int]]:
    """The true figures with their totals, laid out as `PublishedTable.grid()`."""
    grid = [[*line, sum(line)] for line in source.counts]
    grid.append([sum(line[column] for line in grid) for column in range(len(grid[0]))])
    return grid


def lone_withheld_lines(published: PublishedTable) -> list[str]:
    """Rows and columns (totals included) with exactly one withheld figure."""
    grid = published.grid()
    lone = [f"row {r}" for r, line in enumerate(grid) if sum(v is None for v in line) == 1]
    lone += [
        f"column {c}" for c in range(len(grid[0])) if sum(line[c] is None for line in grid) == 1
    ]
    return lone


def recomputable(published: PublishedTable) -> list[tuple[int, int]]:
    """Withheld figures the published ones determine exactly: by linear algebra on every
    row's and column's sum, independently of how `suppress` chose them."""
    grid = published.grid()
    height, width = len(grid), len(grid[0])
    unknown = [(r, c) for r in range(height) for c in range(width) if grid[r][c] is None]
    if not unknown:
        return []
    # each line: its cells minus its total is 0 (the totals row and column included)
    equations = []
    for r in range(height):
        equations.append([(1 if c < width - 1 else -1) if u == r else 0 for u, c in unknown])
    for c in range(width):
        equations.append([(1 if r < height - 1 else -1) if v == c else 0 for r, v in unknown])
    matrix = np.array(equations, dtype=float)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for index, entry in enumerate(unknown):
        unit = np.zeros(len(unknown))
        unit[index] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(entry)
    return found


def check(source: CountTable) -> PublishedTable:
    published = suppress(source)
    truth = full_grid(source)
    for line, true_line in zip(published.grid(), truth, strict=True):
        for value, true_value in zip(line, true_line, strict=True):
            if value is not None:
                assert value == true_value
                assert value == 0 or value >= 10
            else:
                assert true_value > 0  # true zeros are published
    assert lone_withheld_lines(published) == []
    assert recomputable(published) == []
    return published


counts = st.integers(min_value=1, max_value=6).flatmap(
    lambda width: st.lists(
        st.lists(
            st.one_of(st.integers(0, 12), st.integers(0, 300)),
            min_size=width,
            max_size=width,
        ),
        min_size=1,
        max_size=6,
    )
)


@settings(max_examples=300, deadline=None)
@given(counts)
def test_no_withheld_figure_can_be_recomputed(lines: list[list[int]]) -> None:
    check(table(*(tuple(line) for line in lines)))


def test_a_small_cell_and_its_complement() -> None:
    published = check(table((5, 20, 30), (40, 50, 60), (15, 3, 70)))

    assert published.lines() == [
        # 5 is small; 20, the smallest other figure of its row, goes with it
        ["R0", SUPPRESSED, SUPPRESSED, 30, 55],
        ["R1", 40, 50, 60, 150],
        # 3 is small, and protects 20's column; 15 protects 5's column and 3's row
        ["R2", SUPPRESSED, SUPPRESSED, 70, 88],
        ["total", 60, 73, 160, 293],
    ]
    assert published.header() == ["region", "2026-01", "2026-02", "2026-03", "total"]


def test_zeros_are_published_and_never_used_as_complements() -> None:
    # 4 alone in its row: the zero beside it would protect nothing (counts are never
    # negative), so the total is withheld with it, and 4's column needs a second one too
    published = check(table((4, 0), (30, 12)))

    assert published.lines() == [
        ["R0", SUPPRESSED, 0, SUPPRESSED],
        ["R1", SUPPRESSED, 12, SUPPRESSED],
        ["total", 34, 12, 46],
    ]


def test_a_small_row_total_is_withheld_and_its_column_protected() -> None:
    published = check(table((3, 4), (50, 60), (70, 80)))

    grid = published.grid()
    assert grid[0] == (None, None, None)
    # 7 is withheld; in its column of row totals, 110 goes with it: through 50, the
    # cheapest way back to 3's column (fewest people withheld)
    assert [line[2] for line in grid] == [None, None, 150, 267]
    assert grid[1] == (None, None, None)


def test_two_protected_blocks_joined_by_one_figure_are_protected_too() -> None:
    # "two withheld in every row and column" is not enough: a figure joining two
    # rectangles of withheld figures is recomputable; the table is checked by algebra
    published = check(
        table(
            (1, 2, 100, 100),
            (3, 4, 5, 100),
            (100, 100, 6, 7),
            (100, 100, 8, 9),
        )
    )

    # 5 has two withheld figures in its row and in its column, yet was recomputable
    assert published.withheld > 9


def test_an_export_where_every_cell_is_small() -> None:
    published = check(table((1, 2, 3), (4, 5, 6), (7, 8, 9)))

    # every cell withheld, and the totals under 10; the totals of 10 or more stay
    assert published.lines() == [
        ["R0", SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED],
        ["R1", SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED],
        ["R2", SUPPRESSED, SUPPRESSED, SUPPRESSED, 24],
        ["total", 12, 15, 18, 45],
    ]


def test_nothing_small_nothing_withheld() -> None:
    published = check(table((10, 0), (25, 300)))

    assert published.withheld == 0
    assert published.lines()[-1] == ["total", 35, 300, 335]


def test_a_table_of_zeros_is_published_as_it_is() -> None:
    published = check(table((0, 0), (0, 0)))

    assert published.withheld == 0
    assert published.total == 0


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress(table((-1, 20)))
