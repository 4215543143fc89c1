"""A reply made ready to store, before the transaction that stores it.

Everything about one article's reply that needs only its text: every quote grounded,
every speaker's mention located (`grounded.ground_reply`, over per-article indexes built
once: `grounding.ArticleText`, `speaker_evidence.ArticleSpeakers`), the rejections, and the
article's story fingerprint (the MinHash of `db/repository/stories.assign_story`). The
writer computes it before it opens the transaction (`storing.Store`), so the transaction
holds the database only for what reads or writes it: the article row, its story's band
lookups, actor ids, the rows (docs/ARCHITECTURE.md, "From an article to a stored claim").
"""

from __future__ import annotations

from dataclasses import dataclass

from stancetrack.db.repository.extraction import NewRejection
from stancetrack.ingest.fingerprint import Fingerprint, fingerprint
from stancetrack.llm.base import BackendReply
from stancetrack.pipeline.grounded import Grounded, ground_reply
from stancetrack.subjects import Subjects


@dataclass(frozen=True, slots=True)
class PreparedReply:
    """A reply's claims grounded in its article, its rejections so far, and the article's
    story fingerprint (None: too short to compare). Reused as is when a transaction is
    tried again."""

    found: list[Grounded]
    rejected: list[NewRejection]
    fingerprint: Fingerprint | None


def prepare_reply(text: str, reply: BackendReply, subjects: Subjects) -> PreparedReply:
    """Ground `reply` in `text` and fingerprint `text`: no database, no actor ids."""
    found, rejected = ground_reply(text, reply, subjects)
    return PreparedReply(found, rejected, fingerprint(text))
