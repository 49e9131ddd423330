"""The records commands as a custodian uses them (in-process with Click's runner)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from aupguard.cli.reference import build_app
from aupguard.store import audit_repo
from aupguard.store.records_tables import redactions, request_items
from aupguard.workspace import Workspace

runner = CliRunner()
app = build_app()


def run(*args: str) -> object:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def test_request_from_intake_to_package(scanned: Workspace, tmp_path: Path) -> None:
    assert "acknowledge by 2026-11-03" in ok(
        "request",
        "new",
        "--requester",
        "Ames Tribune",
        "--channel",
        "electronic",
        "--description",
        "Mr. Ortiz's mail",
        "--received",
        "2026-11-02",
    )
    assert "3 items found" in ok(
        "request", "scope", "1", "--person", "t1", "--channel", "email", "--until", "2026-10-21"
    )
    state = json.loads(ok("request", "show", "1", "--json", "--today", "2026-11-12"))
    assert state["items"] == {"pending": 3} and any("7 business days" in a for a in state["alerts"])
    with scanned.engine.connect() as conn:
        proposal_ids = list(conn.scalars(select(redactions.c.id).where(redactions.c.request_id == 1)))
        item_ids = list(conn.scalars(select(request_items.c.item_id).where(request_items.c.request_id == 1)))
    assert "Marisol Lindqvist" in ok("request", "redactions", "1")
    for rid in proposal_ids:
        ok("request", "redaction", str(rid), "--confirm")
    bad = run("request", "decide", "1", item_ids[0][:12], "withhold", "--code", "NOPE")
    assert bad.exit_code == 2 and "legal basis" in bad.output  # type: ignore[attr-defined]
    with scanned.engine.connect() as conn:
        pending = list(conn.scalars(select(request_items.c.item_id).where(request_items.c.decision == "pending")))
    for item in pending:
        ok("request", "decide", "1", item[:12], "withhold", "--code", "pers")
    out = tmp_path / "release.zip"
    assert "documents" in ok("request", "package", "1", "--out", str(out))
    with zipfile.ZipFile(out) as zf:
        assert {"manifest.json", "redaction_log.csv"} <= set(zf.namelist())
    ok("request", "close", "1")
    actions = {e["action"] for e in audit_repo.entries(scanned.engine, limit=200)}
    assert {"request.intake", "archive.search", "request.view", "request.release", "request.close"} <= actions


def test_archive_search_hold_and_dispose_commands(scanned: Workspace, tmp_path: Path) -> None:
    missing_reason = run("archive", "search", "practice")
    assert missing_reason.exit_code == 2  # type: ignore[attr-defined]
    found = ok("archive", "search", "practice", "--reason", "request 4", "--json")
    assert len(found.splitlines()) == 2
    assert "hold 1 placed" in ok("hold", "add", "--name", "grievance", "--reason", "union grievance", "--person", "t1")
    assert "grievance" in ok("hold", "list")
    assert "below its floor" in run("retention", "set", "general", "--days", "100", "--reason", "x").output  # type: ignore[attr-defined]
    ok("retention", "set", "general", "--days", "400", "--reason", "board policy 708")
    assert "batch 1" in ok("dispose", "propose", "--as-of", "2028-01-01")
    refused = run("dispose", "approve", "1", "--reason", "schedule")
    assert refused.exit_code == 2 and "separation of duties" in refused.output  # type: ignore[attr-defined]
    assert "disposed of" in ok("dispose", "approve", "1", "--reason", "schedule", "--approver", "superintendent")
    assert "everything recomputes" in ok("archive", "verify")
    ok("hold", "release", "1", "--reason", "grievance withdrawn")


def test_backup_and_restore_commands(scanned: Workspace, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import fresh_database

    assert "chain head" in ok("backup", str(tmp_path / "b"))
    with fresh_database() as url:
        if url:
            monkeypatch.setenv("AUPGUARD_DATABASE_URL", url)
        restored = tmp_path / "restored"
        output = ok("--home", str(restored), "restore", str(tmp_path / "b"))
        assert "ok  verify ok" in output and "FAILED" not in output
        assert "ok" in ok("--home", str(restored), "restores")
