"""Validation at the edge of the database: every value is checked against its column before
it is inserted, so bad data is a clear, typed error and never a driver's DataError.

The limits are read from the SQLAlchemy models (one definition: `models.py`):

- `String(n)`: at most n characters; no control characters (C0 but tab, newline and
  carriage return; DEL) unless the column's `info` says `controls=True` (titles and paths
  may carry them: tables show them escaped);
- every text: no NUL (U+0000), which PostgreSQL cannot store and SQLite can, so both refuse;
- `Integer`: fits 32 bits (PostgreSQL's integer), `BigInteger` 64;
- `Float`: a finite number (SQLite stores NaN as NULL);
- `Date`/`DateTime`: a date / a naive datetime (Python's range fits both backends).

Core inserts in the repository call `check`; ORM inserts and updates are checked by a
mapper hook (`before_insert`/`before_update` on every model). Callers that want a reason
instead of an exception (a claim rejected, an input refused) use `problems`; audit columns
that must keep whatever came (rejections, raw replies) use `fit`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, Float, Integer, String, Table, event, inspect
from sqlalchemy.orm import Mapper

from stancetrack.db.models import Base
from stancetrack.errors import StancetrackError

_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INT_RANGE = {32: (-(2**31), 2**31 - 1), 64: (-(2**63), 2**63 - 1)}


class InvalidValue(StancetrackError):
    """A value its column cannot hold (`problems` say which and why)."""

    def __init__(self, table: str, problems: list[str]) -> None:
        super().__init__(f"cannot store in {table}: " + "; ".join(problems))
        self.table = table
        self.problems = problems


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: str  # text | int | float | date | datetime | other
    max_chars: int | None = None
    controls: bool = True
    bits: int = 32


@cache
def _rules(table: Table) -> dict[str, _Rule]:
    rules: dict[str, _Rule] = {}
    for column in table.columns:
        kind = column.type
        if isinstance(kind, String):
            controls = kind.length is None or bool(column.info.get("controls"))
            rules[column.key] = _Rule("text", kind.length, controls)
        elif isinstance(kind, Integer):
            rules[column.key] = _Rule("int", bits=64 if isinstance(kind, BigInteger) else 32)
        elif isinstance(kind, Float):
            rules[column.key] = _Rule("float")
        elif isinstance(kind, DateTime):
            rules[column.key] = _Rule("datetime")
        elif isinstance(kind, Date):
            rules[column.key] = _Rule("date")
    return rules


def _problem(rule: _Rule, value: object) -> str | None:
    if rule.kind == "text":
        if not isinstance(value, str):
            return f"expected text, got {type(value).__name__}"
        if "\x00" in value:
            return f"contains a NUL character (U+0000) at offset {value.index(chr(0))}"
        if rule.max_chars is not None and len(value) > rule.max_chars:
            return f"{len(value)} characters, over the limit of {rule.max_chars}"
        if not rule.controls:
            found = _CONTROLS.search(value)
            if found:
                return f"contains the control character U+{ord(found.group()):04X}"
    elif rule.kind == "int":
        low, high = _INT_RANGE[rule.bits]
        if not isinstance(value, int):
            return f"expected an integer, got {type(value).__name__}"
        if not low <= value <= high:
            return f"{value} is outside the {rule.bits}-bit integer range"
    elif rule.kind == "float":
        if not isinstance(value, int | float) or not math.isfinite(value):
            return f"expected a finite number, got {value!r}"
    elif rule.kind == "datetime":
        if not isinstance(value, datetime) or value.tzinfo is not None:
            return f"expected a naive UTC datetime, got {value!r}"
    elif rule.kind == "date" and (not isinstance(value, date) or isinstance(value, datetime)):
        return f"expected a date, got {value!r}"
    return None


def problems(table: Table, values: Mapping[str, Any]) -> list[str]:
    """What is wrong with these column values for `table` ('column: reason'), or []."""
    rules = _rules(table)
    found: list[str] = []
    for key, value in values.items():
        rule = rules.get(key)
        if rule is None or value is None:  # NOT NULL is the database's to enforce
            continue
        reason = _problem(rule, value)
        if reason is not None:
            found.append(f"{table.name}.{key}: {reason}")
    return found


def check(table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    """Raise `InvalidValue` for the first row `table` cannot hold."""
    for row in rows:
        found = problems(table, row)
        if found:
            raise InvalidValue(table.name, found)


def fit(table: Table, column: str, value: str | None) -> str | None:
    """An audit value made storable: NULs shown as `\\u0000`, clipped to the column's
    length with a marker. For records that must keep whatever came (rejections, replies)."""
    if value is None:
        return None
    value = value.replace("\x00", "\\u0000")
    rule = _rules(table).get(column)
    if rule is not None and rule.max_chars is not None and len(value) > rule.max_chars:
        value = value[: rule.max_chars - 1] + "…"
    if rule is not None and not rule.controls:
        value = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
        if rule.max_chars is not None and len(value) > rule.max_chars:
            value = value[: rule.max_chars - 1] + "…"
    return value


@event.listens_for(Base, "before_insert", propagate=True)
@event.listens_for(Base, "before_update", propagate=True)
def _check_instance(mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    """The ORM's inserts and updates pass the same checks as the repository's Core ones."""
    table = mapper.local_table
    assert isinstance(table, Table)
    loaded = inspect(target).dict  # what is set: no lazy load in the middle of a flush
    values = {prop.key: loaded[prop.key] for prop in mapper.column_attrs if prop.key in loaded}
    check(table, [values])
