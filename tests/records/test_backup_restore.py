"""Backup while a scan runs, restore into an empty workspace, and prove nothing was lost: the
restored workspace verifies, holds exactly the snapshot's items with their original bytes, and
its chain is a prefix of the live one. Each restore is recorded as disaster-recovery evidence."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aupguard.records import backup as backups
from aupguard.scanning import scan
from aupguard.store.records_tables import archive_links
from aupguard.store.tables import items
from aupguard.workspace import Workspace
from tests.conftest import fresh_database
from tests.small_district import seed_directory


def write_mbox(path: Path, count: int) -> Path:
    start = datetime(2026, 9, 1, tzinfo=UTC)
    with path.open("wb") as f:
        for n in range(count):
            msg = EmailMessage()
            msg["From"] = "sam.ortiz@district.example"
            msg["To"] = "avery.cole@district.example"
            msg["Subject"] = f"Bus schedule {n}"
            msg["Date"] = format_datetime(start + timedelta(minutes=n))
            msg["Message-ID"] = f"<bus-{n}@district.example>"
            msg.set_content(f"Route {n % 17} leaves at {7 + n % 3}:15 tomorrow.\n")
            f.write(b"From sam.ortiz@district.example Mon Sep  1 00:00:00 2026\n" + bytes(msg) + b"\n")
    return path


def item_count(ws: Workspace) -> int:
    with ws.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(items)) or 0)


def links(ws: Workspace) -> list[tuple[int, str]]:
    with ws.engine.connect() as conn:
        return [
            (r.seq, r.hash)
            for r in conn.execute(select(archive_links.c.seq, archive_links.c.hash).order_by(archive_links.c.seq))
        ]


def test_backup_during_a_scan_restores_with_nothing_lost(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_directory(workspace)
    mbox = write_mbox(tmp_path / "bus.mbox", 2000)
    scanner = Workspace.open(workspace.root)  # its own engine, as a second process would have
    failures: list[BaseException] = []

    def run_scan() -> None:
        try:
            scan(scanner, [mbox])
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)

    thread = threading.Thread(target=run_scan)
    thread.start()
    deadline = time.monotonic() + 120
    while item_count(workspace) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    result = backups.backup(workspace, tmp_path / "backup", actor="cli:tech")
    thread.join()
    scanner.close()
    assert not failures, failures
    taken = result.manifest["items"]
    final = item_count(workspace)
    assert 0 < taken < final == 2000, "the backup was taken while the scan was still storing items"
    assert result.missing_blobs == []

    with fresh_database() as url:
        if url:
            monkeypatch.setenv("AUPGUARD_DATABASE_URL", url)
        report = backups.restore(tmp_path / "backup", tmp_path / "restored", actor="cli:tech")
        assert report["ok"], report
        restored = Workspace.open(tmp_path / "restored")
        try:
            with restored.engine.connect() as conn:
                restored_ids = set(conn.scalars(select(items.c.id)))
            with workspace.engine.connect() as conn:
                live_ids = set(conn.scalars(select(items.c.id)))
            assert len(restored_ids) == taken and restored_ids <= live_ids
            for item_id in restored_ids:
                assert restored.blobs.get(item_id) == workspace.blobs.get(item_id)
            restored_links = links(restored)
            assert restored_links[: len(restored_links) - 1] == links(workspace)[: len(restored_links) - 1]
            history = backups.restore_history(restored.engine)
            assert [h["ok"] for h in history] == [True] and history[0]["items"] == taken
        finally:
            restored.close()


def test_restore_refuses_a_non_empty_target_and_an_altered_backup(scanned: Workspace, tmp_path: Path) -> None:
    backups.backup(scanned, tmp_path / "b", actor="cli:tech")
    with pytest.raises(backups.BackupError, match="not empty"):
        backups.backup(scanned, tmp_path / "b")
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "something").write_text("x")
    with pytest.raises(backups.BackupError, match="not empty"):
        backups.restore(tmp_path / "b", occupied)
    manifest_files = list((tmp_path / "b" / "policy").glob("*.yaml"))
    manifest_files[0].write_text("tampered", encoding="utf-8")
    with pytest.raises(backups.BackupError, match="altered"):
        backups.restore(tmp_path / "b", tmp_path / "new")


def test_a_damaged_archive_fails_the_restore_test(
    scanned: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backups.backup(scanned, tmp_path / "b", actor="cli:tech")
    pack = next((tmp_path / "b" / "archive" / "packs").glob("*.pack"))
    data = bytearray(pack.read_bytes())
    data[-20:] = b"not zstandard at all"  # the last object's bytes altered in the backup
    pack.write_bytes(bytes(data))
    with fresh_database() as url:
        if url:
            monkeypatch.setenv("AUPGUARD_DATABASE_URL", url)
        report = backups.restore(tmp_path / "b", tmp_path / "r", actor="cli:tech")
    assert not report["ok"] and not report["checks"]["verify_ok"]
    assert report["problems"][0]["kind"] == "blob-corrupt"
