"""SIGKILL the gateway process at random moments while a client journals messages; restart it.
Every message the client saw accepted (250) must be in the archive exactly once, and the client
retries every message that was not accepted (as a sending MTA does), so in the end all are."""

from __future__ import annotations

import os
import random
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("aiosmtpd", reason="needs aiosmtpd>=1.4.6 and aiosmtplib (pip install them)")
pytest.importorskip("aiosmtplib", reason="needs aiosmtpd>=1.4.6 and aiosmtplib (pip install them)")

from sqlalchemy import func, select

from aupguard.archive.chain import archive_entries
from aupguard.gateway.spool import Spool
from aupguard.store.tables import items, scans
from aupguard.workspace import Workspace
from tests.conftest import free_port
from tests.gateway.conftest import message, sha, wait_for
from tests.processes import children, gone

LAUNCH = "import sys; from aupguard.cli import main; sys.argv[0] = 'aupguard'; main()"


class GatewayProcess:
    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", LAUNCH, "gateway", "journal", "--port", str(self.port)],
                stdout=log,
                stderr=log,
                env=os.environ.copy(),
            )
        wait_for(self.listening, "the gateway to listen", limit=60)

    def listening(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"gateway exited: {self.log.read_text(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def kill_and_restart(self) -> None:
        with self.lock:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


def journal_all(port: int, messages: list[bytes], accepted: set[str]) -> int:
    """Send every message, reusing a connection while it lasts; retry whatever was not accepted."""
    retries = 0
    pending = list(messages)
    smtp: smtplib.SMTP | None = None
    while pending:
        raw = pending[0]
        try:
            if smtp is None:
                smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
            smtp.sendmail("journal@district.example", ["archive@district.example"], raw)
            accepted.add(sha(raw))
            pending.pop(0)
        except (OSError, smtplib.SMTPException):
            retries += 1
            smtp = None
            time.sleep(0.02)  # the sending MTA's retry, much shortened
    if smtp is not None:
        smtp.quit()
    return retries


def kill_at_random(gateway: GatewayProcess, kills: int, accepted: set[str], count: int, seed: int) -> int:
    """Kill the gateway `kills` times, each after a random number of acceptances plus a random few
    milliseconds, so the kills land while messages are in flight (mid-DATA, mid-fsync, mid-scan)."""
    rng = random.Random(seed)
    thresholds = sorted(rng.sample(range(1, count), kills))
    done = 0
    for threshold in thresholds:
        while len(accepted) < threshold:
            time.sleep(0.001)
        time.sleep(rng.uniform(0, 0.01))
        gateway.kill_and_restart()
        done += 1
    return done


def run_fault_test(ws: Workspace, tmp_path: Path, count: int, kills: int) -> None:
    messages = [message(f"journaled message {i}", f"Body of message {i}, seed line.") for i in range(count)]
    gateway = GatewayProcess(free_port(), tmp_path / "gateway.log")
    accepted: set[str] = set()
    killed: list[int] = []
    gateway.start()
    try:
        killer = threading.Thread(
            target=lambda: killed.append(kill_at_random(gateway, kills, accepted, count, seed=count))
        )
        killer.start()
        retries = journal_all(gateway.port, messages, accepted)
        killer.join()
        spool = Spool.for_workspace(ws.root)
        wait_for(lambda: spool.count() == 0, "the last gateway to scan the spool", limit=120)
    finally:
        gateway.stop()
    assert killed[0] >= 1, "the gateway was never killed: the test proved nothing"
    assert retries >= 1, "no send was interrupted: the test proved nothing"
    assert accepted == {sha(m) for m in messages}
    with ws.engine.connect() as conn:
        stored = list(conn.scalars(select(items.c.id)))
        links = dict(
            conn.execute(select(archive_entries.c.item_id, func.count()).group_by(archive_entries.c.item_id)).all()
        )
    assert sorted(stored) == sorted(accepted)  # each exactly once (the id is the primary key)
    assert all(links.get(i) == 1 for i in accepted)  # one chain link each
    assert all(ws.blobs.has(i) for i in accepted)
    assert list(spool.failed.iterdir()) == []


def test_sigkill_at_random_moments_loses_nothing_and_duplicates_nothing(workspace: Workspace, tmp_path: Path) -> None:
    run_fault_test(workspace, tmp_path, count=150, kills=3)


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("AUPGUARD_SLOW_TESTS"),
    reason="2,000 messages and 8 restarts take about a minute: set AUPGUARD_SLOW_TESTS=1 "
    "(the default run does the same with 150 messages and 3 restarts)",
)
def test_sigkill_while_journaling_2000_messages(workspace: Workspace, tmp_path: Path) -> None:
    run_fault_test(workspace, tmp_path, count=2000, kills=8)


