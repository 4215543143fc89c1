"""Storage: typed models, the repository (all SQL), migrations."""

from stancetrack.db.engine import Database, migrate, normalize_url, redact_url

__all__ = ["Database", "migrate", "normalize_url", "redact_url"]
