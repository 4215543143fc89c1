"""Scale-out: the OpenAI Batch API for bulk runs, and workers on a PostgreSQL task queue.

Both reuse the live extraction path (request building, reply validation, grounding, actors,
runs, the idempotent skip) instead of forking it; see docs/ARCHITECTURE.md, scale-out.
"""
