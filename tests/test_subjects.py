"""Subjects and changes (issue 23): which of a target's subjects a claim is about, stance per
subject, and each change of an actor's overall stance, over real databases and servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import pytest
from extract_helpers import gold
from stub_server import StubServer

from stancetrack.subjects import target_subjects

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"
NATO = target_subjects("NATO expansion")


def run(cli: Any, *args: Any) -> Any:
    result = cli([*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# -- finding subjects ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quote", "expected"),
    [
        ("He said Sweden's bid must wait.", "Sweden's bid must wait", ("Sweden",)),
        (
            "Finland and Sweden applied. He would not let the two Nordic countries in.",
            "he would not let the two Nordic countries in",
            ("Finland", "Sweden"),
        ),
        ("Kyiv belongs in the alliance, she said.", "Kyiv belongs in the alliance", ("Ukraine",)),
        # The group phrase counts only when the article names its members.
        (
            "He would not let the two Nordic countries in.",
            "he would not let the two Nordic countries in",
            (),
        ),
        # The quote names no subject: its paragraph before it does.
        (
            "Erdogan accused the two countries of lies. Finland and Sweden deny it.\n"
            '"The door stays open," he said.',
            "The door stays open",
            (),
        ),
        (
            'Erdogan attacked Sweden again. "Why believe their promises?" he said.',
            "Why believe their promises?",
            ("Sweden",),
        ),
        ("The alliance will grow, he said.", "The alliance will grow", ()),
    ],
)
def test_subjects_near_a_claim(text: str, quote: str, expected: tuple[str, ...]) -> None:
    start = text.lower().index(quote.lower())
    assert NATO.find(text, (start, start + len(quote))) == expected


def test_names_and_aliases_are_canonical() -> None:
    assert NATO.canonical("kyiv") == "Ukraine"
    assert NATO.canonical("  Bosnia  and herzegovina ") == "Bosnia and Herzegovina"
    assert NATO.canonical("Narnia") is None
    assert not target_subjects("some target without a file")


# -- rules backend on the fixtures -----------------------------------------------------------


@pytest.fixture
def fixtures_db(cli: Any, db_url: str) -> str:
    result = cli(["extract", str(FIXTURES), "--backend", "rules", "--db", db_url])
    assert result.exit_code == 0, result.stderr
    return db_url


def test_compare_by_subject_separates_finland_and_sweden(cli: Any, fixtures_db: str) -> None:
    rows = run(cli, "compare", "Erdogan", "--by", "subject", "--evidence", "--db", fixtures_db)
    by_subject = {r["subject"]: r for r in rows}
    assert {"Finland", "Sweden"} <= set(by_subject)
    finland, sweden = by_subject["Finland"], by_subject["Sweden"]
    assert finland["support"] >= 2 and finland["oppose"] >= 1
    # Finland's ratification is his support for Finland, not for Sweden (its turn "will come").
    claims = run(cli, "claims", "--actor", "Erdogan", "--subject", "Finland", "--db", fixtures_db)
    assert any("Finland's accession protocol" in c["quote"] for c in claims)
    assert all("Finland" in c["subjects"] for c in claims)
    sweden_claims = run(
        cli, "claims", "--actor", "Erdogan", "--subject", "sweden", "--db", fixtures_db
    )
    assert not any("Finland's accession protocol" in c["quote"] for c in sweden_claims)
    assert any("Sweden's turn" in c["quote"] for c in sweden_claims)
    assert finland["claims"] != sweden["claims"] or finland["support"] != sweden["support"]


def test_changes_lists_erdogan_and_orban_turning(cli: Any, fixtures_db: str) -> None:
    changes = run(cli, "changes", "Erdogan", "--db", fixtures_db)
    finland = [c for c in changes if c["subject"] == "Finland"]
    assert [(c["from"], c["to"]) for c in finland] == [("oppose", "support")]
    change = finland[0]
    assert change["before"]["article"]["published"] == "2022-05-18"
    assert change["after"]["article"]["published"] == "2023-03-31"
    assert change["before"]["article"]["outlet"] == "example.com"
    assert change["before"]["evidence"]["stance"] == "oppose"
    assert "Finland" in change["after"]["evidence"]["quote"]
    orban = run(cli, "changes", "Orban", "--subject", "Sweden", "--db", fixtures_db)
    assert [(c["from"], c["to"]) for c in orban] == [("oppose", "support")]
    assert orban[0]["after"]["article"]["title"].startswith("Sweden becomes NATO's 32nd")
    assert orban[0]["after"]["evidence"]["stance"] == "support"
    late = run(cli, "changes", "Erdogan", "--since", "2023-04-01", "--db", fixtures_db)
    assert all(c["after"]["article"]["published"] >= "2023-04-01" for c in late)
    assert len(late) < len(changes)
    timeline = run(cli, "timeline", "Erdogan", "--subject", "Finland", "--db", fixtures_db)
    assert [p["stance"] for p in timeline["points"]] == ["oppose", "support"]


def test_unknown_subject_is_a_usage_error(cli: Any, fixtures_db: str) -> None:
    result = cli(["claims", "--subject", "Narnia", "--db", fixtures_db])
    assert result.exit_code == 2
    assert "Finland" in result.stderr


# -- LLM path: the reply's subjects ----------------------------------------------------------


def test_reply_subjects_are_stored_and_foreign_ones_rejected(
    cli: Any, stub: StubServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    stem = "006_turkey_ratifies_finland"
    claims = gold(stem)
    named = dict(claims[0], subjects=["helsinki"])  # an alias: stored as Finland
    foreign = dict(claims[1], subjects=["Narnia"])
    stub.queue({"claims": [named, foreign, *claims[2:]]})
    result = cli(
        [
            "extract",
            str(FIXTURES / f"{stem}.txt"),
            "--base-url",
            stub.base_url,
            "--model",
            "stub-model",
            "--db",
            sqlite_url,
            "--format",
            "json",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rejected"] == 1
    stored = run(cli, "claims", "--db", sqlite_url)
    by_quote = {c["quote"]: c for c in stored}
    assert by_quote[named["quote"]]["subjects"] == ["Finland"]
    assert foreign["quote"] not in by_quote
    runs = run(cli, "runs", "--db", sqlite_url)
    shown = run(cli, "runs", "show", str(runs[0]["id"]), "--db", sqlite_url)
    (rejected,) = shown["rejected_claims"]
    assert rejected["reason"] == "invalid value"
    assert "Narnia" in json.dumps(rejected)
    # The wire schema asks for them (schema v2).
    sent = stub.chat_requests[0].json
    if sent.get("response_format", {}).get("type") == "json_schema":
        item = sent["response_format"]["json_schema"]["schema"]["properties"]["claims"]["items"]
        assert "subjects" in item["properties"]


# -- the feed and the API --------------------------------------------------------------------


def test_feed_is_atom_newest_first_and_filtered(fixtures_db: str) -> None:
    from fastapi.testclient import TestClient

    from stancetrack.service.app import create_app
    from stancetrack.settings import load_settings

    app = create_app(load_settings(database_url=fixtures_db))
    with TestClient(app) as client:
        api = client.get("/api/changes").json()["items"]
        feed_response = client.get("/feeds/changes.atom")
        assert feed_response.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(feed_response.content)
        assert feed.version == "atom10" and not feed.bozo
        assert len(feed.entries) == len(api) > 0
        days = [e.updated for e in feed.entries]
        assert days == sorted(days, reverse=True)
        assert all(e.link.startswith("http://testserver/actors/") for e in feed.entries)
        only = feedparser.parse(
            client.get(
                "/feeds/changes.atom", params={"actor": "Erdogan", "subject": "Finland"}
            ).content
        )
        assert [e.title for e in only.entries] == [
            "Recep Tayyip Erdogan (Finland): oppose -> support"
        ]
        page = client.get("/changes", params={"actor": "Erdogan"})
        assert page.status_code == 200 and "oppose" in page.text and "Finland" in page.text
        actor = client.get("/actors/Recep Tayyip Erdogan")
        assert "Stance by subject" in actor.text and "Sweden" in actor.text


def test_feed_meets_atom_s_required_elements(fixtures_db: str) -> None:
    """RFC 4287's must-haves, checked on the XML itself (a validator's rules, not a
    parser's forgiveness): the feed and every entry carry one id, title and updated (RFC
    3339), entries a link and an author or the feed's; ids unique and absolute."""
    from datetime import datetime
    from urllib.parse import urlsplit
    from xml.etree import ElementTree

    from fastapi.testclient import TestClient

    from stancetrack.service.app import create_app
    from stancetrack.settings import load_settings

    atom = "{http://www.w3.org/2005/Atom}"
    app = create_app(load_settings(database_url=fixtures_db))
    with TestClient(app) as client:
        root = ElementTree.fromstring(client.get("/feeds/changes.atom").content)
    assert root.tag == f"{atom}feed"

    def one(element: ElementTree.Element, name: str) -> str:
        found = element.findall(f"{atom}{name}")
        assert len(found) == 1, (name, len(found))
        return (found[0].text or "").strip()

    def rfc3339(value: str) -> None:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        assert "T" in value and (value.endswith("Z") or value[-6] in "+-"), value

    for name in ("id", "title"):
        assert one(root, name)
    rfc3339(one(root, "updated"))
    feed_author = root.findall(f"{atom}author")
    entries = root.findall(f"{atom}entry")
    assert entries
    ids = []
    for entry in entries:
        ids.append(one(entry, "id"))
        assert one(entry, "title")
        rfc3339(one(entry, "updated"))
        assert entry.findall(f"{atom}link") and entry.find(f"{atom}link").get("href")
        assert feed_author or entry.findall(f"{atom}author")
    assert len(set(ids)) == len(ids)
    assert all(urlsplit(i).scheme for i in ids)  # IRIs, e.g. tag: or urn:
