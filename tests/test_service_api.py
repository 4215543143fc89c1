"""The JSON API through a real uvicorn server on 127.0.0.1, on SQLite and PostgreSQL.

Each answer is compared with the CLI's `--format json` for the same question (one code
path); lists are walked page by page with their cursors; writes need the token; bad input
gives JSON 4xx, never a 500.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_site import EVIL_ACTOR, TOKEN, Site, running_site, site_database


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("site")
    with site_database(request.param, folder) as url, running_site(url) as served:
        yield served


def cli_json(cli: Any, args: list[str], db_url: str) -> Any:
    result = cli([*args, "--db", db_url, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def get(site: Site, path: str, **params: Any) -> Any:
    with site.client() as client:
        response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def all_pages(site: Site, path: str, limit: int, **params: Any) -> list[Any]:
    """Every item of a paged list, following `next` until it is null."""
    items: list[Any] = []
    cursor = None
    pages = 0
    while True:
        page = get(site, path, **params, limit=limit, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= limit
        items += page["items"]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            return items
        assert len(page["items"]) == limit  # only a full page promises more
        assert pages < 1000


QUESTIONS = [
    (["articles"], "/api/articles", {}),
    (["claims"], "/api/claims", {}),
    (["claims", "--actor", "Erdogan"], "/api/claims", {"actor": "Erdogan"}),
    (
        ["claims", "--stance", "oppose", "--since", "2022-01-01", "--until", "2022-12-31"],
        "/api/claims",
        {"stance": "oppose", "since": "2022-01-01", "until": "2022-12-31"},
    ),
    (["claims", "--search", "sweden"], "/api/claims", {"q": "sweden"}),
    (["claims", "--article", "3"], "/api/claims", {"article": "3"}),
    (["actors"], "/api/actors", {}),
    (["compare"], "/api/compare", {}),
    (
        ["compare", "Erdogan", "Putin", "Stoltenberg"],
        "/api/compare",
        {"actor": ["Erdogan", "Putin", "Stoltenberg"]},
    ),
    (["compare", "--article", "4"], "/api/compare", {"article": "4"}),
    (["compare", "--include-unverified"], "/api/compare", {"include_unverified": "true"}),
    (["compare", "--per", "story"], "/api/compare", {"per": "story"}),
    (["runs"], "/api/runs", {}),
    (["claims", "--subject", "Finland"], "/api/claims", {"subject": "Finland"}),
    (["compare", "--by", "subject"], "/api/compare", {"by": "subject"}),
    (["changes"], "/api/changes", {}),
    (
        ["changes", "Erdogan", "--subject", "Finland"],
        "/api/changes",
        {"actor": "Erdogan", "subject": "Finland"},
    ),
    (
        ["changes", "--since", "2023-01-01", "--per", "story"],
        "/api/changes",
        {"since": "2023-01-01", "per": "story"},
    ),
]


@pytest.mark.parametrize(("args", "path", "params"), QUESTIONS, ids=lambda v: str(v))
def test_list_answers_equal_the_cli_json(
    site: Site, cli: Any, args: list[str], path: str, params: dict[str, Any]
) -> None:
    expected = cli_json(cli, args, site.db_url)
    assert expected, "the question must have an answer to compare"
    whole = get(site, path, **params)
    assert whole == {"items": expected, "next": None}
    # The same rows, page by page, with cursors (small pages: several of them).
    assert all_pages(site, path, 4, **params) == expected


def test_documents_equal_the_cli_json(site: Site, cli: Any) -> None:
    diff = cli_json(cli, ["diff", "3", "4"], site.db_url)
    assert diff["actors"]
    assert get(site, "/api/diff", a="3", b="4") == diff
    timeline = cli_json(cli, ["timeline", "Erdogan"], site.db_url)
    assert len(timeline["points"]) >= 2
    assert get(site, "/api/timeline", actor="Erdogan") == timeline
    per_story = cli_json(cli, ["timeline", "Erdogan", "--per", "story"], site.db_url)
    assert per_story["points"]
    assert get(site, "/api/timeline", actor="Erdogan", per="story") == per_story
    by_story = get(site, "/api/compare", per="story")["items"]
    assert by_story and all("stories" in row and "outlets" in row for row in by_story)


def test_claims_carry_the_article_text_offsets(site: Site) -> None:
    """Each claim's quote is exactly the stored text at [start:end] (the v1 contract)."""
    from stancetrack.db import Database
    from stancetrack.db.models import Article

    claims = get(site, "/api/claims")["items"]
    db = Database(site.db_url)
    try:
        with db.session() as session:
            for c in claims:
                article = session.get(Article, c["article"]["id"])
                assert article is not None
                assert article.text[c["start"] : c["end"]] == c["quote"]
    finally:
        db.dispose()


