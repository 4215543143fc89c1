"""Extraction backends: OpenAI-compatible endpoints and the offline rules."""

from stancetrack.llm.base import (
    Backend,
    BackendReply,
    ExtractionError,
    ExtractionRequest,
    PromptInfo,
)

__all__ = ["Backend", "BackendReply", "ExtractionError", "ExtractionRequest", "PromptInfo"]
