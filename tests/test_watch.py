"""`stancetrack watch` against a real news site on 127.0.0.1 (tests/feed_server.py).

Only new items are fetched (by GUID/link and content hash; conditional GETs answer 304),
nothing is stored or extracted twice, a broken source (500, slow, malformed, oversized or
non-HTML pages) never stops the others, and the state survives kill -9 mid-poll. The
offline rules backend extracts, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from feed_server import FeedServer, Item, Page, atom_feed, html_page, rss_feed
from sqlalchemy import func, select

from stancetrack.db import Database
from stancetrack.db.models import Article, Run, WatchItem, WatchSource

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted((REPO / "fixtures" / "articles").glob("*.txt"))


def seed_page(index: int, *, extra: str | None = None) -> tuple[bytes, str]:
    """Fixture article `index` as an HTML page (with its canonical URL); its title."""
    lines = SEEDS[index].read_text(encoding="utf-8").split("\n")
    title, day, url = lines[0], lines[1], lines[2]
    paragraphs = [line for line in lines[3:] if line.strip()]
    if extra:
        paragraphs.append(extra)
    published = f"{day[:4]}-{day[4:6]}-{day[6:]}"
    return html_page(title, paragraphs, canonical=url, published=published), title


def publish(site: FeedServer, indexes: range | list[int]) -> list[Item]:
    items = []
    for i in indexes:
        body, title = seed_page(i)
        site.page(f"/a/{i}", body)
        items.append(Item(f"guid-{i}", f"/a/{i}", title))
    return items


def watch(cli: Any, db_url: str, *sources: str, extra: tuple[str, ...] = ()) -> Any:
    run = cli(
        ["watch", *sources, "--once", "--backend", "rules", "--db", db_url, "-f", "json", *extra]
    )
    return run


def summary_of(run: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def count(db_url: str, model: Any) -> int:
    db = Database(db_url)
    try:
        with db.session() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        db.dispose()


def page_hits(site: FeedServer) -> Counter[str]:
    return Counter({p: n for p, n in site.counts().items() if p.startswith("/a/")})


def test_only_new_items_are_fetched_and_extracted(cli: Any, db_url: str) -> None:
    with FeedServer() as site:
        rss_items = publish(site, range(0, 4))
        atom_items = publish(site, range(4, 7))
        site.feed("/rss", rss_feed(site.base, rss_items))
        site.feed("/atom", atom_feed(site.base, atom_items), content_type="application/atom+xml")
        sources = (site.url("/rss"), site.url("/atom"))

        first = watch(cli, db_url, *sources)
        assert first.exit_code == 0, first.stderr
        s1 = summary_of(first)
        assert s1["articles"] == s1["extracted"] == 7 and s1["failed"] == 0
        assert s1["claims"] > 0
        assert [s["new"] for s in s1["sources"]] == [4, 3]
        assert all(n == 1 for n in page_hits(site).values()) and len(page_hits(site)) == 7
        assert count(db_url, Article) == 7 and count(db_url, Run) == 7
        # Outlets come from the pages' canonical URLs, as `extract URL` reads them.
        articles = json.loads(cli(["articles", "--db", db_url, "-f", "json"]).stdout)
        assert {a["outlet"] for a in articles} == {"cbsnews.com", "example.com", "example.org"}

        # Nothing new: two conditional GETs answered 304, no page fetched, nothing extracted.
        second = watch(cli, db_url, *sources)
        assert second.exit_code == 0, second.stderr
        s2 = summary_of(second)
        assert [s["status"] for s in s2["sources"]] == ["not_modified", "not_modified"]
        assert (s2["articles"], s2["extracted"]) == (0, 0)
        assert all(n == 1 for n in page_hits(site).values())
        rss_requests = [h for p, h in site.requests if p == "/rss"]
        assert rss_requests[-1].get("If-None-Match")
        assert "stancetrack/" in rss_requests[-1]["User-Agent"]

        # A new item and an edited one (same GUID, new summary, new text): exactly these two.
        body, title = seed_page(7)
        site.page("/a/7", body)
        edited_body, _ = seed_page(1, extra="Update: the statement was later confirmed.")
        site.page("/a/1", edited_body)
        rss_items[1] = Item("guid-1", "/a/1", rss_items[1].title, summary="updated")
        site.feed("/rss", rss_feed(site.base, [*rss_items, Item("guid-7", "/a/7", title)]))
        third = watch(cli, db_url, *sources)
        assert third.exit_code == 0, third.stderr
        s3 = summary_of(third)
        assert s3["sources"][0]["new"] == 2 and s3["sources"][1]["status"] == "not_modified"
        assert s3["extracted"] == 2
        hits = page_hits(site)
        assert hits["/a/1"] == 2 and hits["/a/7"] == 1
        assert sum(hits.values()) == 9
        assert count(db_url, Article) == 9 and count(db_url, Run) == 9
        # The edited version joins the story of the version it updates.
        db = Database(db_url)
        try:
            with db.session() as s:
                stories = s.execute(
                    select(Article.story_id, func.count()).group_by(Article.story_id)
                ).all()
        finally:
            db.dispose()
        assert sorted(n for _, n in stories) == [1] * 7 + [2]


def test_a_broken_source_never_stops_the_others(cli: Any, db_url: str) -> None:
    with FeedServer() as site:
        good = publish(site, range(0, 2))
        site.page("/big", b"<html><body>" + b"<p>word </p>" * 600_000 + b"</body></html>")
        site.page("/pdf", b"%PDF-1.4 not html", content_type="application/pdf")
        site.page("/flaky", b"", status=500)
        bad_items = [
            Item("big", "/big", "Oversized"),
            Item("pdf", "/pdf", "Not HTML"),
            Item("flaky", "/flaky", "Fails for now"),
        ]
        site.feed("/good", rss_feed(site.base, good + bad_items))
        site.set("/down", Page(b"", status=500))
        site.set("/slow", Page(rss_feed(site.base, good), delay=3.0))
        site.feed(
            "/junk",
            b"<html><body>this is not a feed <p>at all</body></html>",
            content_type="text/html",
        )
        sources = [site.url(p) for p in ("/down", "/slow", "/junk", "/good")]
        options = ("--fetch-timeout", "1")
        run = watch(cli, db_url, *sources, extra=options)
        assert run.exit_code == 1
        data = summary_of(run)
        status = {s["source"].rsplit("/", 1)[1]: s for s in data["sources"]}
        assert status["down"]["status"] == "error" and "HTTP 500" in status["down"]["error"]
        assert status["slow"]["status"] == "error" and "timed out" in status["slow"]["error"]
        assert status["junk"]["status"] == "error"
        assert status["good"]["new"] == 2 and status["good"]["failed"] == 3
        assert data["extracted"] == 2
        errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
        assert any("/big" in e and "over the limit" in e for e in errors), run.stderr
        assert any("/pdf" in e and "unsupported content type" in e for e in errors), run.stderr
        assert any("/flaky" in e and "HTTP 500" in e for e in errors), run.stderr
        db = Database(db_url)
        try:
            with db.session() as s:
                errs = dict(s.execute(select(WatchSource.source, WatchSource.errors)).all())
                assert errs[site.url("/down")] == errs[site.url("/slow")] == 1
                assert errs[site.url("/good")] == 0
        finally:
            db.dispose()

        # Next poll: failing sources back off; oversized and non-HTML pages are not fetched
        # again; the page that failed for now is retried, and stored once it works.
        body, _title = seed_page(2)
        site.page("/flaky", body)
        again = watch(cli, db_url, *sources, extra=options)
        data = summary_of(again)
        status = {s["source"].rsplit("/", 1)[1]: s for s in data["sources"]}
        assert status["down"]["status"] == status["slow"]["status"] == "backoff"
        assert status["good"]["new"] == 1 and status["good"]["failed"] == 0
        assert site.hits("/big") == site.hits("/pdf") == 1
        assert site.hits("/flaky") == 2
        assert site.hits("/down") == 1  # not polled while backing off
        assert data["extracted"] == 1
        assert count(db_url, Article) == 3
        # --ignore-backoff polls them now.
        site.set("/down", Page(rss_feed(site.base, good), etag=True))
        third = watch(cli, db_url, *sources, extra=(*options, "--ignore-backoff"))
        status = {s["source"].rsplit("/", 1)[1]: s for s in summary_of(third)["sources"]}
        assert status["down"]["status"] == "ok" and status["down"]["new"] == 2
        assert summary_of(third)["skipped"] == 2  # same texts as /good's: stored once
        assert count(db_url, Article) == 3


def test_directories_are_watched_too(cli: Any, db_url: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for seed in SEEDS[:2]:
        (inbox / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    first = summary_of(watch(cli, db_url, str(inbox)))
    assert first["extracted"] == 2 and first["sources"][0]["kind"] == "directory"
    again = summary_of(watch(cli, db_url, str(inbox)))
    assert again["articles"] == 0 and again["sources"][0]["new"] == 0
    (inbox / SEEDS[2].name).write_text(SEEDS[2].read_text(encoding="utf-8"), encoding="utf-8")
    (inbox / "broken.json").write_text("{not json", encoding="utf-8")
    third = watch(cli, db_url, str(inbox))
    assert third.exit_code == 1 and "broken.json" in third.stderr
    data = summary_of(third)
    assert data["extracted"] == 1 and data["sources"][0]["new"] == 1
    assert count(db_url, Article) == 3


def test_bad_source_is_a_usage_error(cli: Any, sqlite_url: str, tmp_path: Path) -> None:
    run = cli(["watch", str(tmp_path / "missing"), "--once", "--db", sqlite_url])
    assert run.exit_code == 2 and "not an http(s) feed URL nor a directory" in run.stderr


def _spawn(db_url: str, *sources: str, extra: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stancetrack",
            "watch",
            *sources,
            "--backend",
            "rules",
            "--db",
            db_url,
            "-f",
            "json",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for(db_url: str, model: Any, at_least: int, proc: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"watch ended early: {proc.communicate()}")
        try:
            n = count(db_url, model)
        except Exception:
            n = 0
        if n >= at_least:
            return n
        time.sleep(0.1)
    raise AssertionError("watch made no progress")


def test_state_survives_kill_9_mid_poll(db_url: str) -> None:
    with FeedServer() as site:
        items = []
        for i in range(len(SEEDS)):
            body, title = seed_page(i)
            site.page(f"/a/{i}", body, delay=1.0)  # slow pages: the kill lands mid-poll
            items.append(Item(f"g{i}", f"/a/{i}", title))
        site.feed("/rss", rss_feed(site.base, items))
        proc = _spawn(db_url, site.url("/rss"), extra=("--once", "--per-host", "1"))
        stored = _wait_for(db_url, WatchItem, 3, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert stored < len(SEEDS)
        before = page_hits(site)
        db = Database(db_url)
        try:
            with db.session() as s:
                links = set(s.scalars(select(WatchItem.link)))
        finally:
            db.dispose()
        done_paths = {"/a/" + link.rsplit("/", 1)[1] for link in links}

        rerun = _spawn(db_url, site.url("/rss"), extra=("--once", "--per-host", "4"))
        out, errors = rerun.communicate(timeout=300)
        assert rerun.returncode == 0, errors
        data = json.loads(out)
        hits = page_hits(site)
        # Pages committed before the kill are not fetched again; the rest once more at most.
        assert all(hits[p] == 1 for p in done_paths)
        assert all(hits[p] - before.get(p, 0) <= 1 for p in hits)
        assert data["sources"][0]["new"] == len(SEEDS) - len(done_paths)
        assert count(db_url, Article) == len(SEEDS) == count(db_url, WatchItem)
        db = Database(db_url)
        try:
            with db.session() as s:
                runs = s.execute(select(Run.article_id, func.count()).group_by(Run.article_id))
                assert {n for _, n in runs} == {1}  # every article extracted exactly once
        finally:
            db.dispose()


def test_sigterm_stops_after_committing(sqlite_url: str) -> None:
    with FeedServer() as site:
        items = []
        for i in range(len(SEEDS)):
            body, title = seed_page(i)
            site.page(f"/a/{i}", body, delay=0.5)
            items.append(Item(f"g{i}", f"/a/{i}", title))
        site.feed("/rss", rss_feed(site.base, items))
        proc = _spawn(sqlite_url, site.url("/rss"), extra=("--interval", "60", "--per-host", "1"))
        _wait_for(sqlite_url, WatchItem, 2, proc)
        proc.send_signal(signal.SIGTERM)
        _out, errors = proc.communicate(timeout=120)
        assert proc.returncode == 130, errors
        assert "stopped" in errors
        stored = count(sqlite_url, WatchItem)
        assert stored < len(SEEDS)
        assert count(sqlite_url, Article) == stored
        rerun = _spawn(sqlite_url, site.url("/rss"), extra=("--once", "--per-host", "4"))
        _out, errors = rerun.communicate(timeout=300)
        assert rerun.returncode == 0, errors
        assert count(sqlite_url, Article) == len(SEEDS) == count(sqlite_url, Run)


@pytest.mark.parametrize("feed", ["rss", "atom"])
def test_relative_links_and_duplicate_guids(cli: Any, sqlite_url: str, feed: str) -> None:
    with FeedServer() as site:
        body, title = seed_page(3)
        site.page("/a/3", body)
        item = Item("same", "/a/3", title)
        make = rss_feed if feed == "rss" else atom_feed
        site.feed("/f", make("", [item, item]))  # relative link, GUID listed twice
        data = summary_of(watch(cli, sqlite_url, site.url("/f")))
        source = data["sources"][0]  # the repeat is counted, not fetched (tracking/feeds.py)
        assert (source["items"], source["duplicates"], data["extracted"]) == (2, 1, 1)
        assert site.hits("/a/3") == 1


def test_polls_again_every_interval(sqlite_url: str) -> None:
    """Without --once: one JSON line per poll; the second finds nothing new; SIGTERM ends
    the wait between polls at once."""
    with FeedServer() as site:
        site.feed("/rss", rss_feed(site.base, publish(site, range(0, 2))))
        proc = _spawn(sqlite_url, site.url("/rss"), extra=("--interval", "1"))
        assert proc.stdout is not None
        lines = [json.loads(proc.stdout.readline()) for _ in range(2)]
        proc.send_signal(signal.SIGTERM)
        _out, errors = proc.communicate(timeout=60)
        assert proc.returncode == 130, errors
        assert lines[0]["extracted"] == 2 and lines[0]["sources"][0]["new"] == 2
        assert lines[1]["articles"] == 0 and lines[1]["sources"][0]["status"] == "not_modified"
        assert site.hits("/a/0") == site.hits("/a/1") == 1
