"""Every input format of docs/CONTRACTS.md, read by the library readers from the fixture files.

Expectations are derived from the fixture files themselves (parsed independently here), so
the tests keep checking the readers when someone edits a fixture.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from stancetrack.errors import InputError
from stancetrack.ingest import ArticleInput, iter_inputs, normalize_text, read_bytes, sha256_text
from stancetrack.ingest.readers import sniff

REPO = Path(__file__).resolve().parents[1]
FORMATS = REPO / "fixtures" / "formats"
SEED = REPO / "fixtures" / "articles" / "000_6e641d416cccd12d.txt"
LIMIT = 5_000_000


def read_all(*paths: str | Path, stdin: bytes | None = None) -> list[ArticleInput | InputError]:
    stream = io.BytesIO(stdin) if stdin is not None else None
    return list(iter_inputs([str(p) for p in paths], max_bytes=LIMIT, stdin=stream))


def only_articles(items: list[ArticleInput | InputError]) -> list[ArticleInput]:
    errors = [str(i) for i in items if isinstance(i, InputError)]
    assert not errors, errors
    return [i for i in items if isinstance(i, ArticleInput)]


def test_seed_format_splits_header_from_body() -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    [article] = only_articles(read_all(SEED))
    assert article.format == "seed"
    assert article.title == lines[0].strip()
    assert article.published == date(int(lines[1][:4]), int(lines[1][4:6]), int(lines[1][6:8]))
    assert article.url == lines[2].strip()
    assert article.text == normalize_text("\n".join(lines[3:]))
    assert lines[0].strip() not in article.text  # the title is not part of the body
    assert article.sha256 == sha256_text(article.text)
    assert article.source == str(SEED)


def test_plain_text_uses_first_line_as_title_and_keeps_all_text() -> None:
    path = FORMATS / "plain_article.txt"
    raw = path.read_text(encoding="utf-8")
    [article] = only_articles(read_all(path))
    assert article.format == "txt"
    assert article.title == raw.strip().splitlines()[0].strip()
    assert article.text == normalize_text(raw)
    assert article.url is None and article.published is None


def test_markdown_title_comes_from_the_heading() -> None:
    path = FORMATS / "baltic_exercise.md"
    raw = path.read_text(encoding="utf-8")
    heading = next(line for line in raw.splitlines() if line.startswith("# "))
    [article] = only_articles(read_all(path))
    assert article.format == "md"
    assert article.title == heading[2:].strip()
    assert article.text == normalize_text(raw)


def test_json_object_fields() -> None:
    path = FORMATS / "finland_application.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    [article] = only_articles(read_all(path))
    assert article.format == "json"
    assert article.title == record["title"]
    assert article.text == normalize_text(record["text"])
    assert article.url == record["url"]
    assert article.published == date.fromisoformat(record["published"])


def test_jsonl_one_article_per_line() -> None:
    path = FORMATS / "nordic_bids.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    articles = only_articles(read_all(path))
    assert len(records) >= 2
    assert [a.title for a in articles] == [r["title"] for r in records]
    assert [a.text for a in articles] == [normalize_text(r["text"]) for r in records]
    assert [a.url for a in articles] == [r.get("url") for r in records]
    assert {a.format for a in articles} == {"jsonl"}
    for lineno, article in enumerate(articles, start=1):
        assert article.source == f"{path}:{lineno}"


class _ArticleParagraphs(HTMLParser):
    """Collects the <h1> and the <p> texts inside <article> (the expected main text)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.stack: list[str] = []
        self.h1 = ""
        self.paragraphs: list[str] = []
        self.datetime: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self.depth += 1
        if tag == "time":
            self.datetime = dict(attrs).get("datetime")
        if self.depth and tag in {"p", "h1"}:
            self.stack.append(tag)
            if tag == "p":
                self.paragraphs.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.depth -= 1
        if self.stack and tag == self.stack[-1]:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "p":
            self.paragraphs[-1] += data
        elif self.stack and self.stack[-1] == "h1":
            self.h1 += data


