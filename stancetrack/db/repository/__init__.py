"""The repository: every SQL statement stancetrack runs lives in this package.

One module per aggregate: articles, actors, extraction (runs, claims, rejections),
analysis queries. Callers pass a Session and get model objects or plain rows back.
"""
