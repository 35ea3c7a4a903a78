"""Plain-text tables for the terminal summaries of the chaos and engine suites."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["markdown_table", "write_table"]


def _columns(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> list[str]:
    return list(columns) or list(dict.fromkeys(key for row in rows for key in row))


def write_table(terminalreporter: Any, title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str] = ()) -> None:
    """A section headed ``title``: one line per row, aligned; ``columns`` default to every key, first seen first."""
    columns = _columns(rows, columns)
    cells = [[str(row.get(column, "")) for column in columns] for row in rows]
    widths = [max(len(column), *(len(line[index]) for line in cells)) for index, column in enumerate(columns)]
    terminalreporter.section(title)
    for line in [columns, *cells]:
        terminalreporter.write_line("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] = ()) -> str:
    """The same rows as a Markdown table, for the docs."""
    columns = _columns(rows, columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(column, "")) for column in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"
