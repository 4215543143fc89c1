"""A mutation fuzzer over the readers (issue 11), driven by hypothesis.

Starts from the real inputs in `fixtures/` (seed articles, every supported format, the known
bad files) and mutates their bytes the way files get damaged or crafted: bytes flipped,
inserted (NUL, 0xff, BOMs, CR, bidi and zero-width characters, deep brackets, HTML tags),
deleted, truncated, chunks duplicated. Each mutant goes through the readers under its own
suffix, sniffed (no suffix), and as a file through `iter_inputs`; every outcome must be an
article or a one-line error, never an exception. `FAULTS_PROFILE=faults-deep` runs 2,000
mutants per test instead of 60.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from fault_counts import FAULTS, record
from hypothesis import given
from hypothesis import strategies as st
from test_props_ingest import MAX_BYTES, check_items

from stancetrack.ingest import ArticleInput, iter_inputs
from stancetrack.ingest.readers import SUPPORTED_SUFFIXES, parse_bytes

pytestmark = pytest.mark.faults

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SEEDS = sorted(
    p
    for folder in ("articles", "formats", "bad")
    for p in (FIXTURES / folder).iterdir()
    if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
)
INSERTS = [
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\r",
    b"\r\n",
    "\u202e".encode(),
    "\u200b".encode(),
    "\u00ad".encode(),
    b"[" * 5000,
    b"{" * 3000,
    b'{"text": ',
    b"<html><body><p>",
    b"</p></body>",
    b"\n\n\n",
    b"\\u0000",
    b"20221301\n",
    b"http://x\n",
]


@st.composite
def mutant(draw: st.DrawFn) -> tuple[Path, bytes]:
    seed = draw(st.sampled_from(SEEDS))
    data = bytearray(seed.read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate"]))
        if op == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS) | st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[at:]
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 400))]
    return seed, bytes(data)


@FAULTS
@given(case=mutant())
def test_mutated_fixtures_through_the_readers(case: tuple[Path, bytes]) -> None:
    seed, data = case
    articles = 0
    for suffix in (seed.suffix.lower(), None):
        items = list(parse_bytes(seed.name, data, suffix))  # never raises
        assert items
        check_items(seed.name, items)
        articles += sum(isinstance(i, ArticleInput) for i in items)
    with tempfile.TemporaryDirectory(prefix="stancetrack-fuzz-") as folder:
        path = Path(folder) / seed.name
        path.write_bytes(data)
        items = list(iter_inputs([str(path)], max_bytes=MAX_BYTES))
        assert items
        check_items(str(path), items)
    record("reader fuzzing (mutated fixtures, 3 reads each)", inputs=3, faults=1, articles=articles)
