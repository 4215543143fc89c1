"""Shared by the property, fuzz and PostgreSQL fault tests (issue 11): settings and counts.

Hypothesis profiles keep CI time modest: `faults` (default) runs a few dozen examples per
property; `FAULTS_PROFILE=faults-deep` runs thousands (by hand, not in CI).

Counts: every test adds what it tried to the JSON-lines file named by
`FAULT_COUNTS_FILE` (nothing is written without it). `bench/fault_counts.py` runs
the suite with that set and prints the FAULTS.md table from the file.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from hypothesis import HealthCheck, settings

COUNTS_ENV = "FAULT_COUNTS_FILE"  # not STANCETRACK_*: tests/conftest.py clears those
PROFILE_ENV = "FAULTS_PROFILE"

_COMMON: dict[str, Any] = {
    "deadline": None,  # the machine is shared: time is measured in benchmarks, never here
    "database": None,  # no .hypothesis directory in the repository
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    "print_blob": True,
}
settings.register_profile("faults", max_examples=60, **_COMMON)
settings.register_profile("faults-deep", max_examples=2000, **_COMMON)
# Properties that run a whole batch per example take fewer.
settings.register_profile("faults-batch", max_examples=8, **_COMMON)
settings.register_profile("faults-batch-deep", max_examples=200, **_COMMON)

_deep = os.environ.get(PROFILE_ENV, "faults").endswith("deep")
FAULTS = settings.get_profile("faults-deep" if _deep else "faults")
FAULTS_BATCH = settings.get_profile("faults-batch-deep" if _deep else "faults-batch")

_lock = threading.Lock()


def record(
    category: str,
    *,
    inputs: int = 0,
    faults: int = 0,
    articles: int = 0,
    lost: int = 0,
    duplicated: int = 0,
    unexpected: int = 0,
) -> None:
    """Add one observation to the counts file (when asked for one)."""
    path = os.environ.get(COUNTS_ENV)
    if not path:
        return
    line = json.dumps(
        {
            "category": category,
            "inputs": inputs,
            "faults": faults,
            "articles": articles,
            "lost": lost,
            "duplicated": duplicated,
            "unexpected": unexpected,
        }
    )
    with _lock, open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
