"""Text normalisation and hashing: the stored text is what every offset refers to."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime

_TRAILING_WS = re.compile(r"[ \t\f\v]+\n")
# Invisible characters that split words without showing: soft hyphen, zero-width space,
# word joiner, byte-order mark, and the bidirectional marks, embeddings, overrides and
# isolates. Dropped so that names and quotes match as they read. Zero-width (non-)joiners
# are kept: Persian and Indic scripts, and emoji, need them.
INVISIBLE = "\u00ad\u200b\u2060\ufeff\u200e\u200f\u061c" + "".join(
    map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
)
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))
_MANY_BLANK = re.compile(r"\n{3,}")

# The characters that drive a terminal or reorder what it shows: C0 controls but newline,
# DEL, C1 controls, and the bidirectional marks, embeddings, overrides and isolates. One
# definition: terminals show them escaped (cli/render.py), one-line fields such as feed
# titles drop them (`one_line`), URLs containing them (or a newline) are refused
# (ingest/fetch.py).
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
CONTROLS = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}]")
CONTROLS_AND_NEWLINES = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_BIDI_ONLY = re.compile(f"[{_BIDI}]")
_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Unicode NFC, LF line endings, no trailing spaces, at most one blank line in a row,
    no invisible word-splitting characters (`INVISIBLE`).

    Quotes and dashes are kept as written: offsets must point at the article's own words.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_DROP_INVISIBLE)
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_WS.sub("\n", text)
    text = _MANY_BLANK.sub("\n\n", text)
    return text.strip("\n ") + ("\n" if text.strip() else "")


def one_line(text: str) -> str:
    """`text` for a one-line field (a feed's title): bidi controls dropped, other controls
    and line breaks as spaces, runs of spaces as one."""
    text = CONTROLS_AND_NEWLINES.sub(" ", _BIDI_ONLY.sub("", text))
    return _SPACES.sub(" ", text).strip()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_DATE_FORMATS = ("%Y%m%d", "%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y")


def parse_date(value: object) -> date | None:
    """Parse the dates news formats carry: 20220202, 2022-02-02, ISO datetimes."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None
