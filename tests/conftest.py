"""Shared fixtures. The suite runs on SQLite, and on PostgreSQL when AUPGUARD_TEST_DATABASE_URL
names a server (`.ci/run` starts one): every workspace then gets a fresh database of its own."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from aupguard.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
DEV_DATA = Path(os.environ.get("AUPGUARD_DEV_DATA", REPO.parent / "shared" / "dev-data"))
PG_URL = os.environ.get("AUPGUARD_TEST_DATABASE_URL")


def pytest_report_header() -> str:
    return f"aupguard database backend: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"


@contextmanager
def fresh_database() -> Iterator[str | None]:
    """None on SQLite (the workspace's own file); a new PostgreSQL database otherwise."""
    if not PG_URL:
        yield None
        return
    name = f"aupguard_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url() -> Iterator[str | None]:
    with fresh_database() as url:
        yield url


@pytest.fixture
def workspace_env(tmp_path: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment for a workspace in tmp_path (used by CLI tests too); returns its folder."""
    home = tmp_path / "ws"
    monkeypatch.setenv("AUPGUARD_HOME", str(home))
    monkeypatch.setenv("AUPGUARD_WORKERS", "1")
    if database_url:
        monkeypatch.setenv("AUPGUARD_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("AUPGUARD_DATABASE_URL", raising=False)
    monkeypatch.delenv("AUPGUARD_POLICY_PACK", raising=False)
    return home


@pytest.fixture
def workspace(workspace_env: Path) -> Iterator[Workspace]:
    ws = Workspace.init(workspace_env)
    yield ws
    ws.close()


def dev_data(*parts: str) -> Path:
    path = DEV_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"dev data not present: {path}")
    return path


@pytest.fixture
def mail(tmp_path: Path) -> Path:
    """A folder of a few emails and a text export, clean, violating and broken."""
    from tests.small_district import write_mail

    return write_mail(tmp_path / "mail")


def free_port() -> int:
    """A loopback port nobody listens on (for servers the tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sink:
    """A real SMTP server's handler standing in for the next mail server (Postfix's re-injection
    smtpd, a relay): records what it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK delivered"


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    """An aiosmtpd server on a free loopback port with a `Sink` handler: (handler, port)."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    handler, port = Sink(), free_port()
    controller = controller_module.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