def test_html_main_text_title_and_date() -> None:
    path = FORMATS / "vilnius_summit.html"
    page = path.read_text(encoding="utf-8")
    expected = _ArticleParagraphs()
    expected.feed(page)
    [article] = only_articles(read_all(path))
    assert article.format == "html"
    assert article.title == expected.h1.strip()
    assert expected.datetime is not None
    assert article.published == date.fromisoformat(expected.datetime[:10])
    body_paragraphs = [p for p in expected.paragraphs if len(p) > 80]
    assert len(body_paragraphs) >= 3
    for paragraph in body_paragraphs:
        assert " ".join(paragraph.split()) in article.text
    # Boilerplate around the article is not main text.
    for chrome in ("Subscribe", "Related stories", "All rights reserved", "dataLayer"):
        assert chrome in page
        assert chrome not in article.text


def test_html_canonical_url_and_meta_date() -> None:
    body = "<p>" + "Finland's parliament voted for the membership bid on Tuesday. " * 8 + "</p>"
    page = (
        "<html><head><title>Parliament votes</title>"
        '<link rel="canonical" href="https://news.example.com/2022/05/17/vote">'
        '<meta property="article:published_time" content="2022-05-17T10:00:00Z">'
        f"</head><body><article>{body}</article></body></html>"
    )
    [article] = read_bytes("page.html", page.encode(), ".html")
    assert article.url == "https://news.example.com/2022/05/17/vote"
    assert article.published == date(2022, 5, 17)
    assert article.text.startswith("Finland's parliament voted")


