"""Fixtures for the console: a scanned sample district with its demo users, and signed-in
clients (password, TOTP enrolment, own password) for any demo user."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aupguard import scanning
from aupguard.cli.demo_cmd import demo_district_dir, load_demo_district
from aupguard.console import auth
from aupguard.console.demo_users import DEMO_USERS, ensure_demo_users
from aupguard.store.console_tables import console_users
from aupguard.web import create_app
from aupguard.workspace import Workspace
from tests.conftest import fresh_database

NEW_PASSWORD = "correct horse battery staple"
USER_OF_ROLE = {}
for _name, _role, _pid, _b in DEMO_USERS:
    USER_OF_ROLE.setdefault(_role.value, _name)


@dataclass
class Demo:
    ws: Workspace
    passwords: dict[str, str]


def build_demo(home: Path, database_url: str | None, mp: pytest.MonkeyPatch) -> Demo:
    mp.setenv("AUPGUARD_HOME", str(home))
    mp.setenv("AUPGUARD_WORKERS", "1")
    mp.delenv("AUPGUARD_POLICY_PACK", raising=False)
    if database_url:
        mp.setenv("AUPGUARD_DATABASE_URL", database_url)
    else:
        mp.delenv("AUPGUARD_DATABASE_URL", raising=False)
    ws = Workspace.init(home)
    district = demo_district_dir()
    load_demo_district(ws, district)
    scanning.scan(ws, [district / "messages"], workers=1)
    passwords = {u: p for u, _, p in ensure_demo_users(ws.engine) if p}
    return Demo(ws, passwords)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A scanned sample district shared by the tests of one module (building it takes seconds)."""
    with fresh_database() as url, pytest.MonkeyPatch.context() as mp:
        d = build_demo(tmp_path_factory.mktemp("console") / "ws", url, mp)
        yield d
        d.ws.close()


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)


def sign_in(client: TestClient, demo: Demo, username: str) -> str:
    """Sign in through the pages (enrolling TOTP and choosing a password the first time).

    Returns the session's CSRF token."""
    page = client.get("/sign-in")
    user = auth.find_user(demo.ws.engine, username)
    assert user is not None
    password = demo.passwords[username] if user.must_change_password else NEW_PASSWORD
    r = client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=True,
    )
    assert r.status_code == 200, r.text
    forget_last_code(demo, user.id)
    code = auth.current_code(demo.ws.engine, user.id)
    r = client.post("/sign-in/second-factor", data={"code": code, "csrf_token": csrf_of(r.text)}, follow_redirects=True)
    assert r.status_code == 200, r.text
    if "Choose your password" in r.text:
        r = client.post(
            "/password",
            data={"new_password": NEW_PASSWORD, "repeat": NEW_PASSWORD, "csrf_token": csrf_of(r.text)},
            follow_redirects=True,
        )
        assert r.status_code == 200, r.text
    return csrf_of(r.text)


def forget_last_code(demo: Demo, user_id: int) -> None:
    """As if the last code's 30 seconds had passed: tests sign the same user in many times a
    second, and a TOTP code is accepted only once."""
    with demo.ws.engine.begin() as conn:
        conn.execute(console_users.update().where(console_users.c.id == user_id).values(last_totp_step=None))


def client_for(demo: Demo) -> TestClient:
    # https: the session cookie is Secure off loopback http, and the test client's host is not loopback.
    return TestClient(create_app(demo.ws), base_url="https://testserver")
