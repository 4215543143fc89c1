"""Near-duplicate fingerprints of article texts: MinHash signatures and their LSH band keys.

Two copies of one wire story (another headline, a trimmed ending, another dateline) share
most of their word 5-grams; two reports of the same event written separately share few.
A MinHash signature estimates the Jaccard similarity of two texts' 5-gram
sets; its band keys (locality-sensitive hashing: BANDS bands of ROWS values, each band
hashed to one 64-bit key) let the database find the stored texts that may be similar with
one indexed lookup, so grouping costs the same however many articles are stored
(db/repository/stories.py; precision and recall in EVALUATION.md).

The signature is bit for bit datasketch's MinHash (scheme "affine32", its default SHA-1
hash, seed _SEED; stored signatures stay comparable), computed here with numpy over all shingles at
once: datasketch hashes and converts each shingle in Python, most of an article's cost.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from operator import methodcaller

import numpy as np

SHINGLE_WORDS = 5
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
# Estimated Jaccard similarity from which two texts are copies of one story. With 32 bands
# of 4 rows, a pair at 0.5 shares a band with probability 0.87, at 0.6 with 0.99.
THRESHOLD = 0.5
_SEED = 20261203  # fixed: stored signatures must stay comparable with new ones
_SCHEME = "affine32"  # datasketch's scheme these signatures follow (see _signature)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    signature: bytes  # NUM_PERM little-endian uint32 values
    bands: tuple[int, ...]  # BANDS signed 64-bit keys (the band number is hashed in)


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine permutations for NUM_PERM and _SEED (`MinHash(...).permutations`
    for "affine32": an odd a and a b per permutation, uint32, drawn as datasketch draws
    them), without importing datasketch, whose import pulls in scipy (a second per process
    start); tests/test_fingerprint.py checks them against datasketch's."""
    gen = np.random.RandomState(_SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


# datasketch's pre-mix of each input hash for "affine32": the MurmurHash3 32-bit finalizer.
_FMIX_SHIFTS = (np.uint32(16), np.uint32(13), np.uint32(16))
_FMIX_MULTIPLIERS = (np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35))
# Shingles per block of the permutation step: bounds the (NUM_PERM x block) array to 2 MB
# however long the text.
_BLOCK = 4096
_digest = methodcaller("digest")


def shingles(text: str) -> set[bytes]:
    """The text's word 5-grams, case-folded (fewer words than that: no shingles)."""
    return set(_shingle_list(text))


def _shingle_list(text: str) -> list[bytes]:
    """The word 5-grams in text order, repeats included (they change no minimum)."""
    words = _WORD.findall(text.casefold())
    grams = zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False)
    return list(map(str.encode, map(" ".join, grams)))


def _shingle_hashes(grams: list[bytes]) -> np.ndarray:
    """datasketch's sha1_hash32 of each shingle (the first 4 bytes of its SHA-1, little
    endian), with no Python code run per shingle: the digests are joined and read by numpy."""
    digests = b"".join(map(_digest, map(hashlib.sha1, grams)))
    return np.frombuffer(digests, dtype="<u4")[:: hashlib.sha1().digest_size // 4].astype(np.uint32)


def _signature(hashes: np.ndarray) -> np.ndarray:
    """What datasketch's MinHash (affine32) holds after `update_batch` of these hashes:
    each permutation's minimum of a * fmix32(h) + b (mod 2**32), vectorised in blocks."""
    (s1, s2, s3), (m1, m2) = _FMIX_SHIFTS, _FMIX_MULTIPLIERS
    hv = hashes ^ (hashes >> s1)
    hv *= m1
    hv ^= hv >> s2
    hv *= m2
    hv ^= hv >> s3
    a, b = _permutations()
    values = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, len(hv), _BLOCK):
        block = np.multiply.outer(a, hv[start : start + _BLOCK])
        block += b[:, None]
        np.minimum(values, block.min(axis=1), out=values)
    return values


def fingerprint(text: str) -> Fingerprint | None:
    """The text's signature and band keys; None when it is too short to compare."""
    grams = _shingle_list(text)
    if not grams:
        return None
    values = _signature(_shingle_hashes(grams)).astype("<u4")
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
