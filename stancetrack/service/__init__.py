"""`stancetrack serve`: the JSON API under /api/ and the dashboard at /, one process.

Both faces call the same answers as the CLI (stancetrack.analysis.answers) and reach the
database only through the repository (see docs/ARCHITECTURE.md, service).
"""
