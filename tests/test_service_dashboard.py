"""The dashboard: every page escapes hostile text (served over real HTTP), and the flow
overview -> actor -> article -> highlighted quote works in Debian's headless Chromium,
driven by Playwright (which never downloads a browser here: it is given /usr/bin/chromium).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from service_site import (
    EVIL_ACTOR,
    EVIL_MARKERS,
    EVIL_TITLE,
    Site,
    running_site,
    site_database,
)

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("dash")
    with site_database(request.param, folder) as url, running_site(url) as served:
        yield served


def _evil_ids(site: Site) -> tuple[int, int]:
    with site.client() as client:
        articles = client.get("/api/articles").json()["items"]
        article = next(a for a in articles if a["title"] == EVIL_TITLE)
        runs = client.get("/api/runs", params={"article": str(article["id"])}).json()["items"]
    return article["id"], runs[0]["id"]


def _pages(site: Site) -> list[str]:
    article_id, run_id = _evil_ids(site)
    evil = quote(EVIL_ACTOR, safe="")
    return [
        "/",
        "/?stance=oppose&since=2000-01-01",
        "/?outlet=example.com",
        f"/actors/{evil}",
        "/actors/Erdogan",
        f"/articles/{article_id}",
        "/articles/3",
        f"/compare?actor={evil}&actor=Erdogan",
        f"/compare?actor={evil}&actor=Erdogan&per=story",
        f"/diff?a={article_id}&b=3",
        "/search?q=%3Cscript%3E",
        "/search?q=loudly",
        f"/runs/{run_id}",
        "/actors/%3Cscript%3Ealert(1)%3C%2Fscript%3E",  # error page echoing the name
        "/articles/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    ]


SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)


def test_every_page_escapes_hostile_text(site: Site) -> None:
    seen_escaped = 0
    with site.client() as client:
        for path in _pages(site):
            response = client.get(path)
            assert response.status_code in (200, 404), (path, response.text[:300])
            assert response.headers["content-type"].startswith("text/html")
            html = response.text
            for marker in EVIL_MARKERS:
                assert marker not in html, (path, marker)
            assert "<img" not in html.lower(), path  # (escaped text may say onerror=...)
            # Our own script only, from our own origin; nothing inline, nothing remote.
            tags = SCRIPT_TAG.findall(html)
            assert tags == ['<script src="/static/app.js" defer>'], (path, tags)
            # Assets are local (links to an article's own source URL are not assets).
            assert not re.search(r'src="(https?:)?//', html), path
            links = re.findall(r'<link\b[^>]*href="([^"]*)"', html)
            assert links and all(h.startswith("/static/") for h in links), (path, links)
            seen_escaped += html.count("&lt;script&gt;") + html.count("&lt;/script&gt;")
            assert "default-src 'none'" in response.headers["content-security-policy"]
    assert seen_escaped >= 5  # the hostile strings were shown (as text), not dropped


def test_article_page_highlights_each_quote(site: Site) -> None:
    with site.client() as client:
        claims = client.get("/api/claims", params={"article": "3"}).json()["items"]
        html = client.get("/articles/3").text
    assert claims
    for c in claims:
        assert re.search(rf'<mark class="ev st-\w+" data-claims="[^"]*\b{c["id"]}\b', html), c
        assert f'id="claim-{c["id"]}"' in html


def test_compare_page_counts_wire_copies_once_when_asked(site: Site) -> None:
    """`per=story` on the compare page: the API's per-story rows, with stories and outlets."""
    with site.client() as client:
        rows = client.get("/api/compare", params={"actor": "Erdogan", "per": "story"})
        row = rows.json()["items"][0]
        html = client.get("/compare", params={"actor": "Erdogan", "per": "story"}).text
        plain = client.get("/compare", params={"actor": "Erdogan"}).text
    assert row["stories"] >= 1
    assert '<th class="num">Stories</th>' in html and "Stories" not in plain
    assert 'value="story" checked' in html and 'value="story" checked' not in plain
    assert f'<td class="num">{row["stories"]}</td>' in html


