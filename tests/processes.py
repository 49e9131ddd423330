"""Processes as /proc shows them (Linux): for tests that signal a real process and then check
that it, and what it started, is gone."""

from __future__ import annotations

import time
from pathlib import Path


def children(pid: int) -> list[int]:
    """The process ids of `pid`'s children (of all its threads), none when it is gone."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def gone(pids: list[int], within: float) -> bool:
    """Whether every one of `pids` has ended (a zombie counts as ended) within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() and "zombie" not in state(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


def state(pid: int) -> str:
    """The State line of /proc/PID/status, lowercased ("zombie" once the process is gone)."""
    try:
        return (Path(f"/proc/{pid}/status").read_text().split("State:", 1)[1].split("\n", 1)[0]).lower()
    except (OSError, IndexError):
        return "zombie"  # gone meanwhile
