"""Every request parameter's bounds, declared once and reused by the JSON API and the
dashboard alike, so a hostile value is a 422 at the edge (and in the OpenAPI document)
instead of an error deep in the database: strings no longer than their column (SQLite
refuses LIKE patterns over 50,000 bytes), integers inside the signed 64-bit range, the
dashboard's page cursor ASCII digits only (`"²".isdigit()` is True, `int("²")` fails).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import StringConstraints

from stancetrack.stances import Stance

INT64_MAX = 2**63 - 1  # the largest id either database holds
NAME_MAX = 300  # actors.name
REF_MAX = 2000  # articles.url / articles.source: an article REF is no longer
TARGET_MAX = 200  # claims.target
SEARCH_MAX = 500
OUTLET_MAX = 253  # articles.outlet (a host name)
CURSOR_MAX = 4096  # an actors cursor holds a name: 300 characters, JSON-escaped, base64
LIMIT_MAX = 1000
REPEATS_MAX = 100  # values of one repeatable parameter
DASHBOARD_PAGE = 50  # rows per dashboard page

NameText = Annotated[str, StringConstraints(max_length=NAME_MAX)]
RefText = Annotated[str, StringConstraints(max_length=REF_MAX)]

Limit = Annotated[int | None, Query(ge=1, le=LIMIT_MAX, description="Page size.")]
PageLimit = Annotated[int, Query(ge=1, le=LIMIT_MAX, description="Rows per page.")]
Cursor = Annotated[
    str | None,
    Query(max_length=CURSOR_MAX, description="The `next` of the previous page (opaque)."),
]
# The dashboard's overview pages by row offset: ASCII digits, at most 18 (below 2**63).
OffsetCursor = Annotated[
    str | None, Query(pattern="^[0-9]{1,18}$", description="Row offset of the page.")
]
Target = Annotated[
    str | None,
    Query(max_length=TARGET_MAX, description="Stance target (default: the configured one)."),
]
Actor = Annotated[str, Query(min_length=1, max_length=NAME_MAX, description="Actor NAME.")]
Actors = Annotated[
    list[NameText] | None,
    Query(max_length=REPEATS_MAX, description="Actor NAME; repeatable."),
]
Ref = Annotated[str, Query(min_length=1, max_length=REF_MAX, description="Article REF.")]
OptionalRef = Annotated[str | None, Query(max_length=REF_MAX, description="Article REF.")]
ArticleFilter = Annotated[
    str | None, Query(min_length=1, max_length=REF_MAX, description="Only this article's.")
]
Refs = Annotated[
    list[RefText] | None,
    Query(max_length=REPEATS_MAX, description="Article REF; repeatable."),
]
Stances = Annotated[list[Stance] | None, Query(max_length=REPEATS_MAX)]
Search = Annotated[str | None, Query(max_length=SEARCH_MAX, description="Text in claim or quote.")]
Subject = Annotated[
    str | None,
    Query(max_length=TARGET_MAX, description="One of the target's subjects (e.g. Finland)."),
]
Outlet = Annotated[str | None, Query(max_length=OUTLET_MAX, description="Outlet (host).")]
RunTarget = Annotated[
    str | None, Query(max_length=TARGET_MAX, description="Only runs for this target.")
]
ActorPath = Annotated[str, Path(min_length=1, max_length=NAME_MAX)]
RefPath = Annotated[str, Path(min_length=1, max_length=REF_MAX)]
RunId = Annotated[int, Path(ge=1, le=INT64_MAX)]
