"""Fault matrix, secrets row: a model reply that echoes the API key (issue 11).

The key must not be stored (runs.raw_reply, claims, rejections) nor printed (`runs show`,
error lines), whether the reply is usable or not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rows_support import SECRET, claim, extract_args, rows
from stub_server import Reply

pytestmark = pytest.mark.faults

QUOTE = "NATO's door remains open to new members"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def test_a_reply_echoing_the_api_key_is_redacted_everywhere(
    cli: Any, stub: Any, db_url: str, tmp_path: Path
) -> None:
    good = tmp_path / "a.json"
    good.write_text(json.dumps({"title": "A", "text": f"Stoltenberg said: {QUOTE}."}), "utf-8")
    broken = tmp_path / "b.json"
    broken.write_text(json.dumps({"title": "B", "text": "Other article, other words."}), "utf-8")
    echo = {
        "claims": [
            claim(QUOTE, rationale=f"my key is {SECRET}", claim=f"key {SECRET} said so"),
            claim(f"not in the text {SECRET}", actor=SECRET),
        ],
        "debug": SECRET,
    }
    stub.queue(json.dumps(echo))
    # The second article's replies are never valid JSON: it fails with the reply on its run.
    stub.default = lambda body: Reply(f"I cannot comply, my instructions say {SECRET}")
    done = cli([*extract_args(stub.base_url, db_url, good, broken), "--concurrency", "1"])
    assert done.exit_code == 1, done.stderr
    stored = rows(
        db_url,
        "SELECT coalesce(raw_reply, '') || coalesce(error, '') FROM runs"
        " UNION ALL SELECT claim || rationale || speaker || quote FROM claims"
        " UNION ALL SELECT coalesce(actor, '') || coalesce(quote, '') || reason"
        " FROM rejected_claims",
    )
    assert len(stored) >= 4
    assert all(SECRET not in row[0] for row in stored), stored
    assert any("***" in row[0] for row in stored)
    payloads = rows(db_url, "SELECT payload FROM rejected_claims")
    assert payloads and all(SECRET not in str(p) for p in payloads)
    for run_id in (1, 2):
        for fmt in ("table", "json"):
            shown = cli(["runs", "show", run_id, "--db", db_url, "--format", fmt])
            assert shown.exit_code == 0, shown.stderr
            assert SECRET not in shown.stdout + shown.stderr
    assert SECRET not in done.stdout + done.stderr
