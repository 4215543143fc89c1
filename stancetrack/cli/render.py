"""Output rendering: table (rich) for people, json/jsonl/csv for programs.

Only results go to stdout; notices and errors go to `stderr()`.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from stancetrack.ingest.normalize import CONTROLS, CONTROLS_AND_NEWLINES
from stancetrack.stances import Overall, Stance

if TYPE_CHECKING:
    from rich.console import Console


@functools.cache
def stderr() -> Console:
    """The stderr console, built on first use: importing rich costs start-up time that
    `--version`, `--help` and JSON output do not need. A real `Console`, so it can be
    handed to rich's `Progress` and `status` (a stand-in object broke both on a terminal)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class DocumentFormat(StrEnum):
    """The formats of commands whose result is one document, not rows."""

    table = "table"
    json = "json"


# Keyed by the schema's enums (StrEnum keys also match plain strings); a test checks that
# every stance and overall stance has a style.
STANCE_STYLE: dict[str, str] = {
    Stance.SUPPORT: "green",
    Stance.OPPOSE: "red",
    Stance.NEUTRAL: "yellow",
    Stance.UNRELATED: "dim",
    Overall.MIXED: "magenta",
    Overall.NONE: "dim",
}


# Article text must never drive the terminal: its control characters (ingest/normalize.py's
# CONTROLS: C0 but newline, DEL, C1, bidi controls) are shown escaped.
_CONTROLS = CONTROLS


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with control characters shown as escapes (`\\x1b`), for a terminal."""
    return _CONTROLS.sub(_escaped, text)


def shown(value: object) -> str:
    """A value as rich markup that prints exactly as `visible(str(value))`."""
    from rich.markup import escape

    return escape(visible(str(value)))


def stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def resolve_format(fmt: Format | DocumentFormat | None) -> Format:
    """Default: a table on a terminal, JSON when piped (so `| jq` works without a flag)."""
    if fmt is not None:
        return Format(fmt.value)
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
    """CSV with every formula-like cell neutralised (see analysis/cells.py, README)."""
    from stancetrack.analysis.cells import spreadsheet_safe

    flat = [flatten(r) for r in rows]
    if columns is None:
        columns = list(flat[0]) if flat else []
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in flat)
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
        stderr().print(f"[dim]{empty}[/dim]")
        return
    from rich.table import Table

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
            cells.append(f"[{style}]{text}[/{style}]" if style else shown(text))
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
    if fmt is Format.table:
        emit_table(rows, columns, title=title, empty=empty)
    else:
        emit_rows(rows, fmt, csv_columns)


def emit_document(
    fmt: Format | None,
    document: Any,
    rows: Callable[[], Sequence[Mapping[str, Any]]],
    table: Callable[[], None],
) -> None:
    """A nested result: the whole document as JSON, flat `rows()` as JSONL or CSV, or `table()`."""
    fmt = resolve_format(fmt)
    if fmt is Format.table:
        table()
    elif fmt is Format.json:
        emit_json(document)
    else:
        emit_rows(rows(), fmt)


def emit_rows(
    rows: Sequence[Mapping[str, Any]], fmt: Format, csv_columns: Sequence[str] | None = None
) -> None:
    """Rows for programs: a JSON array, JSON lines or CSV (nested objects flattened)."""
    if fmt is Format.json:
        emit_json(list(rows))
    elif fmt is Format.jsonl:
        emit_jsonl(rows)
    else:
        emit_csv(rows, csv_columns)


def emit_summary(
    title: str,
    data: Mapping[str, Any],
    fmt: Format,
    cell: Callable[[Any], str] = str,
) -> None:
    """A command's one summary document (extract, batch submit and collect, enqueue): JSON,
    or a table of one row, a column per key, each value shown by `cell`."""
    if fmt is Format.json:
        emit_json(data)
        return
    from rich.table import Table

    table = Table(title=title, header_style="bold")
    for key in data:
        table.add_column(key, justify="right")
    table.add_row(*(cell(v) for v in data.values()))
    stdout_console().print(table)


def error_line(message: str) -> None:
    """One `error: ...` line on stderr (the message is shown as is, not as markup; a line
    break in it, e.g. in a refused URL, is shown escaped like the other controls)."""
    from rich.markup import escape

    text = escape(CONTROLS_AND_NEWLINES.sub(_escaped, message))
    stderr().print(f"[red]error:[/red] {text}", markup=True, highlight=False)


def note_line(text: str) -> None:
    """One `note: ...` line on stderr (the text shown as is, not as markup)."""
    stderr().print(f"note: {text}", highlight=False, markup=False)


def source_error(source: str, reason: str) -> None:
    """An input or article that failed: `error: SOURCE: REASON` on stderr."""
    error_line(f"{source}: {reason}")
