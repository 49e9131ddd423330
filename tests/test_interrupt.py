"""Ctrl-C during a scan: it stops between batches (never inside a transaction), records how far
it got, tells the user, leaves no worker behind, and a rerun completes without duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aupguard import scanning
from aupguard.interrupt import StopBetweenSteps
from aupguard.store.tables import item_sources, items, scans
from aupguard.workspace import Workspace
from tests.processes import children, gone

DOMAIN = "example-district.org"


def write_mbox(path: Path, messages: int) -> Path:
    with open(path, "w", encoding="ascii") as fh:
        for n in range(messages):
            fh.write(
                f"From staff@{DOMAIN} Mon Oct  5 09:00:00 2026\n"
                f"From: Staff {n % 40} <staff{n % 40}@{DOMAIN}>\nTo: team@{DOMAIN}\n"
                f"Subject: Notes {n}\nDate: Mon, 5 Oct 2026 09:{n % 60:02d}:00 -0500\nMessage-ID: <{n}@{DOMAIN}>\n\n"
                f"Meeting notes number {n}: the schedule for the week, room changes and the bus list.\n\n"
            )
    return path


def test_ctrl_c_is_noted_and_raised_at_the_next_check() -> None:
    before = signal.getsignal(signal.SIGINT)
    with StopBetweenSteps() as stop:
        stop.check()  # nothing pressed: goes on
        os.kill(os.getpid(), signal.SIGINT)  # the handler runs here and only notes it
        assert stop.requested
        with pytest.raises(KeyboardInterrupt):
            stop.check()
        with pytest.raises(KeyboardInterrupt):  # pressed again: at once
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
    assert signal.getsignal(signal.SIGINT) is before


def test_outside_the_main_thread_nothing_changes() -> None:
    seen: list[object] = []

    def job() -> None:
        with StopBetweenSteps() as stop:
            seen.append(signal.getsignal(signal.SIGINT))
            stop.requested = False
            stop.check()
            seen.append("checked")

    before = signal.getsignal(signal.SIGINT)
    thread = threading.Thread(target=job)
    thread.start()
    thread.join(timeout=30)
    assert seen == [before, "checked"]


@pytest.mark.parametrize("workers", [1, 2])
def test_an_interrupted_scan_keeps_whole_batches_and_a_rerun_completes(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    mbox = write_mbox(tmp_path / "notes.mbox", 400)
    monkeypatch.setattr(scanning, "BATCH", 20)
    pressed: list[int] = []

    def press_ctrl_c_once(done_bytes: int, done_items: int) -> None:
        if not pressed and done_items >= 40:  # after the second stored batch
            pressed.append(done_items)
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        scanning.scan(workspace, [mbox], workers=workers, on_progress=press_ctrl_c_once)
    with workspace.engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(items)).scalar_one()
        (record,) = conn.execute(select(scans.c.finished_at, scans.c.counts)).all()
    assert stored % 20 == 0 and 40 <= stored < 400  # whole batches only, and it stopped early
    assert record.finished_at is not None
    assert record.counts["interrupted"] is True and record.counts["items"] == stored
    again = scanning.scan(workspace, [mbox], workers=workers)  # no lock left behind
    assert (again.read, again.items, again.errors) == (400, 400, 0)
    with workspace.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(items)).scalar_one() == 400
        assert conn.execute(select(func.count()).select_from(item_sources)).scalar_one() == 400


AUPGUARD = Path(sys.executable).with_name("aupguard")
WORKERS_ENV = {"AUPGUARD_WORKERS": "2"}


def aupguard(*args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI, with two scan workers, run to its end."""
    env = dict(os.environ, **WORKERS_ENV)
    return subprocess.run([str(AUPGUARD), *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def start_scan(mbox: Path) -> subprocess.Popen[str]:
    """`aupguard scan` with two workers, in a process group of its own, as a terminal runs it."""
    return subprocess.Popen(
        [str(AUPGUARD), "scan", str(mbox), "--format", "json"],
        env=dict(os.environ, **WORKERS_ENV),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a test runner may ignore it
    )


def wait_for_items_and_workers(ws: Workspace, scan: subprocess.Popen[str]) -> list[int]:
    """Once the scan has stored something: its two worker processes."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and scan.poll() is None:
        with ws.engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(items)).scalar_one() > 0:
                break
        time.sleep(0.1)
    workers = children(scan.pid)
    assert scan.poll() is None and len(workers) == 2, "the scan ended before the test could stop it"
    return workers


def stored_and_record(ws: Workspace) -> tuple[int, dict[str, object]]:
    """Items stored, and the counts the first scan (the one stopped) recorded."""
    with ws.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(items)).scalar_one(),
            conn.execute(select(scans.c.counts).order_by(scans.c.id).limit(1)).scalar_one(),
        )


@contextmanager
def scan_to_stop(workspace_env: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Workspace, Path]]:
    """A 60,000-message scan under way in a new workspace; killed at the end if still running."""
    Workspace.init(workspace_env).close()
    mbox = write_mbox(tmp_path / "notes.mbox", 60_000)
    scan = start_scan(mbox)
    ws = Workspace.open(workspace_env)
    try:
        yield scan, ws, mbox
    finally:
        if scan.poll() is None:
            os.killpg(scan.pid, signal.SIGKILL)
            scan.wait()
        ws.close()


def test_ctrl_c_in_a_terminal_stops_aupguard_scan_and_its_workers(workspace_env: Path, tmp_path: Path) -> None:
    """The real thing: `aupguard scan` with two workers in a process group of its own, and
    SIGINT to the whole group, as a terminal sends it."""
    with scan_to_stop(workspace_env, tmp_path) as (scan, ws, _):
        wait_for_items_and_workers(ws, scan)
        os.killpg(scan.pid, signal.SIGINT)
        _, stderr = scan.communicate(timeout=60)
        assert scan.returncode == 130
        assert "interrupted: what was stored before stays stored" in stderr
        assert "Traceback" not in stderr
        with pytest.raises(ProcessLookupError):  # no worker left in the group
            os.killpg(scan.pid, 0)
        stored, counts = stored_and_record(ws)
        assert counts["interrupted"] is True and 0 < stored == counts["items"] < 60_000


def test_a_scan_worker_killed_by_the_system_is_reported_and_a_rerun_completes(
    workspace_env: Path, tmp_path: Path
) -> None:
    """A worker killed outright (the kernel's OOM killer sends SIGKILL): the scan stops with a
    plain message instead of a traceback, keeps whole batches, records why it failed, and the
    same command run again completes it."""
    with scan_to_stop(workspace_env, tmp_path) as (scan, ws, mbox):
        workers = wait_for_items_and_workers(ws, scan)
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = scan.communicate(timeout=120)
        assert scan.returncode == 1
        assert "A scan worker process ended abruptly" in stderr and "Traceback" not in stderr
        with pytest.raises(ProcessLookupError):  # no worker left behind
            os.killpg(scan.pid, 0)
        stored, counts = stored_and_record(ws)
        assert str(counts["failed"]).startswith("BrokenProcessPool")
        assert 0 < stored == counts["items"] < 60_000 and stored % scanning.BATCH == 0

        again = aupguard("scan", str(mbox), "--format", "json")
        assert again.returncode == 0, again.stderr
        assert stored_and_record(ws)[0] == 60_000
        verify = aupguard("archive", "verify")
        assert verify.returncode == 0, verify.stdout  # the killed worker's cut-off write is dropped


def test_sigterm_to_the_scan_alone_stops_it_like_ctrl_c(workspace_env: Path, tmp_path: Path) -> None:
    """`timeout`, `kill` and service managers send SIGTERM to the main process. Python's default
    ended it at once and left its two workers behind, waiting forever with their packs locked."""
    with scan_to_stop(workspace_env, tmp_path) as (scan, ws, _):
        workers = wait_for_items_and_workers(ws, scan)
        scan.send_signal(signal.SIGTERM)  # to the main process only
        _, stderr = scan.communicate(timeout=60)
        assert scan.returncode == 130
        assert "interrupted: what was stored before stays stored" in stderr and "Traceback" not in stderr
        assert gone(workers, within=10)
        stored, counts = stored_and_record(ws)
        assert counts["interrupted"] is True and 0 < stored == counts["items"] < 60_000


def test_workers_leave_when_the_main_process_is_killed_outright(workspace_env: Path, tmp_path: Path) -> None:
    """SIGKILL (the OOM killer's choice may fall on the main process): nothing can run in it, so
    each worker notices its parent is gone and ends, letting go of its pack."""
    with scan_to_stop(workspace_env, tmp_path) as (scan, ws, mbox):
        workers = wait_for_items_and_workers(ws, scan)
        scan.kill()
        scan.wait(timeout=30)
        assert gone(workers, within=10)
        again = aupguard("scan", str(mbox), "--format", "json")
        assert again.returncode == 0, again.stderr
        assert stored_and_record(ws)[0] == 60_000


# Run in a process of its own: on the old code the scan below hung for ever (and ignored SIGTERM).
_DIES_MID_RESULT = """
import gc, os, signal, struct, sys
from multiprocessing.queues import SimpleQueue
from pathlib import Path
from aupguard import scanning
from aupguard.workspace import Workspace

real = scanning.process_batch

def dies_mid_result(records, state=None):
    result = real(records, state)
    if records and records[0].position == "message 201":  # the second batch, in whichever worker
        results = next(o for o in gc.get_objects() if isinstance(o, SimpleQueue))
        results._wlock.acquire()  # as a worker does to send its result
        results._writer._send(struct.pack("!i", 1_000_000) + b"the first bytes of it")
        os.kill(os.getpid(), signal.SIGKILL)  # the OOM killer, right then
    return result

scanning.process_batch = dies_mid_result
scanning.DEAD_WORKER_GRACE_SECONDS = 1.0
ws = Workspace.open(Path(sys.argv[1]))
try:
    scanning.scan(ws, [Path(sys.argv[2])], workers=2)
except BaseException as exc:
    print("stopped:", type(exc).__name__)
"""


def test_a_worker_killed_while_sending_its_result_does_not_hang_the_scan(workspace_env: Path, tmp_path: Path) -> None:
    """The pool itself never notices this death (its manager waits for the rest of the message,
    the other worker for the lock the dead one held): the scan must, and fail as for any lost
    worker, so that the gateway's scanner restarts and a user's scan ends."""
    Workspace.init(workspace_env).close()
    mbox = write_mbox(tmp_path / "notes.mbox", 3_000)
    done = subprocess.run(
        [sys.executable, "-c", _DIES_MID_RESULT, str(workspace_env), str(mbox)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "stopped: BrokenProcessPool" in done.stdout, done.stderr[-2000:]
    assert done.returncode == 0  # and the process exits: no thread of the pool left waiting