def test_a_target_nobody_extracted_is_an_error_not_mixed(site: Site) -> None:
    with site.client() as client:
        other = client.get("/api/claims", params={"target": "EU enlargement"})
    assert other.status_code == 400
    assert (
        "'EU enlargement'" in other.json()["error"] and "'NATO expansion'" in other.json()["error"]
    )
    # case and spacing do not matter
    assert get(site, "/api/compare", target="  nato   EXPANSION ")["items"]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/claims", {"actor": "Nobody Atall"}, 404),
        ("/api/claims", {"article": "999999"}, 404),
        ("/api/claims", {"article": "9" * 40}, 404),
        ("/api/claims", {"article": "/etc/passwd"}, 404),  # never read from the server's disk
        ("/api/claims", {"stance": "angry"}, 422),
        ("/api/claims", {"since": "yesterday"}, 422),
        ("/api/claims", {"since": "2023-01-01", "until": "2022-01-01"}, 400),
        ("/api/claims", {"limit": "0"}, 422),
        ("/api/claims", {"limit": "-5"}, 422),
        ("/api/claims", {"limit": "10000000000000000000000"}, 422),
        ("/api/claims", {"cursor": "not-a-cursor"}, 400),
        ("/api/claims", {"target": "   "}, 400),
        ("/api/runs", {"target": " "}, 400),  # blank, as on every other endpoint
        ("/api/claims", {"target": "x" * 201}, 422),
        ("/api/diff", {"a": "1"}, 422),
        ("/api/diff", {"a": "1", "b": "nope"}, 404),
        ("/api/timeline", {}, 422),
        ("/api/timeline", {"actor": "\x00"}, 400),
        ("/api/claims", {"q": "a\x00b"}, 400),
        ("/api/runs", {"status": "weird"}, 422),
        ("/api/nothing", {}, 404),
    ],
)
def test_bad_queries_are_json_4xx(
    site: Site, path: str, params: dict[str, str], status: int
) -> None:
    with site.client() as client:
        response = client.get(path, params=params)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]


def test_cursor_of_another_list_is_refused(site: Site) -> None:
    page = get(site, "/api/articles", limit=1)
    assert page["next"]
    with site.client() as client:
        response = client.get("/api/claims", params={"cursor": page["next"]})
    assert response.status_code == 400
    assert "cursor" in response.json()["error"]


def test_unknown_actor_suggests_names(site: Site) -> None:
    with site.client() as client:
        response = client.get("/api/claims", params={"actor": "Erdogn"})
    assert response.status_code == 404
    assert "Erdo" in response.json()["error"]  # the closest name is offered


