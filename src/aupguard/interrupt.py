"""Ctrl-C at a safe point: a long job that writes the database batch by batch stops between
batches, never inside a transaction.

Python raises KeyboardInterrupt wherever the main thread happens to be. In the middle of a
database call that can leave a connection holding SQLite's write lock while the job goes on to
record how far it got (which then waits for that lock and fails with "database is locked").
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any


class StopBetweenSteps:
    """Within `with StopBetweenSteps() as stop:`, a Ctrl-C (SIGINT) is noted, and the job's next
    `stop.check()` raises KeyboardInterrupt; a second Ctrl-C raises at once, for a job stuck
    between checks. Outside the main thread, where Python delivers no signals, nothing changes
    and `check()` never raises."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Callable[[int, FrameType | None], Any] | int | None = None  # what signal.signal gives
        self._installed = False

    def __enter__(self) -> StopBetweenSteps:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._note)
            self._installed = True
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    def _note(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed since the job began."""
        if self.requested:
            raise KeyboardInterrupt
