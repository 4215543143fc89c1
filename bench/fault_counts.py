"""Run the fault suite (pytest -m faults) and print the counts table of FAULTS.md.

    python bench/fault_counts.py                 # CI-sized: the `faults` hypothesis profile
    python bench/fault_counts.py --deep          # thousands of examples per property
    python bench/fault_counts.py -k grounding    # other arguments go to pytest

The property, fuzz and PostgreSQL tests append what they tried to a JSON-lines file
(tests/faults/fault_counts.py); this script points them at a temporary one, runs pytest,
and sums the lines per category: inputs tried, faults injected, articles expected, lost,
duplicated. It exits with pytest's status, so a table is only worth quoting from a green run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIELDS = ("inputs", "faults", "articles", "lost", "duplicated")


def table(lines: list[str]) -> str:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    for line in lines:
        row = json.loads(line)
        for field in FIELDS:
            totals[row["category"]][field] += int(row[field])
    out = [
        "| what | inputs tried | faults injected | articles expected | lost | duplicated |",
        "|---|---|---|---|---|---|",
    ]
    for category in sorted(totals):
        t = totals[category]
        out.append(
            f"| {category} | {t['inputs']} | {t['faults']} | {t['articles']} |"
            f" {t['lost']} | {t['duplicated']} |"
        )
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deep", action="store_true", help="the faults-deep profile")
    args, extra = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="stancetrack-fault-counts-") as folder:
        counts = Path(folder) / "counts.jsonl"
        env = {**os.environ, "FAULT_COUNTS_FILE": str(counts)}
        if args.deep:
            env["FAULTS_PROFILE"] = "faults-deep"
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-m", "faults", "tests/faults", *extra],
            cwd=REPO,
            env=env,
        )
        lines = counts.read_text(encoding="utf-8").splitlines() if counts.exists() else []
    print()
    print(table(lines))
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