def test_a_name_like_nothing_gets_no_suggestion(site: Site, cli: Any) -> None:
    """'Nobody' resembles no actor: no 'closest' hint (it was Volodymyr Zelenskyy), but how
    to list the actors; the API, the dashboard and the CLI share the one message."""
    with site.client() as client:
        api = client.get("/api/compare", params={"actor": "Nobody"})
        page = client.get("/compare", params={"actor": "Nobody"})
        typo = client.get("/api/compare", params={"actor": "Stoltenbreg"})
    result = cli(["compare", "Nobody", "--db", site.db_url])
    assert api.status_code == 404 and page.status_code == 404 and result.exit_code != 0
    message = api.json()["error"]
    assert "closest" not in message and "Zelensk" not in message, message
    assert "stancetrack actors" in message and "/api/actors" in message
    assert "Zelensk" not in page.text and "stancetrack actors" in page.text
    assert "Zelensk" not in result.stderr and "stancetrack actors" in result.stderr
    assert typo.status_code == 404 and "closest: Jens Stoltenberg" in typo.json()["error"]


def test_unknown_article_names_what_the_server_accepts(site: Site) -> None:
    with site.client() as client:
        response = client.get("/api/claims", params={"article": "999999"})
    message = response.json()["error"]
    assert response.status_code == 404
    assert "path" not in message and "sha256 prefix" in message and "URL" in message