def test_compare_page_without_actors_lists_everyone_like_the_cli(site: Site, cli: Any) -> None:
    """`/compare` with no actor chosen: every actor's row, as `stancetrack compare` prints."""
    result = cli(["compare", "--db", site.db_url, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    expected = [row["actor"] for row in json.loads(result.stdout)]
    assert len(expected) > 3
    with site.client() as client:
        html = client.get("/compare").text
    shown = [unescape(n) for n in re.findall(r'<a class="actor" href="[^"]*">([^<]*)</a>', html)]
    assert shown == expected


def test_readme_walkthrough_names_what_the_overview_shows(tmp_path: Path, cli: Any) -> None:
    """The README's "Click **NAME**" after the quick start: NAME as the page spells it."""
    db = f"sqlite:///{tmp_path / 'quick.db'}"
    extracted = cli(["extract", str(REPO / "fixtures" / "articles"), "--db", db])
    assert extracted.exit_code == 0, extracted.stderr
    clicked = re.findall(r"Click \*\*([^*]+)\*\*", (REPO / "README.md").read_text("utf-8"))
    assert clicked
    with running_site(db) as served, served.client() as client:
        html = unescape(client.get("/").text)
    for name in clicked:
        assert f">{name}</a>" in html, name


def _chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (apt-get install -y chromium) and CI is set")
    pytest.skip("chromium is not installed (apt-get install -y chromium)")


@pytest.mark.browser
def test_overview_to_actor_to_article_to_quote_in_chromium(site: Site, tmp_path: Path) -> None:
    binary = _chromium()
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    shots = tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            # 1. Overview: Erdogan's row is there; click through (click 1).
            page.goto(site.url + "/")
            page.screenshot(path=str(shots / "1-overview.png"), full_page=True)
            page.get_by_role("link", name=re.compile("Erdo.an")).first.click()
            # 2. Actor page: overall stance, the timeline chart, the evidence.
            page.wait_for_selector("svg.timeline circle.pt")
            assert re.search("Erdo.an", page.locator("h1").inner_text())
            assert page.locator("li.claim").count() > 0
            page.screenshot(path=str(shots / "2-actor.png"), full_page=True)
            first = page.locator("li.claim").first
            quote_text = first.locator("blockquote").inner_text().strip("“”")
            first.locator("a.article").click()  # click 2: to the article, at the quote
            # 3. Article page: the quote is highlighted and shown with its claim (click 3).
            page.wait_for_selector("mark.ev")
            mark = page.locator("mark.ev.active")
            mark.first.wait_for()
            assert mark.first.inner_text() in quote_text or quote_text.startswith(
                mark.first.inner_text()[:20]
            )
            page.locator("mark.ev").first.click()
            detail = page.locator("#detail")
            assert detail.is_visible()
            assert page.locator("#detail-actor").inner_text()
            assert re.match(r"run \d+", page.locator("#detail-run").inner_text())
            page.screenshot(path=str(shots / "3-article.png"), full_page=False)
            # Hostile article: its strings stay text, nothing runs.
            article_id, _ = _evil_ids(site)
            page.goto(f"{site.url}/articles/{article_id}")
            page.locator("mark.ev").first.click()
            assert page.title() != "pwned" and page.title() != "1"
            assert page.locator("#pwned, #pwned2").count() == 0
            assert page.evaluate("() => window.pwned === undefined")
            assert EVIL_ACTOR in page.locator("#detail-actor").inner_text()
            page.goto(site.url + "/actors/" + quote(EVIL_ACTOR, safe=""))
            assert page.locator("#pwned, #pwned2").count() == 0
            assert page.locator("h1").inner_text() == EVIL_ACTOR
        finally:
            browser.close()
    assert not errors, errors  # no script error, no CSP violation
    for name in ("1-overview.png", "2-actor.png", "3-article.png"):
        assert (shots / name).stat().st_size > 20_000, name  # not a blank page
    print(f"dashboard screenshots: {shots}")
    if os.environ.get("UPDATE_DASHBOARD_PNG") == "1":  # refresh the README screenshot
        shutil.copy(shots / "3-article.png", REPO / "docs" / "dashboard.png")


def test_pages_answer_bad_input_with_4xx(site: Site) -> None:
    with site.client() as client:
        for path in ("/?since=nope", "/?limit=0", "/runs/0", "/runs/abc", "/actors/Nobody%20Atall"):
            response = client.get(path)
            assert 400 <= response.status_code < 500, (path, response.status_code)
            assert response.headers["content-type"].startswith("text/html")


@pytest.mark.browser
def test_changes_and_stance_by_subject_in_chromium(site: Site, tmp_path: Path) -> None:
    """The Changes page lists Erdogan's move on Finland with both quotes; from it, his
    actor page shows his stance per subject (issue 23), in a real browser."""
    binary = _chromium()
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(site.url + "/")
            page.get_by_role("link", name="Changes").first.click()
            page.wait_for_selector("table.changes tr.change")
            page.fill("input[name=actor]", "erdogan")  # as a person types it
            page.fill("input[name=subject]", "finland")
            page.get_by_role("button", name="Show").click()
            rows = page.locator("tr.change")
            rows.first.wait_for()
            moves = [
                tuple(rows.nth(i).locator("span.badge").all_inner_texts())
                for i in range(rows.count())
            ]
            # newest first: he ends at support, having started from oppose (the site's corpus
            # has more articles than the fixtures, so the way goes through "mixed")
            assert moves and moves[0][1] == "support", moves
            assert moves[-1][0] == "oppose", moves
            first = rows.first
            assert first.locator("td.subject").inner_text() == "Finland"
            assert first.inner_text().count("“") >= 2  # both sides' evidence quotes
            page.screenshot(path=str(tmp_path / "changes.png"), full_page=True)
            first.locator("a.actor").click()
            page.wait_for_selector("table.by-subject tr.subject-row")
            subjects = page.locator("table.by-subject td.subject").all_inner_texts()
            assert "Finland" in subjects and "Sweden" in subjects, subjects
            page.screenshot(path=str(tmp_path / "actor-subjects.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
