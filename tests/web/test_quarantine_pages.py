"""Held mail in the console: the gateway's quarantine, released or rejected by a person with a
reason, delivered through a real SMTP server standing in for Postfix's re-injection port."""

from __future__ import annotations

import email
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from aupguard.gateway import quarantine
from aupguard.store.gateway_tables import gateway_quarantine
from aupguard.store.tables import audit_log, items
from tests.conftest import Sink, free_port
from tests.web.conftest import Demo, client_for, csrf_of, sign_in

pytest.importorskip("aiosmtpd")


def _held(demo: Demo, subject_like: str) -> int:
    """Hold one of the sample district's messages as the filter would."""
    with demo.ws.engine.connect() as conn:
        item_id = (
            conn.execute(select(items.c.id).where(items.c.channel == "email", items.c.subject.like(subject_like)))
            .scalars()
            .first()
        )
    assert item_id, subject_like
    return quarantine.hold(demo.ws.engine, item_id, "coach@pccsd.example.org", ["parent@gmail.example"],
                           ["student-info-external"])  # fmt: skip


@pytest.fixture
def director(demo: Demo) -> Iterator[TestClient]:
    client = client_for(demo)
    sign_in(client, demo, "bdecker")  # the Technology Director
    yield client


def _status(demo: Demo, entry: int) -> str:
    with demo.ws.engine.connect() as conn:
        return str(conn.execute(select(gateway_quarantine.c.status).where(gateway_quarantine.c.id == entry)).scalar())


def _actions(demo: Demo, target: str) -> list[tuple[str, str | None]]:
    with demo.ws.engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.reason).where(audit_log.c.target == target))
        return [(r.action, r.reason) for r in rows]


def test_release_delivers_with_the_envelope_and_records_the_reason(
    demo: Demo, director: TestClient, sink: tuple[Sink, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, port = sink
    monkeypatch.setenv("AUPGUARD_GATEWAY_NEXT_HOP", f"127.0.0.1:{port}")
    entry = _held(demo, "%")
    page = director.get("/quarantine")
    assert page.status_code == 200 and f'data-entry="{entry}"' in page.text
    # reading it asks for a reason, and the reading is audited
    csrf = csrf_of(page.text)
    assert director.post(f"/quarantine/{entry}/open", data={"reason": " ", "csrf_token": csrf}).status_code == 400
    opened = director.post(f"/quarantine/{entry}/open", data={"reason": "decide the hold", "csrf_token": csrf})
    assert opened.status_code == 200 and "student-info-external" in opened.text
    decision = {"reason": "parent asked for it", "csrf_token": csrf}
    r = director.post(f"/quarantine/{entry}/release", data=decision, follow_redirects=False)
    assert r.status_code == 303
    assert _status(demo, entry) == "released"
    ((mail_from, rcpt, raw),) = handler.received
    assert mail_from == "coach@pccsd.example.org" and rcpt == ["parent@gmail.example"]
    assert ("gateway.quarantine.open", "decide the hold") in _actions(demo, f"quarantine:{entry}")
    assert ("gateway.quarantine.released", "parent asked for it") in _actions(demo, f"quarantine:{entry}")
    # decided once: a second decision is refused and nothing more is sent
    again = director.post(f"/quarantine/{entry}/reject", data={"reason": "x", "csrf_token": csrf_of(page.text)})
    assert again.status_code == 409 and len(handler.received) == 1


def test_reject_tells_the_sender_in_plain_words(
    demo: Demo, director: TestClient, sink: tuple[Sink, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, port = sink
    monkeypatch.setenv("AUPGUARD_GATEWAY_NEXT_HOP", f"127.0.0.1:{port}")
    monkeypatch.setenv("AUPGUARD_GATEWAY_NOTICE_FROM", "technology@pccsd.example.org")
    entry = _held(demo, "%")
    page = director.get("/quarantine")
    r = director.post(f"/quarantine/{entry}/reject", data={"reason": "student records go through the office",
                      "csrf_token": csrf_of(page.text)}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and _status(demo, entry) == "rejected"
    ((mail_from, rcpt, raw),) = handler.received
    assert rcpt == ["coach@pccsd.example.org"] and mail_from in ("", "<>")  # a notice that cannot bounce back
    notice = email.message_from_bytes(raw)
    assert notice["From"] == "technology@pccsd.example.org" and "not delivered" in notice["Subject"].lower()
    assert "student records go through the office" in notice.get_payload(decode=True).decode()


def test_an_unreachable_mail_system_leaves_the_message_held(
    demo: Demo, director: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUPGUARD_GATEWAY_NEXT_HOP", f"127.0.0.1:{free_port()}")  # nobody listens there
    entry = _held(demo, "%")
    page = director.get("/quarantine")
    r = director.post(f"/quarantine/{entry}/release", data={"reason": "ok", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 503 and "stays held" in r.text
    assert _status(demo, entry) == "held"


WHO = [("bdecker", True), ("reviewer", True), ("kholt", True), ("mjorgensen", False), ("cbauman", False),
       ("jkowalczyk", False)]  # fmt: skip


@pytest.mark.parametrize(("username", "allowed"), WHO)
def test_who_may_decide_held_mail(demo: Demo, username: str, allowed: bool) -> None:
    client = client_for(demo)
    sign_in(client, demo, username)
    assert client.get("/quarantine").status_code == (200 if allowed else 403)
