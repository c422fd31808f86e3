"""How a plan section's table (PlanSection.items as a list of rows) is laid out on a page.

Figures in a source document often survive only as rows of cells. The fixture writes them so
that the table reads as the table it was, with the source's words only:

- the first row is the header row;
- a row of one cell starts a group of rows with that cell as its heading (a row of one empty
  cell starts a group without a heading);
- a row whose first cell is empty continues the row heading of the row above it (a cell
  spanning several rows in the source);
- a row shorter than the header lets its last cell span the remaining columns.

Plain data in and out, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Row:
    heading: Cell | None  # the row's header cell; None when the heading above spans this row
    cells: list[Cell]


@dataclass
class Group:
    heading: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class TableLayout:
    header: list[str]
    groups: list[Group]

    @property
    def width(self) -> int:
        return len(self.header)


def layout(rows: list[list[str]]) -> TableLayout:
    """Rows as stored → TableLayout(header, groups of rows with spans).

    Total: any list of rows lays out (data imported from another plan must not break the page):
    a row longer than the header widens the table, and an empty first cell with no heading
    above it in its group is an empty heading.
    """
    if not rows:
        return TableLayout([], [])
    width = max(len(r) for r in rows)
    header = [str(c) for c in rows[0]] + [""] * (width - len(rows[0]))
    groups: list[Group] = []
    current: Group | None = None
    last_heading: Cell | None = None
    for raw in rows[1:]:
        cells = [str(c) for c in raw]
        if len(cells) == 1 and width > 1:
            current = Group(cells[0])
            groups.append(current)
            last_heading = None
            continue
        if current is None:
            current = Group("")
            groups.append(current)
        body = [Cell(c) for c in cells[1:]]
        if body and len(cells) < width:
            body[-1].colspan = width - len(cells) + 1
        if not cells:
            continue
        if cells[0] == "" and last_heading is not None:
            last_heading.rowspan += 1
            current.rows.append(Row(None, body))
        else:
            last_heading = Cell(cells[0])
            current.rows.append(Row(last_heading, body))
    return TableLayout(header, groups)
