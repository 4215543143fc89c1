"""Answers over stored claims: overall stance, compare, diff, timeline, export, report.

Everything here works on a Session (or a Database) and returns plain data; the CLI only
renders it. All SQL lives in `stancetrack.db.repository`.
"""

from stancetrack.analysis.stance import overall_stance

__all__ = ["overall_stance"]
