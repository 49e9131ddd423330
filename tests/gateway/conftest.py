"""Gateway fixtures: a seeded workspace, messages as SMTP carries them, a waiting helper."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from sqlalchemy import func, select

from aupguard.store.tables import items
from aupguard.workspace import Workspace
from tests.small_district import DOMAIN, seed_directory

LEAK_BODY = "You can interview Marisol Lindqvist, student id 204417, after practice."


def message(
    subject: str,
    body: str = "The staff meeting moves to Thursday.",
    sender: str = f"sam.ortiz@{DOMAIN}",
    to: str = "reporter@news.example",
) -> bytes:
    """Message bytes exactly as they arrive over SMTP (CRLF line ends), so its sha256 is its id."""
    msg = EmailMessage(policy=SMTP)
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = "Mon, 05 Oct 2026 10:00:00 +0000"
    msg["Message-ID"] = f"<{hashlib.sha1(subject.encode()).hexdigest()}@{DOMAIN}>"
    msg.set_content(body)
    return bytes(msg)


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def wait_for(condition: Callable[[], bool], what: str, limit: float = 20.0) -> None:
    """Wait for the background scan (bounded, so a bug fails the test instead of hanging it)."""
    end = time.monotonic() + limit
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def item_count(ws: Workspace, item_id: str | None = None) -> int:
    query = select(func.count()).select_from(items)
    if item_id:
        query = query.where(items.c.id == item_id)
    with ws.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


@pytest.fixture
def district(workspace: Workspace) -> Workspace:
    seed_directory(workspace)
    return workspace
