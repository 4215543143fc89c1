"""PostgreSQL connections killed mid-transaction during a real `extract` batch (issue 11).

A watcher thread on its own connection polls `pg_stat_activity` for the batch's writer (the
batch's connections carry a unique `application_name`) and, while the writer is inside its
article transaction (an INSERT INTO runs, held open 0.4 s by a test trigger so the kill
lands mid-transaction every time), ends its backend with `pg_terminate_backend`. The batch
must retry that article on a new connection: exit 0, no "unexpected" error, every article
stored with exactly one successful run, claims not duplicated.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from fault_counts import record
from sqlalchemy import create_engine, text

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

REPO = Path(__file__).resolve().parents[2]
ARTICLES = sorted((REPO / "fixtures" / "articles").glob("*.txt"))[:6]
KILLS = 3
SLOW_INSERT = 0.4
SLOW_RUNS = f"""
CREATE FUNCTION fault_slow_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep({SLOW_INSERT}); RETURN NEW; END $$;
CREATE TRIGGER fault_slow_runs BEFORE INSERT ON runs
FOR EACH ROW EXECUTE FUNCTION fault_slow_runs();
"""


class Killer(threading.Thread):
    """Terminates the writer's backend mid-transaction, `limit` times, one article apart."""

    def __init__(self, admin_url: str, application: str, limit: int) -> None:
        super().__init__(name="pg-killer", daemon=True)
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.application = application
        self.limit = limit
        self.killed: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop.is_set() and len(self.killed) < self.limit:
                pids = conn.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE application_name = :app"
                        " AND state = 'active' AND query ILIKE 'INSERT INTO runs%'"
                    ),
                    {"app": self.application},
                ).scalars()
                for pid in pids:
                    if conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar():
                        self.killed.append(pid)
                        # Let the retry of this article through: one kill per article.
                        self.stop.wait(SLOW_INSERT * 3)
                    break
                self.stop.wait(0.01)
        self.engine.dispose()


def test_writer_killed_mid_transaction_retries_the_article(cli: Any, pg_url: str) -> None:
    from conftest import PG_URL

    application = f"stfault-{uuid.uuid4().hex[:10]}"
    url = f"{pg_url}&application_name={application}"
    assert cli(["articles", "--db", url]).exit_code == 0  # schema in place (migrations)
    setup = create_engine(url)
    with setup.begin() as conn:
        conn.exec_driver_sql(SLOW_RUNS)
    setup.dispose()

    killer = Killer(PG_URL, application, KILLS)
    killer.start()
    try:
        started = time.monotonic()
        done = cli(["extract", *ARTICLES, "--backend", "rules", "--db", url, "-f", "json"])
        elapsed = time.monotonic() - started
    finally:
        killer.stop.set()
        killer.join(timeout=10)
    assert len(killer.killed) == KILLS, (killer.killed, elapsed, done.stderr)
    assert "unexpected" not in done.stderr, done.stderr
    assert done.exit_code == 0, done.stderr

    check = create_engine(url)
    try:
        with check.connect() as conn:
            ok = dict(
                conn.execute(
                    text(
                        "SELECT article_id, count(*) FROM runs WHERE status = 'ok'"
                        " GROUP BY article_id"
                    )
                ).all()
            )
            articles = conn.execute(text("SELECT count(*) FROM articles")).scalar_one()
            claims = conn.execute(text("SELECT count(*) FROM claims")).scalar_one()
            counted = conn.execute(
                text("SELECT coalesce(sum(claims_count), 0) FROM runs WHERE status = 'ok'")
            ).scalar_one()
            distinct = conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT DISTINCT article_id, target, actor_id,"
                    ' start, "end" FROM claims) AS spans'
                )
            ).scalar_one()
    finally:
        check.dispose()
    assert articles == len(ARTICLES)
    assert set(ok.values()) == {1} and len(ok) == len(ARTICLES)
    assert claims == counted == distinct > 0
    record(
        "PostgreSQL writer terminated mid-transaction (pg_terminate_backend)",
        inputs=len(ARTICLES),
        faults=len(killer.killed),
        articles=articles,
        lost=len(ARTICLES) - len(ok),
        duplicated=sum(n - 1 for n in ok.values()) + (claims - distinct),
    )
