"""`kill -9` in the middle of a batch, then the same command again, in real subprocesses.

The stub answers slowly so the kill lands while some articles are committed and others are
in flight. The re-run must store nothing twice and ask only for the unfinished articles.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from extract_helpers import ARTICLES, STEMS, asked, gold, gold_responder
from sqlalchemy import create_engine, text
from stub_server import Delay, StubServer

REPO = Path(__file__).resolve().parents[1]


def _command(stub: StubServer, db_url: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "stancetrack",
        "extract",
        str(ARTICLES),
        "--base-url",
        stub.base_url,
        "--model",
        "stub-model",
        "--db",
        db_url,
        "--concurrency",
        "2",
        "--format",
        "json",
    ]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STANCETRACK_"))}
    return {**env, "OPENAI_API_KEY": "sk-test", "PYTHONPATH": str(REPO)}


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(p) for p in task.read_text().split()]
    return found


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _done_stems(db_url: str) -> set[str]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            if not conn.dialect.has_table(conn, "runs"):
                return set()
            rows = conn.execute(
                text(
                    "SELECT a.source FROM runs r JOIN articles a ON a.id = r.article_id"
                    " WHERE r.status = 'ok'"
                )
            ).scalars()
            return {Path(source).stem for source in rows}
    finally:
        engine.dispose()


def test_kill_9_mid_batch_then_resume(db_url: str) -> None:
    with StubServer(default=gold_responder(), latency=0.4) as stub:
        proc = subprocess.Popen(
            _command(stub, db_url),
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while len(_done_stems(db_url)) < 2:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "no article was committed in time"
                time.sleep(0.05)
            children = _children(proc.pid)  # the database process
            assert children, "expected the database side in its own process"
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            if proc.stderr:
                proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        # The orphaned database process notices and ends by itself (its open transaction,
        # if any, is rolled back or committed whole); wait for it before looking.
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in children):
            assert time.monotonic() < deadline, "the database process outlived its parent"
            time.sleep(0.05)
        committed = _done_stems(db_url)
        assert 2 <= len(committed) < len(STEMS)
        first_batch = asked(stub.chat_requests)
        assert committed <= set(first_batch)

        sent = len(stub.chat_requests)
        rerun = subprocess.run(
            _command(stub, db_url), env=_env(), capture_output=True, text=True, timeout=120
        )
        assert rerun.returncode == 0, rerun.stderr
        summary = json.loads(rerun.stdout)
        unfinished = set(STEMS) - committed
        assert summary["skipped"] == len(committed)
        assert summary["extracted"] == len(unfinished) and summary["failed"] == 0
        assert sorted(asked(stub.chat_requests[sent:])) == sorted(unfinished)

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            claims = conn.execute(text("SELECT count(*) FROM claims")).scalar_one()
            dupes = conn.execute(
                text(
                    'SELECT count(*) FROM (SELECT article_id, actor_id, start, "end"'
                    ' FROM claims GROUP BY article_id, actor_id, start, "end"'
                    " HAVING count(*) > 1) d"
                )
            ).scalar_one()
            ok_runs = conn.execute(
                text("SELECT count(*) FROM runs WHERE status = 'ok'")
            ).scalar_one()
            articles = conn.execute(text("SELECT count(*) FROM articles")).scalar_one()
    finally:
        engine.dispose()
    assert claims == sum(len(gold(s)) for s in STEMS)
    assert dupes == 0
    assert ok_runs == len(STEMS) and articles == len(STEMS)


def test_ctrl_c_stops_cleanly_and_keeps_committed_work(sqlite_url: str) -> None:
    # Only the first three requests are answered before the signal can arrive: the batch
    # cannot finish before the Ctrl-C matters, however slowly this test sees the database
    # (under load it used to see "2 done" only after the process had finished: exit 0).
    respond = gold_responder()
    answered = itertools.count()

    def first_three_then_hold(body: dict[str, Any]) -> Any:
        reply = respond(body)
        return reply if next(answered) < 3 else Delay(60, then=reply)

    with StubServer(default=first_three_then_hold, latency=0.4) as stub:
        proc = subprocess.Popen(
            _command(stub, sqlite_url),
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while len(_done_stems(sqlite_url)) < 2:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    summary = json.loads(out)
    committed = _done_stems(sqlite_url)
    assert summary["extracted"] == len(committed) < len(STEMS)
