"""`export`: every claim with its article, actor and run fields, as CSV or JSONL.

Rows are streamed from the database in batches, so exporting a million claims keeps
memory flat. Columns are the one claims CSV layout, `read_models.ClaimCsvRow`
(docs/CONTRACTS.md, "Claims CSV"), which `claims -f csv` writes too.
"""

from __future__ import annotations

import csv
import json
from typing import TextIO

from sqlalchemy.orm import Session

from stancetrack.analysis.cells import spreadsheet_safe
from stancetrack.db.read_models import CLAIM_CSV_COLUMNS
from stancetrack.db.repository.analysis import ClaimFilter, iter_export_rows

FORMATS = ("csv", "jsonl")


def export_claims(session: Session, out: TextIO, fmt: str, flt: ClaimFilter) -> int:
    """Write the selected claims to `out`; returns how many were written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    n = 0
    writer = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(CLAIM_CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
    for row in iter_export_rows(session, flt):
        if writer is not None:
            writer.writerow({k: "" if v is None else spreadsheet_safe(v) for k, v in row.items()})
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n
