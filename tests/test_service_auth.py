"""The write guard (service/deps.require_token, FastAPI's HTTPBearer): every refusal is one
401 with our JSON error and `WWW-Authenticate: Bearer`, whatever is wrong with the header,
and the token never appears in an answer (docs/CONTRACTS.md, the service)."""

from __future__ import annotations

from pathlib import Path

import pytest
from service_site import TOKEN, running_site

ARTICLE = {"title": "t", "text": "NATO expansion is a mistake, said Smith."}


@pytest.mark.parametrize(
    "authorization",
    [
        None,  # no header
        "",
        "Bearer",
        "Bearer wrong",
        f"Basic {TOKEN}",  # the right secret under another scheme
        f"Bearer {TOKEN}x",
        f"{TOKEN}",
    ],
)
def test_a_bad_or_missing_token_is_one_401(tmp_path: Path, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    with running_site(f"sqlite:///{tmp_path / 'a.db'}") as site, site.client() as client:
        response = client.post("/api/articles", json=ARTICLE, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json() == {"error": "missing or wrong bearer token"}
        assert TOKEN not in response.text


def test_the_scheme_is_any_case_and_spaces_around_the_token_do_not_count(tmp_path: Path) -> None:
    with running_site(f"sqlite:///{tmp_path / 'a.db'}") as site, site.client() as client:
        for authorization in (f"bearer {TOKEN}", f"BEARER   {TOKEN}"):
            response = client.post(
                "/api/articles", json=ARTICLE, headers={"Authorization": authorization}
            )
            assert response.status_code in (200, 202), response.text


def test_without_a_server_token_writes_are_disabled(tmp_path: Path) -> None:
    with (
        running_site(f"sqlite:///{tmp_path / 'a.db'}", token=None) as site,
        site.client() as client,
    ):
        response = client.post(
            "/api/articles", json=ARTICLE, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "STANCETRACK_API_TOKEN" in response.json()["error"]
