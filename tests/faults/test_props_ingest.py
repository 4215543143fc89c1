"""Property tests over ingestion (issue 11): any bytes through the readers give articles or
clean errors, never an unexpected exception; a batch of them loses and duplicates nothing.

1. `parse_bytes` (the one entry point of every reader) on random bytes, random text, random
   JSON and JSON lines and seed-shaped text, under every supported suffix and sniffed: each
   item is an `ArticleInput` whose sha256 is its text's, or an `InputError` with a one-line
   reason; a non-JSON-lines input gives at most one item per article of a JSON list.
2. `extract --backend rules` over a directory of such files plus two good articles, on a
   fresh SQLite database per example: every article the readers produce is stored exactly
   once or named on an `error:` line; every reader error has its line; the good articles
   are stored with one successful run each; no "unexpected" error; exit 1 iff any error.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fault_counts import FAULTS, FAULTS_BATCH, record
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from stancetrack.errors import InputError
from stancetrack.ingest import ArticleInput, iter_inputs
from stancetrack.ingest.normalize import sha256_text
from stancetrack.ingest.readers import SUPPORTED_SUFFIXES, parse_bytes

pytestmark = pytest.mark.faults

REPO = Path(__file__).resolve().parents[2]
GOOD = sorted((REPO / "fixtures" / "articles").glob("*.txt"))[:2]
SUFFIXES = sorted(SUPPORTED_SUFFIXES)
MAX_BYTES = 1 << 20

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=80),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["title", "text", "url", "published", "date", "x"]), inner, max_size=5
        )
    ),
    max_leaves=12,
)
_records = st.fixed_dictionaries(
    {},
    optional={
        "title": st.text(max_size=400) | st.integers(),
        "text": st.text(max_size=600) | st.none() | st.lists(st.text(max_size=5), max_size=2),
        "url": st.text(max_size=300),
        "published": st.text(max_size=30) | st.integers(),
    },
)
_seed = st.builds(
    lambda title, day, url, body: f"{title}\n{day}\n{url}\n{body}",
    st.text(max_size=120),
    st.from_regex(r"\A\d{8}\Z") | st.text(max_size=10),
    st.from_regex(r"\Ahttps?://[a-z.]{1,30}/\S{0,40}\Z") | st.text(max_size=20),
    st.text(max_size=800),
)
CONTENTS = st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=2000).map(lambda s: s.encode("utf-8")),
    _json_values.map(lambda v: json.dumps(v).encode("utf-8")),
    st.lists(_records | _json_values, max_size=5).map(
        lambda rows: "\n".join(json.dumps(r) for r in rows).encode("utf-8")
    ),
    _records.map(lambda r: json.dumps(r, ensure_ascii=False).encode("utf-8")),
    _seed.map(lambda s: s.encode("utf-8")),
)


def check_items(source: str, items: list[ArticleInput | InputError]) -> None:
    """What every reader promises: articles with their own sha256, or one-line errors."""
    for item in items:
        if isinstance(item, InputError):
            assert item.source.startswith(source)
            assert item.reason.strip() and "\n" not in item.reason, item.reason
            assert "Traceback" not in item.reason
        else:
            assert isinstance(item, ArticleInput)
            assert item.text.strip() and item.title.strip()
            assert item.sha256 == sha256_text(item.text)
            assert "\x00" not in item.text


@FAULTS
@given(data=CONTENTS, suffix=st.sampled_from([*SUFFIXES, None]))
@example(data=b"#\n", suffix=".md")  # found by the fuzzer: the title was blank
@example(data=b"#", suffix=None)
@example(data=b"\xc2\xa0\n\x1c", suffix=".jsonl")  # found: only Unicode spaces gave nothing
def test_any_bytes_through_the_readers_give_articles_or_clean_errors(
    data: bytes, suffix: str | None
) -> None:
    items = list(parse_bytes("input", data, suffix))  # never raises
    assert items, "every input yields at least one article or error"
    check_items("input", items)
    if suffix not in (".jsonl", ".ndjson", ".json", None):
        assert len(items) == 1
    record(
        "readers (parse_bytes): random bytes, text, JSON, seed-shaped",
        inputs=1,
        faults=1,
        articles=sum(isinstance(i, ArticleInput) for i in items),
    )


def _db_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


@FAULTS_BATCH
@given(
    files=st.lists(st.tuples(CONTENTS, st.sampled_from(SUFFIXES)), min_size=1, max_size=6),
)
def test_a_batch_of_random_files_loses_and_duplicates_nothing(
    cli: Any, files: list[tuple[bytes, str]]
) -> None:
    with tempfile.TemporaryDirectory(prefix="stancetrack-faults-") as folder:
        root = Path(folder) / "in"
        root.mkdir()
        for path in GOOD:
            shutil.copy(path, root / path.name)
        for index, (data, suffix) in enumerate(files):
            (root / f"random_{index:02d}{suffix}").write_bytes(data)
        url = f"sqlite:///{Path(folder) / 'faults.db'}"
        # What the readers make of the directory: the oracle.
        expected = list(iter_inputs([str(root)], max_bytes=MAX_BYTES))
        articles = [i for i in expected if isinstance(i, ArticleInput)]
        errors = [i for i in expected if isinstance(i, InputError)]

        done = cli(["extract", root, "--backend", "rules", "--db", url, "-f", "json"])
        assert "unexpected" not in done.stderr, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        for error in errors:
            assert any(error.source in line for line in lines), (error, done.stderr)

        stored = dict(_db_rows(url, "SELECT sha256, id FROM articles"))
        ok_runs = _db_rows(
            url, "SELECT article_id, count(*) FROM runs WHERE status = 'ok' GROUP BY article_id"
        )
        lost = [
            a
            for a in articles
            if a.sha256 not in stored and not any(a.source in line for line in lines)
        ]
        duplicated = sum(n - 1 for _, n in ok_runs if n > 1)
        duplicated += len(_db_rows(url, "SELECT id FROM articles")) - len(stored)
        assert not lost, (lost, done.stderr)
        assert duplicated == 0
        good = {
            sha256_text(a.text) for a in articles if Path(a.source).name in {p.name for p in GOOD}
        }
        assert good <= set(stored)
        assert done.exit_code == (1 if lines else 0), done.stderr
        summary = json.loads(done.stdout)
        assert summary["articles"] + summary["failed"] >= len({a.sha256 for a in articles}) - len(
            lines
        )
        record(
            "extract batches of random files (SQLite, rules backend)",
            inputs=len(files) + len(GOOD),
            faults=len(files),
            articles=len({a.sha256 for a in articles}),
            lost=len(lost),
            duplicated=duplicated,
        )
