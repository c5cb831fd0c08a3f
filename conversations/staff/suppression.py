"""Small-cell suppression of a table of counts before it leaves the programme (the funders'
export): no published figure describes 1 to 9 people, and no withheld figure can be worked
out exactly from the totals and the figures published, as official statistics do.

The table is published with its totals: one per row, one per column, the grand total.
Think of it as a grid one row and one column larger, where each row and each column adds
up (the cells of a row make its total, the row totals make the grand total...).

- Primary suppression: every cell and every total counting 1 to 9 people is withheld.
- True zeros are published. A zero says nobody, which is what funders need to read (no
  exit of that kind in that region); and a withheld zero would protect nothing, since
  counts are never negative: in a line whose withheld figures add up to 0, each of them
  is known to be 0, and whatever they were meant to hide is back in the open.
- Complementary suppression: a withheld figure can be recomputed exactly when the
  equations of its rows and columns pin it down. Seen as a graph (a node per row, a node
  per column, an edge per withheld figure, totals included), that happens exactly when the
  edge lies on no cycle (a bridge): a figure alone withheld in its row is one, but so is
  a figure linking two separate rectangles of withheld figures, which the rule "at least
  two withheld per row and per column" misses. So, until no withheld figure is a bridge,
  the bridge found first is put on a cycle by withholding the published figures of the
  cheapest other path between its row and its column: fewest people first (less
  information lost), then fewest figures, never a zero (see above). Such a path always
  exists through the totals, and withholding more never turns a protected figure back
  into a bridge, so this ends.
- Every withheld figure is shown the same way, `<10`, primary or complementary alike: two
  marks would tell which withheld figure hides 1 to 9 people and which one hides 10 or
  more, and that alone lets the small one be recomputed (a row `1, 10` of total 11).

This protects against exact recomputation by sums and differences, the rule the issue
sets; it does not promise that no range can be narrowed (a withheld figure always lies
between 0 and its row's total).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass

from conversations.staff.tables import CountTable

__all__ = ["SUPPRESSED", "THRESHOLD", "TOTAL", "PublishedTable", "suppress"]

# programme rule (issue 11): no published figure describes fewer than 10 people
THRESHOLD = 10
# how a withheld figure is shown, whichever the reason
SUPPRESSED = "<10"
# the label of the totals row and column
TOTAL = "total"

# an entry of the grid with totals: (row, column); row len(rows) is the column totals,
# column len(columns) the row totals
Entry = tuple[int, int]


@dataclass(frozen=True)
class PublishedTable:
    """A `CountTable` with its totals, ready to publish: `None` is a withheld figure."""

    name: str
    row_header: str
    column_header: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    total: int | None

    def grid(self) -> tuple[tuple[int | None, ...], ...]:
        """The figures with their totals: each row then its total, the totals row last."""
        body = tuple(
            (*line, total) for line, total in zip(self.cells, self.row_totals, strict=True)
        )
        return (*body, (*self.column_totals, self.total))

    def header(self) -> list[str]:
        """The first line of the file: what the rows are, the columns, `total`."""
        return [self.row_header, *self.columns, TOTAL]

    def lines(self) -> list[list[str | int]]:
        """Each row's label and figures, the totals row last, `<10` where withheld."""
        labels = (*self.rows, TOTAL)
        return [
            [label, *(SUPPRESSED if value is None else value for value in line)]
            for label, line in zip(labels, self.grid(), strict=True)
        ]

    @property
    def withheld(self) -> int:
        """How many figures (totals included) are withheld."""
        return sum(value is None for line in self.grid() for value in line)


def _with_totals(table: CountTable) -> list[list[int]]:
    grid = [[*line, sum(line)] for line in table.counts]
    width = len(table.columns) + 1
    grid.append([sum(line[column] for line in grid) for column in range(width)])
    return grid


def _nodes(entry: Entry, height: int) -> tuple[int, int]:
    """The graph's two nodes an entry joins: its row, and its column (numbered after the
    rows)."""
    return entry[0], height + entry[1]


def _connected(withheld: set[Entry], start: int, goal: int, height: int, skip: Entry) -> bool:
    """Whether `start` reaches `goal` through withheld entries other than `skip`."""
    neighbours: dict[int, list[int]] = {}
    for entry in withheld - {skip}:
        row, column = _nodes(entry, height)
        neighbours.setdefault(row, []).append(column)
        neighbours.setdefault(column, []).append(row)
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for other in neighbours.get(node, ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return False


def _bridges(withheld: set[Entry], height: int) -> Iterator[Entry]:
    """Withheld entries on no cycle of withheld entries, in grid order: recomputable."""
    for entry in sorted(withheld):
        row, column = _nodes(entry, height)
        if not _connected(withheld, row, column, height, entry):
            yield entry


def _cheapest_path(grid: list[list[int]], withheld: set[Entry], bridge: Entry) -> list[Entry]:
    """The published entries to withhold so that `bridge` lies on a cycle: the path from
    its row to its column (not through it) costing fewest people, then fewest entries;
    withheld entries are free, zeros unusable."""
    height, width = len(grid), len(grid[0])
    start, goal = _nodes(bridge, height)
    best: dict[int, tuple[int, int]] = {start: (0, 0)}
    came: dict[int, tuple[int, Entry]] = {}
    queue: list[tuple[int, int, int]] = [(0, 0, start)]
    while queue:
        people, entries, node = heapq.heappop(queue)
        if node == goal:
            break
        if (people, entries) > best[node]:
            continue
        if node < height:
            steps = [((node, column), height + column) for column in range(width)]
        else:
            steps = [((row, node - height), row) for row in range(height)]
        for entry, other in steps:
            value = grid[entry[0]][entry[1]]
            if entry == bridge or value == 0:
                continue
            free = entry in withheld
            cost = (people + (0 if free else value), entries + (0 if free else 1))
            if other not in best or cost < best[other]:
                best[other] = cost
                came[other] = (node, entry)
                heapq.heappush(queue, (*cost, other))
    path: list[Entry] = []
    node = goal
    while node != start:
        node, entry = came[node]
        if entry not in withheld:
            path.append(entry)
    return path


def _withhold(grid: list[list[int]], threshold: int) -> set[Entry]:
    withheld = {
        (row, column)
        for row, line in enumerate(grid)
        for column, value in enumerate(line)
        if 0 < value < threshold
    }
    while bridge := next(_bridges(withheld, len(grid)), None):
        withheld.update(_cheapest_path(grid, withheld, bridge))
    return withheld


def suppress(table: CountTable, *, threshold: int = THRESHOLD) -> PublishedTable:
    """`table` with its totals, every figure of 1 to `threshold - 1` people withheld, and
    enough others that none of them can be recomputed (see the module's docstring)."""
    if any(value < 0 for line in table.counts for value in line):
        raise ValueError(f"table {table.name}: a negative count")
    grid = _with_totals(table)
    withheld = _withhold(grid, threshold)
    shown = [
        [None if (row, column) in withheld else value for column, value in enumerate(line)]
        for row, line in enumerate(grid)
    ]
    return PublishedTable(
        name=table.name,
        row_header=table.row_header,
        column_header=table.column_header,
        rows=table.rows,
        columns=table.columns,
        cells=tuple(tuple(line[:-1]) for line in shown[:-1]),
        row_totals=tuple(line[-1] for line in shown[:-1]),
        column_totals=tuple(shown[-1][:-1]),
        total=shown[-1][-1],
    )