def test_no_cors_and_security_headers(site: Site) -> None:
    with site.client() as client:
        pre = client.options(
            "/api/claims",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
        got = client.get("/api/articles", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in pre.headers
    assert "access-control-allow-origin" not in got.headers
    assert "default-src 'none'" in got.headers["content-security-policy"]
    assert got.headers["x-content-type-options"] == "nosniff"


def test_openapi_describes_every_endpoint(site: Site) -> None:
    spec = get(site, "/api/openapi.json")
    assert get(site, "/openapi.json") == spec
    paths = spec["paths"]
    for path in ("articles", "claims", "actors", "compare", "diff", "timeline", "runs"):
        assert "get" in paths[f"/api/{path}"], path
    assert "post" in paths["/api/articles"]
    assert "202" in paths["/api/articles"]["post"]["responses"]
    assert {"ClaimOut", "ClaimsPage", "DiffOut", "TimelineOut"} <= set(
        spec["components"]["schemas"]
    )


def test_responses_match_their_openapi_schema(site: Site) -> None:
    """What the handlers return (the answers' JSON) validates against the documented models."""
    from stancetrack.service import schemas

    schemas.ArticlesPage.model_validate(get(site, "/api/articles"))
    schemas.ClaimsPage.model_validate(get(site, "/api/claims"))
    schemas.ActorsPage.model_validate(get(site, "/api/actors"))
    schemas.ComparePage.model_validate(get(site, "/api/compare", evidence="true"))
    schemas.ComparePage.model_validate(get(site, "/api/compare", by="article"))
    schemas.ComparePage.model_validate(get(site, "/api/compare", by="outlet"))
    schemas.DiffOut.model_validate(get(site, "/api/diff", a="3", b="4"))
    schemas.TimelineOut.model_validate(get(site, "/api/timeline", actor="Erdogan"))
    schemas.RunsPage.model_validate(get(site, "/api/runs"))
    schemas.ComparePage.model_validate(get(site, "/api/compare", by="subject", evidence="true"))
    schemas.ChangesPage.model_validate(get(site, "/api/changes"))


def test_evil_actor_is_plain_data_in_json(site: Site) -> None:
    actors = [a["actor"] for a in get(site, "/api/actors")["items"]]
    assert EVIL_ACTOR in actors


# -- writes ------------------------------------------------------------------------------------

ARTICLE = {
    "title": "Erdogan sets terms for Sweden",
    "text": (
        "President Recep Tayyip Erdogan said on Monday that Turkey will not support Sweden "
        "joining NATO while it harbours militants.\n"
        "NATO Secretary General Jens Stoltenberg said Finland and Sweden should be welcomed "
        "into the alliance quickly."
    ),
    "url": "https://news.example.org/erdogan-terms",
    "published": "2023-05-02",
}


@pytest.fixture(params=["sqlite", "postgres"])
def empty_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    url = (
        f"sqlite:///{tmp_path / 'w.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("pg_url"))
    )
    with running_site(url) as served:
        yield served


def test_post_article_extracts_in_the_background(
    empty_site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with empty_site.client() as client:
        refused = client.post("/api/articles", json=ARTICLE)
        wrong = client.post("/api/articles", json=ARTICLE, headers={"Authorization": "Bearer no"})
        accepted = client.post("/api/articles", json=ARTICLE, headers=auth)
        assert refused.status_code == wrong.status_code == 401
        assert accepted.status_code == 202, accepted.text
        body = accepted.json()
        assert body["status"] == "queued"
        article = body["article"]
        assert article["title"] == ARTICLE["title"] and article["published"] == "2023-05-02"
        deadline = time.monotonic() + 60
        runs: list[Any] = []
        while time.monotonic() < deadline and not runs:
            runs = client.get("/api/runs", params={"article": str(article["id"])}).json()["items"]
            time.sleep(0.2)
        assert runs and runs[0]["status"] == "ok" and runs[0]["backend"] == "rules"
        claims = client.get("/api/claims", params={"article": article["sha256"][:12]}).json()
        actors = {c["actor"] for c in claims["items"]}
        assert any("Erdo" in a for a in actors), actors
        # The same article again: stored once (same sha256), and, being extracted for this
        # target already, answered 200 "exists" with the stored article: nothing queued.
        queued = empty_site.server.config.app.state.service.queue.accepted
        again = client.post("/api/articles", json=ARTICLE, headers=auth)
        assert again.status_code == 200, again.text
        stored = client.get("/api/articles").json()["items"]
        assert again.json() == {"article": stored[0], "status": "exists"}
        assert stored[0]["id"] == article["id"] and stored[0]["claims"] > 0
        assert empty_site.server.config.app.state.service.queue.accepted == queued
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        {"title": "t"},
        {"title": "", "text": "x"},
        {"title": "t", "text": "x", "published": "someday"},
        {"title": "t", "text": "x", "extra": 1},
        {"title": "t", "text": "   \n  "},
        [1, 2],
    ],
    ids=lambda b: json.dumps(b)[:30],
)
def test_bad_article_bodies_are_422(empty_site: Site, body: Any) -> None:
    """Every bad body is a 422 `{"error": ...}`, a blank text included (it was a 400)."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with empty_site.client() as client:
        response = client.post("/api/articles", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert set(response.json()) == {"error"} and response.json()["error"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"{not json",
            "request body is not valid JSON: "
            "Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        (
            b'{"title": "t",\n "text": }',
            "request body is not valid JSON: Expecting value at line 2 column 10",
        ),
    ],
)
def test_invalid_json_says_so(tmp_path: Path, content: bytes, message: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    with running_site(f"sqlite:///{tmp_path / 'w.db'}") as served, served.client() as client:
        response = client.post("/api/articles", content=content, headers=auth)
    assert response.status_code == 422, response.text
    assert response.json() == {"error": message}


def test_body_size_is_limited(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    with running_site(url, max_file_bytes=1000) as served, served.client() as client:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        big = {"title": "t", "text": "word " * 40_000}
        response = client.post("/api/articles", json=big, headers=auth)
        assert response.status_code == 413
        assert "larger" in response.json()["error"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            yield b'{"title": "t", "text": "'
            for _ in range(100):
                yield b"x" * 1000
            yield b'"}'

        streamed = client.post(
            "/api/articles",
            content=chunks(),
            headers={**auth, "content-type": "application/json"},
        )
        assert streamed.status_code == 413


def test_writes_refused_without_a_configured_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    with running_site(url, token=None) as served, served.client() as client:
        response = client.post(
            "/api/articles", json=ARTICLE, headers={"Authorization": "Bearer anything"}
        )
        assert response.status_code == 401
        assert "STANCETRACK_API_TOKEN" in response.json()["error"]
        assert client.get("/api/articles").json() == {"items": [], "next": None}


def test_reads_do_not_need_a_token(site: Site) -> None:
    with httpx.Client(base_url=site.url) as client:
        assert client.get("/api/claims", params={"limit": 1}).status_code == 200
