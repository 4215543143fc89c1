"""The vectorised MinHash gives datasketch's signature bit for bit, so the signatures and
band keys stored before it still compare with new ones (no fingerprint version change)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from stancetrack.ingest import fingerprint as fp

ARTICLES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "articles").glob("*.txt"))


def _datasketch(text: str) -> bytes:
    """The signature as it was computed before: datasketch's update_batch of the set."""
    sketch = MinHash(num_perm=fp.NUM_PERM, seed=fp._SEED, scheme=fp._SCHEME)
    sketch.update_batch(fp.shingles(text))
    return np.asarray(sketch.hashvalues, dtype="<u4").tobytes()


TEXTS = [p.read_text(encoding="utf-8") for p in ARTICLES] + [
    "one two three four five",
    "İstanbul ÉCOLE straße Ωμέγα déjà " * 4,
    "the same five words again " * 50,
]


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_signature_is_datasketchs(text: str) -> None:
    found = fp.fingerprint(text)
    assert found is not None
    assert found.signature == _datasketch(text)


def test_many_shingles_in_blocks() -> None:
    # More shingles than one block of the permutation step.
    text = " ".join(f"w{i}" for i in range(3 * fp._BLOCK + 17))
    found = fp.fingerprint(text)
    assert found is not None and found.signature == _datasketch(text)


def test_recorded_values_of_a_fixture() -> None:
    # Recorded on the datasketch-only code: what articles stored before carry.
    text = (ARTICLES[1]).read_text(encoding="utf-8")
    found = fp.fingerprint(text)
    assert found is not None
    assert found.signature[:16].hex() == "b5302a0001a0b2008aa05300a7118e00"
    assert found.bands[:3] == (956942239329656939, -3102209174627160236, -3517657329248009409)


def test_too_short_has_no_fingerprint() -> None:
    assert fp.fingerprint("only four words here") is None
    assert fp.fingerprint("") is None


def test_permutations_are_datasketchs() -> None:
    a, b = MinHash(num_perm=fp.NUM_PERM, seed=fp._SEED, scheme=fp._SCHEME).permutations
    ours = fp._permutations()
    assert ours[0].dtype == ours[1].dtype == np.uint32
    assert (ours[0] == a).all() and (ours[1] == b).all()
