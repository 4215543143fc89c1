"""The batch: ingest inputs, then extract, ground and store claims for each article.

Shape of one run of the engine (`Engine.run`):

    inputs --(reader thread: files, stdin, URLs)--> producer --(writer: skip check)-->
           bounded queue (2 x concurrency)
           --> N workers on the event loop: backend.extract (the network wait)
           --> writer: ground and fingerprint (before the transaction), then ONE
               transaction per article (the article row, actors, its run, its claims
               and its rejections)

Modules, one job each:

- `ingest`: store inputs without extracting (`stancetrack ingest`);
- `engine`: `Engine`, backend + client pool + writer built once per process, fed by
  extract, watch, serve, the queue worker and `batches collect`;
- `batch`: one run over some inputs (queue, workers, progress, cancellation);
- `reading`: inputs read on a thread of the main process (a slow URL never holds the writer);
- `writer`: the one writer of the database, a typed seam to `storing` (a process by
  default, or a thread);
- `storing`: the database side itself: skip check, one transaction per article;
- `modes`: the learned structured-output mode, written through the writer;
- `actor_ids`: claims' actors resolved in their article's context, cached when safe;
- `grounded`: a reply's quotes located in the text, the rest turned into rejections;
- `preparing`: what of storing a reply needs no database (grounding, the story
  fingerprint), done by the writer before the transaction;
- `messages`: the plain records passed between the batch and the database side;
- `summary`: the counts and callbacks a front end sees;
- `api`: `extract` / `extract_async`, the library entry points.
"""

from stancetrack.pipeline.api import extract, extract_async
from stancetrack.pipeline.engine import Engine
from stancetrack.pipeline.grounded import INVALID_ITEM, ground_reply
from stancetrack.pipeline.ingest import IngestResult, ingest
from stancetrack.pipeline.storing import cache_key
from stancetrack.pipeline.summary import ExtractObserver, ExtractSummary

__all__ = [
    "INVALID_ITEM",
    "Engine",
    "ExtractObserver",
    "ExtractSummary",
    "IngestResult",
    "cache_key",
    "extract",
    "extract_async",
    "ground_reply",
    "ingest",
]
