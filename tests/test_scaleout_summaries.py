"""The `extract --batch-api` and `--queue` summaries: their JSON keys and order are what the
commands print (one InputCounts.as_json serves both)."""

from __future__ import annotations

import json

from stancetrack.scaleout.batch_submit import SubmitSummary
from stancetrack.scaleout.queue_api import EnqueueSummary


def test_submit_summary_json_order_and_copy() -> None:
    summary = SubmitSummary(articles=4, skipped=1, failed=1, submitted=2, requests=3)
    summary.batches.append("batch_1")
    out = summary.as_json()
    assert json.dumps(out) == (
        '{"articles": 4, "submitted": 2, "skipped": 1, "failed": 1, "requests": 3,'
        ' "batches": ["batch_1"]}'
    )
    out["batches"].append("other")
    assert summary.batches == ["batch_1"]  # the caller gets a copy


def test_enqueue_summary_json_order() -> None:
    out = EnqueueSummary(articles=3, skipped=1, failed=0, queued=2).as_json()
    assert json.dumps(out) == '{"articles": 3, "queued": 2, "skipped": 1, "failed": 0}'
