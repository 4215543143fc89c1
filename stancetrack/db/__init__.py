"""Storage: typed models, the repository (all SQL), migrations."""

from stancetrack.db.engine import Database, migrate, normalize_url, redact_url

# Imported for its mapper hook too: every ORM insert and update is checked (see limits.py).
from stancetrack.db.limits import InvalidValue

__all__ = ["Database", "InvalidValue", "migrate", "normalize_url", "redact_url"]
