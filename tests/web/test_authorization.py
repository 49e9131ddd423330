"""Walks EVERY route of the console for EVERY role and asserts allow or deny against the matrix.

A route that declares no capability fails the first test, so none can slip past this walk."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from aupguard.console.roles import ALL_ROLES, MATRIX, Capability, Role
from aupguard.web import create_app
from aupguard.web.security import CAP_KEY, PUBLIC, SIGNED_IN, SIGNING_IN
from tests.web.conftest import USER_OF_ROLE, Demo, client_for, sign_in

# Routes the walk does not call for a signed-in user, and why.
SKIP = {("POST", "/sign-out"): "ends the session the walk is using (tested in test_auth)"}


def _routes(demo: Demo) -> list[tuple[str, str, str]]:
    app = create_app(demo.ws)
    out = []
    for route in app.state.console_routes:  # not the static files nor FastAPI's /openapi.json and docs
        assert isinstance(route, APIRoute)
        cap = (route.openapi_extra or {}).get(CAP_KEY)
        for method in sorted(route.methods):
            out.append((method, route.path, cap))
    return out


def _concrete(path: str) -> str:
    # Values that name nothing: an allowed role gets "not found"/"not valid", never a change.
    return (
        path.replace("{key}", "NOSUCHCASE")
        .replace("{finding_id}", "999999")
        .replace("{request_id}", "999999")
        .replace("{permission_id}", "999999")
        .replace("{reminder_id}", "999999")
        .replace("{action_id}", "999999")
    )


def test_every_route_declares_a_capability(demo: Demo) -> None:
    caps = {c.value for c in Capability} | {PUBLIC, SIGNING_IN, SIGNED_IN}
    missing = [(m, p) for m, p, cap in _routes(demo) if cap not in caps]
    assert not missing, f"routes without a capability: {missing}"
    assert len(_routes(demo)) > 40


def test_every_role_is_in_the_matrix() -> None:
    assert set(USER_OF_ROLE) == {r.value for r in ALL_ROLES}
    assert all(Role.EMPLOYEE not in MATRIX[c] for c in Capability if c != Capability.SELF_SERVICE)


@pytest.fixture(scope="module")
def clients(demo: Demo) -> dict[str, tuple[TestClient, str]]:
    out = {}
    for role, username in USER_OF_ROLE.items():
        client = client_for(demo)
        out[role] = (client, sign_in(client, demo, username))
    return out


@pytest.mark.parametrize("role", [r.value for r in ALL_ROLES])
def test_walk_every_route(demo: Demo, clients: dict[str, tuple[TestClient, str]], role: str) -> None:
    client, csrf = clients[role]
    checked = 0
    for method, path, cap in _routes(demo):
        if (method, path) in SKIP or cap in (PUBLIC, SIGNING_IN):
            continue
        r = client.request(method, _concrete(path), headers={"X-CSRF-Token": csrf}, follow_redirects=False)
        assert r.status_code < 500, (method, path, r.status_code, r.text[:300])
        if cap == SIGNED_IN or role in {x.value for x in MATRIX[Capability(cap)]}:
            assert r.status_code not in (401, 403), (role, method, path, "should be allowed", r.status_code)
            assert not (r.status_code == 303 and r.headers["location"] in ("/sign-in", "/password")), (role, path)
        else:
            assert r.status_code == 403, (role, method, path, "should be denied", r.status_code)
        checked += 1
    assert checked > 35


def test_signed_out_visitor_is_sent_to_sign_in(demo: Demo) -> None:
    client = client_for(demo)
    for method, path, cap in _routes(demo):
        if cap in (PUBLIC,):
            continue
        r = client.request(method, _concrete(path), follow_redirects=False)
        if path.startswith("/api/"):
            assert r.status_code in (401, 403), (method, path, r.status_code)  # 403: CSRF before sign-in
        else:
            assert r.status_code in (303, 403), (method, path, r.status_code)
            if r.status_code == 303:
                assert r.headers["location"] == "/sign-in"
