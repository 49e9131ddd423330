"""Ctrl-C (or SIGTERM) at a safe point: a long job that writes the database batch by batch
stops between batches, never inside a transaction.

Python raises KeyboardInterrupt wherever the main thread happens to be. In the middle of a
database call that can leave a connection holding SQLite's write lock while the job goes on to
record how far it got (which then waits for that lock and fails with "database is locked").
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

# Ctrl-C, and the polite stop of `kill`, `timeout` and service managers. Python's default for
# SIGTERM ends the process at once, which left a scan's worker processes behind, waiting forever.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopBetweenSteps:
    """Within `with StopBetweenSteps() as stop:`, a Ctrl-C (SIGINT) or SIGTERM is noted, and the
    job's next `stop.check()` raises KeyboardInterrupt; a second one raises at once, for a job
    stuck between checks. Outside the main thread, where Python delivers no signals, nothing
    changes and `check()` never raises."""

    def __init__(self) -> None:
        self.requested = False
        # what signal.signal gives back, per signal
        self._previous: dict[int, Callable[[int, FrameType | None], Any] | int | None] = {}

    def __enter__(self) -> StopBetweenSteps:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._note)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def _note(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed (or SIGTERM came) since the job began."""
        if self.requested:
            raise KeyboardInterrupt


def exit_with_parent(parent: int, every: float = 0.5) -> None:
    """End this process (exit status 0) once `parent` is no longer its parent: a helper process
    (a scan worker, the gateway's scanner) whose parent was killed outright (SIGKILL, the OOM
    killer) would otherwise wait forever, holding what it holds. Checks every `every` seconds,
    from a daemon thread. Dying so is safe where it is used: the store commits whole batches,
    and an archive pack's unlisted bytes are cut off by its next writer."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
