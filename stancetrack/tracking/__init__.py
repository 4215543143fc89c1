"""Continuous tracking: `watch` polls feeds and directories, stores what is new and
extracts it through the same pipeline as `extract` (see docs/ARCHITECTURE.md)."""
