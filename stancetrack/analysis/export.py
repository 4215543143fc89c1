"""`export`: every claim with its article, actor and run fields, as CSV or JSONL.

Rows are streamed from the database in batches, so exporting a million claims keeps
memory flat. Columns are `EXPORT_COLUMNS` (documented in the README).
"""

from __future__ import annotations

import csv
import json
from typing import TextIO

from sqlalchemy.orm import Session

from stancetrack.analysis.cells import spreadsheet_safe
from stancetrack.db.repository.analysis import EXPORT_COLUMNS, ClaimFilter, iter_export_rows

FORMATS = ("csv", "jsonl")


def export_claims(session: Session, out: TextIO, fmt: str, flt: ClaimFilter) -> int:
    """Write the selected claims to `out`; returns how many were written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    n = 0
    writer = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
        writer.writeheader()
    for row in iter_export_rows(session, flt):
        if writer is not None:
            writer.writerow({k: "" if v is None else spreadsheet_safe(v) for k, v in row.items()})
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n
