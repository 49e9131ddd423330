"""Property-based fuzzing of the JSON API from its OpenAPI document (schemathesis): whatever it
sends, signed in as a superintendent with a valid CSRF token, the server never answers 5xx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from aupguard.web import create_app
from aupguard.web.security import SESSION_COOKIE
from tests.web.conftest import Demo, client_for, sign_in


@pytest.fixture(scope="module")
def signed_in_cookies(demo: Demo) -> Iterator[dict[str, str]]:
    client = client_for(demo)
    csrf = sign_in(client, demo, "kholt")
    yield {"cookie": f"{SESSION_COOKIE}={client.cookies.get(SESSION_COOKIE)}", "x-csrf-token": csrf}


def test_api_never_answers_a_server_error(demo: Demo, signed_in_cookies: dict[str, str]) -> None:
    # Schemathesis's Python API drives Hypothesis per operation (its pytest plugin does not load
    # under pytest 9); each operation gets a bounded number of generated requests.
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(demo.ws))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    seen: dict[str, set[int]] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers=signed_in_cookies)
            assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:500])
            seen.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)

        call()
    # The session really was in use: the fuzz reached the handlers, not only the sign-in check.
    assert all(401 not in codes for codes in seen.values()), seen
    assert any(200 in codes or 201 in codes for codes in seen.values())


def test_openapi_document_lists_the_api(demo: Demo) -> None:
    doc = client_for(demo).get("/openapi.json").json()
    assert {"/api/queue", "/api/draft-check", "/api/permission-requests"} <= set(doc["paths"])
    assert not any(p.startswith(("/cases", "/sign-in")) for p in doc["paths"])  # pages are not API
