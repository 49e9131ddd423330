"""A disk that fills up during a scan, on a real small file system (a tmpfs of a few MB): the
scan stops with a plain message and exit code 3 instead of a traceback, keeps what it stored,
records that it failed and why, and once there is room the same command completes it without
duplicates. Mounting needs root; elsewhere these tests skip, saying so (CI runs them as root)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aupguard import scanning
from aupguard.store.tables import items, scans
from aupguard.workspace import Workspace

from .conftest import PG_URL
from .test_interrupt import aupguard, write_mbox

MESSAGES = 30_000


@contextmanager
def small_disk(path: Path, megabytes: int) -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(path)], capture_output=True, text=True
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def grow(disk: Path, megabytes: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={megabytes}m", str(disk)], check=True)


def stored(home: Path) -> tuple[int, list[dict[str, object]]]:
    ws = Workspace.open(home)
    try:
        with ws.engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(items)).scalar_one()
            records = list(conn.execute(select(scans.c.counts).order_by(scans.c.id)).scalars())
        return count, records
    finally:
        ws.close()


def assert_said_disk_full(run: subprocess.CompletedProcess[str], cause: str) -> None:
    assert run.returncode == 3, run.stderr
    assert f"disk full: {cause}" in run.stderr
    assert "run the same command again: what was stored before stays stored" in run.stderr
    assert "disk full: " in run.stderr
    assert "Traceback" not in run.stderr


def test_archive_disk_fills_up(workspace_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The archive's disk fills (the database lives elsewhere): on SQLite a file outside the
    small disk, on PostgreSQL the server's."""
    if not PG_URL:
        monkeypatch.setenv("AUPGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'outside.db'}")
    mbox = write_mbox(tmp_path / "notes.mbox", MESSAGES)
    with small_disk(tmp_path / "disk", 3) as disk:
        home = disk / "ws"
        monkeypatch.setenv("AUPGUARD_HOME", str(home))
        Workspace.init(home).close()

        run = aupguard("scan", str(mbox), "--format", "json")
        # Whichever fills the disk first: a pack's write, or the archive's catalog (SQLite).
        causes = {"OSError": "[Errno 28] No space left on device", "OperationalError": "database or disk is full"}
        assert any(f"disk full: {cause}" in run.stderr for cause in causes.values()), run.stderr
        assert_said_disk_full(run, "")
        count, records = stored(home)
        (record,) = records
        assert record["failed"] in {f"{kind}: {cause}" for kind, cause in causes.items()}
        assert 0 < count == record["items"] < MESSAGES
        assert count % scanning.BATCH == 0  # whole batches: each was one transaction

        grow(disk, 256)
        again = aupguard("scan", str(mbox), "--format", "json")
        assert again.returncode == 0, again.stderr
        count, records = stored(home)
        assert count == MESSAGES and records[-1]["items"] == MESSAGES and "failed" not in records[-1]
        verify = aupguard("archive", "verify")  # the pack cut short by the full disk reads clean
        assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.mark.skipif(
    bool(PG_URL), reason="the database's own disk filling up is SQLite's case (a PostgreSQL server's disk is its own)"
)
def test_database_disk_fills_up(workspace_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workspace's SQLite database fills its disk (the archive is elsewhere, through a link)."""
    mbox = write_mbox(tmp_path / "notes.mbox", MESSAGES)
    (tmp_path / "archive").mkdir()
    with small_disk(tmp_path / "disk", 3) as disk:
        home = disk / "ws"
        home.mkdir()
        (home / "archive").symlink_to(tmp_path / "archive")
        monkeypatch.setenv("AUPGUARD_HOME", str(home))
        Workspace.init(home).close()

        run = aupguard("scan", str(mbox), "--format", "json")
        assert_said_disk_full(run, "database or disk is full")
        count, _ = stored(home)
        assert count < MESSAGES and count % scanning.BATCH == 0  # whole batches: each was one transaction

        grow(disk, 256)
        again = aupguard("scan", str(mbox), "--format", "json")
        assert again.returncode == 0, again.stderr
        count, records = stored(home)
        assert count == MESSAGES and records[-1]["items"] == MESSAGES
        if "failed" in records[0]:  # written when the full database still took the update
            assert "database or disk is full" in str(records[0]["failed"])


def test_a_backup_cut_short_by_a_full_disk_leaves_nothing_behind(workspace_env: Path, tmp_path: Path) -> None:
    """A backup that did not finish is no backup: what it wrote is removed, so the same command
    can run again into the same folder (which must be new or empty)."""
    mbox = write_mbox(tmp_path / "notes.mbox", 5_000)
    Workspace.init(workspace_env).close()
    assert aupguard("scan", str(mbox), "--format", "json").returncode == 0
    with small_disk(tmp_path / "disk", 1) as disk:
        dest = disk / "backup-1"
        run = aupguard("backup", str(dest))
        assert_said_disk_full(run, "")
        assert not dest.exists() and list(disk.iterdir()) == []
        grow(disk, 256)
        again = aupguard("backup", str(dest))
        assert again.returncode == 0, again.stderr
        assert (dest / "manifest.json").exists()
        assert "5000 items, 5000 blobs" in again.stdout
