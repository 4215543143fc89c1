"""Errors of ours become JSON for the API and the dashboard's page elsewhere, with the status
their class says (service/app.py): the handlers are found along the class hierarchy."""

from __future__ import annotations

import pytest

from stancetrack.errors import (
    AmbiguousError,
    NotFoundError,
    StancetrackError,
    UnknownTargetError,
    UsageError,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFoundError("no such actor"), 404),
        (AmbiguousError("'Li' matches several actors"), 400),
        (UsageError("--since is after --until"), 400),
        (UnknownTargetError("no claims about 'X'"), 400),
        (StancetrackError("something of ours"), 400),
    ],
)
def test_each_error_of_ours_has_its_status(sqlite_url: str, error: Exception, status: int) -> None:
    from fastapi.testclient import TestClient

    from stancetrack.service.app import create_app
    from stancetrack.settings import Settings

    app = create_app(Settings(database_url=sqlite_url, backend="rules"), token=b"t")

    @app.get("/api/raise")
    def api_raise() -> None:
        raise error

    @app.get("/raise")
    def page_raise() -> None:
        raise error

    with TestClient(app, raise_server_exceptions=False) as client:
        api = client.get("/api/raise")
        page = client.get("/raise")
    assert api.status_code == status
    assert api.json() == {"error": str(error)}
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert str(error).replace("'", "&#39;") in page.text
