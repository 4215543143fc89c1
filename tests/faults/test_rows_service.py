"""Fault matrix, service rows (issue 21): `stancetrack serve` against a hostile client.

Every parameter of every endpoint (the API's, from its OpenAPI document, and the
dashboard's, from the app's routes) is sent hostile values (integers beyond 64 bits,
Unicode digits, 60 KB strings, NUL, control characters, negatives), and forged cursors
hold positions beyond 64 bits: never a 5xx, on SQLite and PostgreSQL (a real uvicorn on
127.0.0.1). A request path cannot forge a line of the request log of a real `serve`.
"""

from __future__ import annotations

import base64
import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from rows_support import command, env
from serve_process import wait_until_serving
from service_site import TOKEN, Site, free_port, running_site, site_database

from stancetrack.service import api, dashboard

pytestmark = pytest.mark.faults

HOSTILE = {
    "huge int": "9" * 30,
    "int64 + 1": str(2**63),
    "negative": "-1",
    "unicode digits": "²٣",
    "60 KB": "Erdogan" * 8_600,
    "NUL": "a\x00b",
    "controls": "\x1b[2J\n\r\u202e",
}
# Values that make a required parameter or path segment valid, so the hostile one is
# the only thing wrong with the request.
BENIGN = {"a": "3", "b": "4", "actor": "Erdogan", "name": "Erdogan", "ref": "3", "run_id": "1"}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("hostile")
    with site_database(request.param, folder) as url, running_site(url) as served:
        yield served


def _get_routes() -> list[tuple[str, list[str], list[str]]]:
    """(path, path parameters, query parameters) of every GET route, API and dashboard
    (the app's two routers: the app's own route list nests them, FastAPI version-wise)."""
    found = []
    for route in [*api.router.routes, *dashboard.router.routes]:
        if isinstance(route, APIRoute) and "GET" in route.methods:
            path_params, query_params = _params(route.dependant)
            found.append((route.path, path_params, query_params))
    return found


def _params(dependant: Dependant) -> tuple[list[str], list[str]]:
    """The path and query parameters of a handler and of its dependencies (target...)."""
    paths = [p.alias for p in dependant.path_params]
    queries = [p.alias for p in dependant.query_params]
    for sub in dependant.dependencies:
        more_paths, more_queries = _params(sub)
        paths += more_paths
        queries += more_queries
    return list(dict.fromkeys(paths)), list(dict.fromkeys(queries))


def _url(path: str, segments: dict[str, str]) -> str:
    for name, value in segments.items():
        path = path.replace(f"{{{name}:path}}", value).replace(f"{{{name}}}", value)
    return path


def test_every_parameter_of_every_endpoint_refuses_hostile_values_with_4xx(site: Site) -> None:
    routes = _get_routes()
    spec = httpx.get(f"{site.url}/api/openapi.json", timeout=30).json()
    documented = {p for p, ops in spec["paths"].items() if "get" in ops}
    swept = {path for path, _, _ in routes}
    assert documented <= swept and {"/", "/compare", "/actors/{name:path}"} <= swept
    answers: dict[str, int] = {}
    with site.client() as client:
        for path, path_params, query_params in routes:
            for target in [*path_params, *query_params]:
                for label, value in HOSTILE.items():
                    segments = {p: quote(BENIGN[p], safe="") for p in path_params}
                    query = {q: BENIGN[q] for q in query_params if q in BENIGN and q != target}
                    if target in path_params:
                        segments[target] = quote(value, safe="")
                    else:
                        query[target] = value
                    response = client.get(_url(path, segments), params=query)
                    where = f"{path} {target}={label}"
                    answers[where] = response.status_code
                    assert response.status_code < 500, (where, response.text[:300])
    assert len(answers) > 200
    # The bounds refuse (4xx), they do not just survive: e.g. the 60 KB actor name.
    assert 400 <= answers["/api/claims actor=60 KB"] < 500
    assert 400 <= answers["/compare actor=60 KB"] < 500
    assert 400 <= answers["/actors/{name:path} name=60 KB"] < 500
    assert 400 <= answers["/ cursor=unicode digits"] < 500


