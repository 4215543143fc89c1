"""Ingestion: read files, directories and stdin into normalised, hashed articles."""

from stancetrack.ingest.normalize import normalize_text, sha256_text
from stancetrack.ingest.readers import ArticleInput, iter_inputs, read_bytes

__all__ = ["ArticleInput", "iter_inputs", "normalize_text", "read_bytes", "sha256_text"]
