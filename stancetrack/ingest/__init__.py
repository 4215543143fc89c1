"""Ingestion: read files, directories, stdin and URLs into normalised, hashed articles."""

from stancetrack.ingest.normalize import normalize_text, sha256_text
from stancetrack.ingest.readers import ArticleInput, iter_inputs, read_bytes, read_file

__all__ = [
    "ArticleInput",
    "iter_inputs",
    "normalize_text",
    "read_bytes",
    "read_file",
    "sha256_text",
]