def _cursor(*position: Any) -> str:
    raw = json.dumps(list(position)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BEYOND = 2**63
FORGED = [
    ("/api/articles", {}, _cursor("articles", "2022-01-01", BEYOND)),
    ("/api/articles", {}, _cursor("articles", None, -1)),
    ("/api/claims", {}, _cursor("claims", "2022-01-01", 1, 1, BEYOND)),
    ("/api/claims", {}, _cursor("claims", None, BEYOND, 0, 0)),
    ("/api/runs", {}, _cursor("runs", BEYOND)),
    ("/api/runs", {}, _cursor("runs", 10**30)),
    ("/api/runs", {}, _cursor("runs")),
    ("/api/compare", {}, _cursor("compare", BEYOND)),
    ("/api/compare", {}, _cursor("compare")),
    ("/api/actors", {}, _cursor("actors")),
    ("/api/actors", {}, _cursor("actors", "a\x00b")),
    ("/api/actors", {}, _cursor("actors", 5)),
    ("/api/claims", {}, _cursor("claims", "2022-01-01", 1, 1, 1) + "!!"),
    ("/actors/Erdogan", {}, _cursor("claims", None, BEYOND, 0, 0)),
    ("/search", {"q": "NATO"}, _cursor("claims", "2022-01-01", BEYOND, 0, 0)),
    ("/", {}, "²"),
    ("/", {}, "9" * 30),
]


@pytest.mark.parametrize(("path", "params", "cursor"), FORGED, ids=lambda v: str(v)[:40])
def test_forged_cursors_are_4xx(site: Site, path: str, params: dict[str, str], cursor: str) -> None:
    with site.client() as client:
        response = client.get(path, params={**params, "cursor": cursor})
    assert 400 <= response.status_code < 500, response.text[:300]


def test_openapi_declares_a_bound_for_every_parameter(site: Site) -> None:
    """Strings have a maxLength (or an enum, pattern or format), integers a maximum inside
    the signed 64-bit range: the client sees the limits before it hits them."""
    spec = httpx.get(f"{site.url}/api/openapi.json", timeout=30).json()
    unbounded = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                for schema in _leaves(parameter["schema"], spec):
                    if not _bounded(schema):
                        unbounded.append(f"{method} {path} {parameter['name']}: {schema}")
    assert not unbounded, unbounded


def _leaves(schema: dict[str, Any], spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        yield from _leaves(spec["components"]["schemas"][name], spec)
    elif "anyOf" in schema:
        for option in schema["anyOf"]:
            yield from _leaves(option, spec)
    elif schema.get("type") == "array":
        yield from _leaves(schema["items"], spec)
    else:
        yield schema


def _bounded(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "string":
        return any(k in schema for k in ("maxLength", "enum", "pattern", "format", "const"))
    if kind == "integer":
        return 0 < schema.get("maximum", 2**64) < 2**63
    return kind in ("boolean", "null")


def test_body_fields_are_bounded_too(site: Site) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    bodies = [
        {"title": "t" * 60_000, "text": "x"},
        {"title": "t", "text": "x", "url": "http://e.org/" + "a" * 60_000},
        {"title": "t", "text": "x", "published": "99999-01-01"},
        {"title": "t", "text": "x", "published": 2**70},
        {"title": "t", "text": "\x1b[2J"},
    ]
    with site.client() as client:
        for body in bodies:
            response = client.post("/api/articles", json=body, headers=auth)
            assert response.status_code < 500, (body, response.text[:300])


# -- the request log -------------------------------------------------------------------------

FORGED_LINE = '127.0.0.1 "GET /api/admin" 200 0.1ms'


def test_a_request_path_cannot_forge_a_log_line(tmp_path: Path) -> None:
    """`GET /api/x%0A<fake line>%1B[2J` against a real `stancetrack serve`: its stderr
    shows one line for the request, the newline and escape as `\\x0a` and `\\x1b`."""
    port = free_port()
    err = (tmp_path / "stderr.log").open("w+", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'log.db'}"
    proc = subprocess.Popen(
        command("serve", "--port", str(port), "--db", db),
        stdout=subprocess.DEVNULL,
        stderr=err,
        env=env(),
        cwd=tmp_path,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", proc, 90)
        target = "/api/x%0A" + quote(FORGED_LINE) + "%1B%5B2J%E2%80%AE"
        request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(request.encode("ascii"))
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 404"), answer[:200]
        time.sleep(0.3)  # the line is logged after the answer is sent
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
    err.seek(0)
    log = err.read()
    assert "\x1b" not in log and "\u202e" not in log
    lines = [line for line in log.splitlines() if "/api/x" in line or "/api/admin" in line]
    assert len(lines) == 1, lines
    assert "/api/x\\x0a127.0.0.1" in lines[0] and "\\x1b[2J\\u202e" in lines[0], lines[0]
    assert not any(line.split(" ", 1)[-1].startswith(FORGED_LINE) for line in log.splitlines())