def test_json_list_reports_bad_items_by_index(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text(
        json.dumps(
            [
                {"title": "One", "text": "First article text.", "date": "20220101"},
                {"title": "Two", "text": "Second article text."},
                {"title": "No text here"},
                "not an object",
            ]
        ),
        encoding="utf-8",
    )
    items = read_all(path)
    articles = [i for i in items if isinstance(i, ArticleInput)]
    errors = [i for i in items if isinstance(i, InputError)]
    assert [a.title for a in articles] == ["One", "Two"]
    assert articles[0].published == date(2022, 1, 1)
    assert [e.source for e in errors] == [f"{path}[2]", f"{path}[3]"]
    assert '"text"' in errors[0].reason
    assert "str" in errors[1].reason


def test_jsonl_bad_lines_are_reported_as_file_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(
        '{"title": "A", "text": "Alpha text."}\n'
        '{"title": "B", "text": \n'
        "\n"
        '{"title": "C"}\n'
        '{"title": "D", "text": "Delta text."}\n',
        encoding="utf-8",
    )
    items = read_all(path)
    assert [i.title for i in items if isinstance(i, ArticleInput)] == ["A", "D"]
    errors = [str(i) for i in items if isinstance(i, InputError)]
    assert len(errors) == 2
    assert errors[0].startswith(f"{path}:2: invalid JSON")
    assert errors[1].startswith(f"{path}:4: ") and '"text"' in errors[1]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("one.json", '{"title": "A",\n "text": }', "invalid JSON (Expecting value at line 2)"),
        ("lines.jsonl", '{"title": "A", "text": }\n', "invalid JSON (Expecting value)"),
        ("deep.json", "[" * 100_000, "JSON nested too deeply to read"),
        ("deep.jsonl", "[" * 100_000 + "\n", "JSON nested too deeply to read"),
    ],
)
def test_unreadable_json_says_why(tmp_path: Path, name: str, content: str, message: str) -> None:
    """A .json error names its line; a .jsonl record is a line already (`file:N`)."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    errors = [i for i in read_all(path) if isinstance(i, InputError)]
    where = f"{path}:1" if name.endswith(".jsonl") else str(path)
    assert [(e.source, e.reason) for e in errors] == [(where, message)]


def test_normalisation_makes_equivalent_texts_identical() -> None:
    nfd = unicodedata.normalize("NFD", "Niinistö met Kristersson in Helsinki.")
    variants = [
        "Title\r\nNiinistö met Kristersson in Helsinki.  \r\n\r\n\r\nMore text.\r\n",
        "\ufeffTitle\rNiinistö met Kristersson in Helsinki.\r\rMore text.",
        f"Title\n{nfd}\t\n\nMore text.\n\n",
    ]
    articles = [read_bytes("x.txt", v.encode("utf-8"), ".txt")[0] for v in variants]
    assert {a.text for a in articles} == {
        "Title\nNiinistö met Kristersson in Helsinki.\n\nMore text.\n"
    }
    assert len({a.sha256 for a in articles}) == 1
    assert unicodedata.is_normalized("NFC", articles[2].text)
    assert "\r" not in articles[0].text


def test_directory_is_read_recursively_in_order_skipping_hidden_and_other_files(
    tmp_path: Path,
) -> None:
    root = tmp_path / "corpus"
    (root / "b" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "a.txt").write_text("Alpha\nalpha body", encoding="utf-8")
    (root / "b" / "c.md").write_text("# Charlie\ncharlie body", encoding="utf-8")
    (root / "b" / "deeper" / "d.json").write_text(
        '{"title": "Delta", "text": "delta body"}', encoding="utf-8"
    )
    (root / ".hidden" / "e.txt").write_text("Echo\nhidden", encoding="utf-8")
    (root / ".f.txt").write_text("Foxtrot\nhidden file", encoding="utf-8")
    (root / "g.pdf").write_bytes(b"%PDF-1.4 not an article")
    titles = [a.title for a in only_articles(read_all(root))]
    assert titles == ["Alpha", "Charlie", "Delta"]


def test_explicit_file_with_unknown_suffix_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "article.data"
    path.write_text('{"title": "Sniffed", "text": "JSON without a .json name."}', "utf-8")
    [article] = only_articles(read_all(path))
    assert (article.title, article.format) == ("Sniffed", "json")


@pytest.mark.parametrize(
    ("payload", "fmt"),
    [
        (SEED.read_bytes(), "seed"),
        ((FORMATS / "finland_application.json").read_bytes(), "json"),
        ((FORMATS / "nordic_bids.jsonl").read_bytes(), "jsonl"),
        ((FORMATS / "vilnius_summit.html").read_bytes(), "html"),
        ((FORMATS / "baltic_exercise.md").read_bytes(), "md"),
        ((FORMATS / "plain_article.txt").read_bytes(), "txt"),
    ],
)
def test_stdin_format_is_sniffed(payload: bytes, fmt: str) -> None:
    articles = only_articles(read_all("-", stdin=payload))
    assert articles
    assert {a.format for a in articles} == {fmt}
    assert all(a.source.startswith("<stdin>") for a in articles)


def test_stdin_matches_the_same_file() -> None:
    [from_file] = only_articles(read_all(SEED))
    [from_stdin] = only_articles(read_all("-", stdin=SEED.read_bytes()))
    assert from_stdin.sha256 == from_file.sha256
    assert (from_stdin.title, from_stdin.url) == (from_file.title, from_file.url)


def test_sniff_prefers_json_for_a_pretty_printed_object() -> None:
    assert sniff('{\n  "title": "x",\n  "text": "y"\n}\n') == ".json"
    assert sniff('{"text": "a"}\n{"text": "b"}\n') == ".jsonl"
    assert sniff("<!DOCTYPE html><html><body><p>x</p></body></html>") == ".html"


def test_titles_are_single_line_and_bounded() -> None:
    record = {"title": "A  title\nwith\tbreaks " + "x" * 400, "text": "Body."}
    [article] = read_bytes("t.json", json.dumps(record).encode(), ".json")
    assert "\n" not in article.title and "  " not in article.title
    assert len(article.title) <= 300
    assert re.match(r"^A title with breaks x+$", article.title)
