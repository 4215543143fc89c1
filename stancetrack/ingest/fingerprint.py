"""Near-duplicate fingerprints of article texts: MinHash signatures and their LSH band keys.

Two copies of one wire story (another headline, a trimmed ending, another dateline) share
most of their word 5-grams; two reports of the same event written separately share few.
A MinHash signature (datasketch) estimates the Jaccard similarity of two texts' 5-gram
sets; its band keys (locality-sensitive hashing: BANDS bands of ROWS values, each band
hashed to one 64-bit key) let the database find the stored texts that may be similar with
one indexed lookup, so grouping costs the same however many articles are stored
(db/repository/stories.py; precision and recall in EVALUATION.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
from datasketch import MinHash

SHINGLE_WORDS = 5
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
# Estimated Jaccard similarity from which two texts are copies of one story. With 32 bands
# of 4 rows, a pair at 0.5 shares a band with probability 0.87, at 0.6 with 0.99.
THRESHOLD = 0.5
_SEED = 20261203  # fixed: stored signatures must stay comparable with new ones
_SCHEME = "affine32"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    signature: bytes  # NUM_PERM little-endian uint32 values
    bands: tuple[int, ...]  # BANDS signed 64-bit keys (the band number is hashed in)


@cache
def _template() -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME)


def shingles(text: str) -> set[bytes]:
    """The text's word 5-grams, case-folded (fewer words than that: no shingles)."""
    words = _WORD.findall(text.casefold())
    return {
        " ".join(words[i : i + SHINGLE_WORDS]).encode("utf-8")
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }


def fingerprint(text: str) -> Fingerprint | None:
    """The text's signature and band keys; None when it is too short to compare."""
    grams = shingles(text)
    if not grams:
        return None
    template = _template()
    sketch = MinHash(
        num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME, permutations=template.permutations
    )
    sketch.update_batch(grams)
    values = np.asarray(sketch.hashvalues, dtype="<u4")
    return Fingerprint(values.tobytes(), _band_keys(values))


def _band_keys(values: np.ndarray) -> tuple[int, ...]:
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return tuple(keys)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures: the share of equal values."""
    left = np.frombuffer(a, dtype="<u4")
    right = np.frombuffer(b, dtype="<u4")
    return float(np.count_nonzero(left == right)) / NUM_PERM
