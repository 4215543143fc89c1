"""The read side's names in one import, for the callers that read several of them (the
CLI's tables, report, diff, export, changes, the dashboard). Each is defined once, in the
module that does its one job:

- claim_filter: which claims a read selects (`ClaimFilter`) and the reading order;
- claims: claims as read models, pages in reading order, article refs;
- claim_export: the claims CSV's rows, streamed;
- counts: claims per stance, grouped (`stance_counts`) and its named shapes;
- evidence: a cell's most confident claim (`strongest_claims`);
- actor_listing: the actors list and actor names;
- data_stamp: the overview cache's key, read from the database.
"""

from __future__ import annotations

from stancetrack.db.repository.actor_listing import (
    ActorSummary,
    actor_ids_page,
    actor_names,
    actor_summaries,
)
from stancetrack.db.repository.chunks import IN_CHUNK
from stancetrack.db.repository.claim_export import iter_export_rows
from stancetrack.db.repository.claim_filter import AnySelect, ClaimFilter, claim_key
from stancetrack.db.repository.claims import (
    ArticleRef,
    ArticleText,
    ClaimRow,
    article_refs,
    articles_with_claims,
    claims_in_articles,
    list_claims,
    with_subjects,
)
from stancetrack.db.repository.counts import (
    STANCE_NAMES,
    Counts,
    stance_counts,
    stance_counts_by_actor,
    stance_counts_by_article,
    stance_counts_by_outlet,
)
from stancetrack.db.repository.data_stamp import data_stamp
from stancetrack.db.repository.evidence import strongest_claims

__all__ = [
    "IN_CHUNK",
    "STANCE_NAMES",
    "ActorSummary",
    "AnySelect",
    "ArticleRef",
    "ArticleText",
    "ClaimFilter",
    "ClaimRow",
    "Counts",
    "actor_ids_page",
    "actor_names",
    "actor_summaries",
    "article_refs",
    "articles_with_claims",
    "claim_key",
    "claims_in_articles",
    "data_stamp",
    "iter_export_rows",
    "list_claims",
    "stance_counts",
    "stance_counts_by_actor",
    "stance_counts_by_article",
    "stance_counts_by_outlet",
    "strongest_claims",
    "with_subjects",
]
