"""Sign-in: argon2 password, TOTP enrolled on first sign-in with a QR code, one-time password
replaced, sessions that expire, the rate limit, CSRF on every form, cookie flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient

from aupguard.console import auth
from aupguard.store import audit_repo
from aupguard.store.console_tables import console_sessions, console_users
from aupguard.web import create_app
from tests.web.conftest import NEW_PASSWORD, Demo, client_for, csrf_of, sign_in


def _password_step(client: TestClient, username: str, password: str) -> TestClient:
    page = client.get("/sign-in")
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=True,
    )


def test_first_sign_in_enrols_totp_with_a_qr_code_then_requires_the_code(demo: Demo) -> None:
    client = client_for(demo)
    r = _password_step(client, "apruitt", demo.passwords["apruitt"])
    assert r.status_code == 200
    assert "Set up two-factor authentication" in r.text and "<svg" in r.text  # QR code inline
    user = auth.find_user(demo.ws.engine, "apruitt")
    assert user is not None and not user.totp_enrolled
    # Before the code, nothing but the second-factor page is open.
    assert client.get("/home", follow_redirects=False).headers["location"] == "/sign-in"
    bad = client.post("/sign-in/second-factor", data={"code": "000000", "csrf_token": csrf_of(r.text)})
    assert bad.status_code == 401 and "not right" in bad.text
    code = auth.current_code(demo.ws.engine, user.id)
    r = client.post("/sign-in/second-factor", data={"code": code, "csrf_token": csrf_of(r.text)}, follow_redirects=True)
    assert "Choose your password" in r.text  # one-time password must be replaced first
    assert client.get("/queue", follow_redirects=False).headers["location"] == "/password"
    r = client.post("/password", data={"new_password": "short", "repeat": "short", "csrf_token": csrf_of(r.text)})
    assert r.status_code == 400
    r = client.post(
        "/password",
        data={"new_password": NEW_PASSWORD, "repeat": NEW_PASSWORD, "csrf_token": csrf_of(r.text)},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "Review queue" in r.text
    enrolled = auth.find_user(demo.ws.engine, "apruitt")
    assert enrolled is not None and enrolled.totp_enrolled and not enrolled.must_change_password
    # The next sign-in asks for the code without showing the QR code again, and the same code twice fails.
    other = client_for(demo)
    r = _password_step(other, "apruitt", NEW_PASSWORD)
    assert "Enter your code" in r.text and "<svg" not in r.text
    with demo.ws.engine.connect() as conn:
        secret = conn.execute(console_users.select().where(console_users.c.id == enrolled.id)).first().totp_secret
        last = conn.execute(console_users.select().where(console_users.c.id == enrolled.id)).first().last_totp_step
    replay = pyotp.TOTP(secret).at(last * 30)
    assert other.post("/sign-in/second-factor", data={"code": replay, "csrf_token": csrf_of(r.text)}).status_code == 401


def test_passwords_are_stored_as_argon2_hashes(demo: Demo) -> None:
    with demo.ws.engine.connect() as conn:
        hashes = [r.password_hash for r in conn.execute(console_users.select())]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(p in h for p in demo.passwords.values() for h in hashes)


def test_wrong_password_and_rate_limit(demo: Demo) -> None:
    client = client_for(demo)
    for _ in range(auth.RATE_LIMIT):
        assert _password_step(client, "thartley", "wrong password").status_code == 401
    r = _password_step(client, "thartley", demo.passwords["thartley"])
    assert r.status_code == 401 and "too many failed sign-ins" in r.text
    assert any(e["action"] == "sign_in.failed" for e in audit_repo.entries(demo.ws.engine, 50))


def test_unknown_user_gets_the_same_answer(demo: Demo) -> None:
    r = _password_step(client_for(demo), "nobody-here", "whatever")
    assert r.status_code == 401 and "wrong user name or password" in r.text


def test_session_expires(demo: Demo) -> None:
    client = client_for(demo)
    sign_in(client, demo, "kholt")
    assert client.get("/home").status_code == 200
    with demo.ws.engine.begin() as conn:
        conn.execute(console_sessions.update().values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    r = client.get("/home", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"


def test_sign_out_ends_the_session(demo: Demo) -> None:
    client = client_for(demo)
    csrf = sign_in(client, demo, "kholt")
    assert client.post("/sign-out", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/home", follow_redirects=False).headers["location"] == "/sign-in"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/draft", {"text": "hello", "channel": "post"}),
        ("/policy/acknowledge", {"read": "yes"}),
        ("/security-report", {"summary": "x"}),
        ("/permissions/requests", {"kind": "offsite_access", "reason": "x"}),
    ],
)
def test_forms_without_the_csrf_token_are_refused(demo: Demo, path: str, data: dict[str, str]) -> None:
    client = client_for(demo)
    csrf = sign_in(client, demo, "kholt")
    assert client.post(path, data=data).status_code == 403
    assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 403
    assert client.post(path, data={**data, "csrf_token": csrf}).status_code != 403


def test_sign_in_form_needs_its_csrf_cookie(demo: Demo) -> None:
    client = client_for(demo)
    r = client.post("/sign-in", data={"username": "kholt", "password": "x", "csrf_token": "made-up"})
    assert r.status_code == 403


def test_cookie_flags(demo: Demo) -> None:
    remote = TestClient(create_app(demo.ws), base_url="https://console.pccsd.example.org")
    cookie = remote.get("/sign-in").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    # Plain http on another host still gets Secure (the browser then refuses to send it: use HTTPS).
    plain = TestClient(create_app(demo.ws), base_url="http://console.pccsd.example.org")
    assert "Secure" in plain.get("/sign-in").headers["set-cookie"]
    # Plain http on loopback (aupguard serve's default) works without TLS.
    local = TestClient(create_app(demo.ws), base_url="http://127.0.0.1:8000")
    cookie = local.get("/sign-in").headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" not in cookie


def test_security_headers(demo: Demo) -> None:
    r = client_for(demo).get("/sign-in")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("username", ["x" * 5000, "nul\x00name", ""])
def test_odd_user_names_are_refused_not_crashing(demo: Demo, username: str) -> None:
    r = _password_step(client_for(demo), username, "whatever")
    assert r.status_code in (401, 422)
