"""Output rendering: table (rich) for people, json/jsonl/csv for programs.

Only results go to stdout; notices and errors go to `err` (stderr).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

err = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


STANCE_STYLE = {
    "support": "green",
    "oppose": "red",
    "neutral": "yellow",
    "unrelated": "dim",
    "mixed": "magenta",
    "none": "dim",
}


def stdout_console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def resolve_format(fmt: Format | None) -> Format:
    """Default: a table on a terminal, JSON when piped (so `| jq` works without a flag)."""
    if fmt is not None:
        return fmt
    return Format.table if sys.stdout.isatty() else Format.json


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def emit_jsonl(rows: Sequence[Mapping[str, Any]]) -> None:
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def _flat(value: Any) -> Any:
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return "" if value is None else value


def flatten(row: Mapping[str, Any]) -> dict[str, Any]:
    """Nested objects become prefixed columns: article.id -> article_id."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, Mapping):
            for sub, subval in value.items():
                out[f"{key}_{sub}"] = _flat(subval)
        else:
            out[key] = _flat(value)
    return out


def emit_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> None:
    flat = [flatten(r) for r in rows]
    if columns is None:
        columns = list(flat[0]) if flat else []
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(flat)
    sys.stdout.write(buf.getvalue())
    sys.stdout.flush()


# A table column: (row key, header) or (row key, header, characters shown), e.g. a hash prefix.
Column = tuple[str, str] | tuple[str, str, int]


def emit_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    *,
    title: str | None = None,
    empty: str = "nothing to show",
) -> None:
    """One row per item; a 'stance' column (or diff's 'a'/'b') is coloured by stance."""
    if not rows:
        err.print(f"[dim]{empty}[/dim]")
        return
    table = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column[1], overflow="fold")
    for row in rows:
        cells = []
        for column in columns:
            key = column[0]
            text = str(_flat(row.get(key)))
            if len(column) == 3:
                text = text[: column[2]]
            style = STANCE_STYLE.get(text) if key in {"stance", "a", "b"} else None
            cells.append(f"[{style}]{text}[/{style}]" if style else text.replace("[", r"\["))
        table.add_row(*cells)
    stdout_console().print(table)


def emit(
    rows: Sequence[Mapping[str, Any]],
    fmt: Format | None,
    columns: Sequence[Column],
    *,
    title: str | None = None,
    empty: str = "nothing to show",
    csv_columns: Sequence[str] | None = None,
) -> None:
    fmt = resolve_format(fmt)
    if fmt is Format.json:
        emit_json(list(rows))
    elif fmt is Format.jsonl:
        emit_jsonl(rows)
    elif fmt is Format.csv:
        emit_csv(rows, csv_columns)
    else:
        emit_table(rows, columns, title=title, empty=empty)
