"""Property-based run of the OpenAPI document (schemathesis): generated requests to every
endpoint of a real uvicorn server on 127.0.0.1 never get a 5xx, and 2xx answers conform
to the documented schemas. The POST is made with the token, so its body is exercised too.

(Hypothesis drives each operation's strategy directly: schemathesis' pytest fixture loader
does not run under this pytest.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from service_site import TOKEN, Site, running_site, site_database

EXAMPLES = 40  # per operation


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("fuzz")
    with site_database("sqlite", folder) as url, running_site(url) as served:
        yield served


def test_generated_requests_never_get_a_server_error(site: Site) -> None:
    schema = schemathesis.openapi.from_url(f"{site.url}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {f"{op.method.upper()} {op.path}" for op in operations}
    assert {"GET /api/claims", "GET /api/diff", "POST /api/articles"} <= labels
    calls: dict[str, int] = {}
    for operation in operations:
        _fuzz(site, operation, calls)
    assert set(calls) == labels and all(n > 0 for n in calls.values()), calls


def _fuzz(site: Site, operation: Any, calls: dict[str, int]) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=site.url,
            headers={"Authorization": f"Bearer {TOKEN}"},
            checks=[not_a_server_error, response_schema_conformance],
            timeout=60,
        )
        calls[label] = calls.get(label, 0) + 1

    check()
