"""Fault matrix, concurrency row: two `extract` processes on the same database and inputs.

An article in flight in one process is not requested by the other (a lease in the
database), nothing is stored twice, and every run's claim count is the claims linked to it.
Leases are atomic on SQLite and PostgreSQL, given up when the run is stored, and taken over
when they expire or their process has died.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from extract_helpers import ARTICLES, STEMS, asked, gold, gold_responder
from rows_support import SECRET, command, env, rows, scalar
from stub_server import StubServer

from stancetrack.db import Database
from stancetrack.db.models import utcnow
from stancetrack.db.repository import leases
from stancetrack.ingest import ArticleInput, read_file
from stancetrack.pipeline.storing import cache_key
from stancetrack.promptfiles import load_prompt
from stancetrack.settings import DEFAULT_TARGET

pytestmark = pytest.mark.faults


def test_two_extracts_on_one_database_request_each_article_once(db_url: str) -> None:
    Database(db_url).dispose()  # the schema, before two processes race to create it
    with StubServer(default=gold_responder(), latency=0.3) as stub:
        args = command(
            "extract", str(ARTICLES), "--base-url", stub.base_url, "--model", "stub-model",
            "--db", db_url, "--concurrency", "2", "--format", "json",
        )  # fmt: skip
        procs = [
            subprocess.Popen(
                args,
                env=env(OPENAI_API_KEY=SECRET),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=180) for p in procs]
        for proc, (_, err) in zip(procs, outs, strict=True):
            assert proc.returncode == 0, err
        assert sorted(asked(stub.chat_requests)) == STEMS  # each article asked once in all
    summaries = [json.loads(out) for out, _ in outs]
    assert sum(s["extracted"] for s in summaries) == len(STEMS)
    assert sum(s["skipped"] for s in summaries) == len(STEMS)
    total = sum(len(gold(s)) for s in STEMS)
    assert scalar(db_url, "SELECT count(*) FROM claims") == total
    assert scalar(db_url, "SELECT count(*) FROM runs") == len(STEMS)
    runs = rows(
        db_url,
        "SELECT r.claims_count, (SELECT count(*) FROM claims c WHERE c.run_id = r.id) FROM runs r",
    )
    assert all(said == linked for said, linked in runs), runs
    assert scalar(db_url, "SELECT count(*) FROM leases") == 0


def test_leases_are_exclusive_released_and_reclaimed(database: Database) -> None:
    me, other = leases.Owner(), leases.Owner(token="other")
    gone = leases.Owner(pid=2**22 + 12345)  # no such process on this host
    now = utcnow()
    with database.session() as s:
        assert leases.take(s, {"a", "b"}, me, now=now) == {"a", "b"}
    with database.session() as s:
        assert leases.take(s, {"a", "b", "c"}, other, now=now) == {"c"}
        assert leases.take(s, {"a"}, me, now=now) == {"a"}  # already ours
    with database.session() as s:
        leases.release(s, {"a"}, me)
        leases.release(s, {"b"}, other)  # not theirs: nothing happens
    with database.session() as s:
        assert leases.take(s, {"a", "b"}, other, now=now) == {"a"}
        later = now + timedelta(seconds=leases.LEASE_SECONDS + 1)
        assert leases.take(s, {"b"}, other, now=later) == {"b"}  # expired: reclaimed
    with database.session() as s:
        assert leases.take(s, {"d"}, gone, now=now) == {"d"}
    with database.session() as s:
        assert leases.take(s, {"d"}, me, now=now) == {"d"}  # its owner died: taken at once
        leases.release_all(s, me)
    with database.session() as s:
        assert sorted(leases.take(s, {"a", "b", "c", "d"}, gone, now=now)) == ["d"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_an_unreaped_owner_counts_as_dead(database: Database) -> None:
    """A lease owner that has exited but was not reaped (a zombie: what an orphaned
    database process becomes under a parent that does not reap) still answers signal 0;
    its leases are taken at once all the same."""
    child = subprocess.Popen(["true"])
    try:
        deadline = time.monotonic() + 10
        stat = Path(f"/proc/{child.pid}/stat")
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline, "the child did not exit"
            time.sleep(0.01)
        zombie = leases.Owner(pid=child.pid)
        me = leases.Owner()
        now = utcnow()
        with database.session() as s:
            assert leases.take(s, {"z"}, zombie, now=now) == {"z"}
            assert leases.take(s, {"z"}, me, now=now) == {"z"}
    finally:
        child.wait()


def test_a_leased_article_is_skipped_not_requested(
    cli: Any, stub: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = sorted(ARTICLES.glob("*.txt"))[0]
    [item] = list(read_file(path, max_bytes=10**7))
    assert isinstance(item, ArticleInput)
    key = cache_key(item.sha256, load_prompt().sha256, "stub-model", DEFAULT_TARGET)
    db = Database(db_url)
    with db.session() as s:  # another, live process holds it
        assert leases.take(s, {key}, leases.Owner(token="busy")) == {key}
    db.dispose()
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    done = cli(["extract", path, "--base-url", stub.base_url, "--model", "stub-model",
                "--db", db_url, "--format", "json"])  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["skipped"] == 1
    assert stub.chat_requests == []