def scanner_of(gateway: subprocess.Popen[bytes]) -> int | None:
    """The gateway's scanner child (a spawned process; the other child is multiprocessing's
    resource tracker), or None while there is none."""
    for pid in children(gateway.pid):
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            continue
    return None


def scan_records(ws: Workspace) -> list[tuple[int, bool, dict[str, object]]]:
    """(id, finished, counts) of every scan so far, oldest first. A scan's record is written once
    the scanner has loaded the policy and directory, just before it reads its first batch."""
    with ws.engine.connect() as conn:
        rows = conn.execute(select(scans.c.id, scans.c.finished_at, scans.c.counts).order_by(scans.c.id)).all()
    return [(r.id, r.finished_at is not None, r.counts) for r in rows]


def test_sigterm_to_the_scanner_alone_loses_nothing(workspace: Workspace, tmp_path: Path) -> None:
    """`kill` of the busy process in `top`, or a service manager stopping it: the gateway's
    scanner, told to stop mid-scan, stops between batches and leaves as a killed scanner would;
    the gateway stays up, starts another, and every message is stored exactly once."""
    messages = [message(f"stopped scanner {i}", f"Body of message {i}.") for i in range(1000)]
    gateway = GatewayProcess(free_port(), tmp_path / "gateway.log")
    accepted: set[str] = set()
    stopped: list[int] = []
    gateway.start()
    try:
        assert gateway.proc is not None
        sender = threading.Thread(target=journal_all, args=(gateway.port, messages, accepted))
        sender.start()
        # Signal a scanner in the middle of a scan (its record started, not finished), until one
        # such stop is recorded as "interrupted": a signal that lands while it loads the policy
        # or waits for work ends it at once instead, which the gateway must survive too.
        # Only a record newer than the last one signalled counts as a scan under way: a scanner
        # that ended outside its scan leaves its record unfinished for good.
        deadline = time.monotonic() + 120
        signalled = 0
        while not any(counts.get("interrupted") for _, _, counts in scan_records(workspace)):
            assert time.monotonic() < deadline, "no scanner was stopped mid-scan"
            scanner = scanner_of(gateway.proc)
            records = scan_records(workspace)
            if scanner is None or not records or records[-1][1] or records[-1][0] <= signalled:
                time.sleep(0.01)
                continue
            os.kill(scanner, signal.SIGTERM)
            signalled = records[-1][0]
            stopped.append(scanner)
            assert gone([scanner], within=20), "the stopped scanner did not leave"
            assert gateway.proc.poll() is None, "the gateway itself ended"
        sender.join()
        spool = Spool.for_workspace(workspace.root)
        wait_for(lambda: spool.count() == 0, "a new scanner to scan the spool", limit=120)
        assert gateway.proc.poll() is None
        replacement = scanner_of(gateway.proc)
        assert replacement is not None and replacement not in stopped
    finally:
        gateway.stop()
    with workspace.engine.connect() as conn:
        stored = list(conn.scalars(select(items.c.id)))
    assert sorted(stored) == sorted(sha(m) for m in messages)  # each exactly once
    assert list(spool.failed.iterdir()) == []
