"""The durable spool: a message is accepted (250) only once its bytes are on disk.

Layout under the workspace's `gateway-spool/`: `tmp/` (being written), `new/` (durable, waiting
to be scanned), `failed/` (could not be read as a message; kept, never deleted). A file is named
by the sha256 of its bytes, which is also the id its item will get, so a message journaled twice
is one spool file and one item, and deleting a file after its item is stored can never drop a
different message that arrived in between.

A message's envelope recipients (SMTP RCPT TO in filter mode, a journal report's recipient list)
sit beside it in `<sha256>.rcpt`, a JSON list written durably before the message itself: the
headers never show Bcc recipients, and the envelope is the only place they are named. The same
bytes received twice for different recipients add to the list.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)
_counter = 0
_lock = threading.Lock()


def _unique() -> str:
    global _counter
    with _lock:
        _counter += 1
        return f"{os.getpid()}.{threading.get_ident()}.{_counter}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.new = root / "new"
        self.failed = root / "failed"

    @classmethod
    def for_workspace(cls, ws_root: Path) -> Spool:
        return cls(ws_root / "gateway-spool")

    def ensure(self) -> Spool:
        for folder in (self.tmp, self.new, self.failed):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def clear_tmp(self) -> int:
        """Remove files a killed process left half-written: none of them was answered 250, so
        their senders still hold the messages and retry. Call only when no writer is running."""
        removed = 0
        for path in self.tmp.iterdir():
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def put(self, raw: bytes, recipients: Sequence[str] = ()) -> Path:
        """Write `raw` (and its envelope `recipients`, if any) durably and return its spool path.
        Raises OSError (disk full, folder not writable, ...): the caller answers 4xx and the
        sender retries."""
        digest = hashlib.sha256(raw).hexdigest()
        final = self.new / f"{digest}.eml"
        if recipients:
            known = self.recipients(final)
            merged = known + [r for r in dict.fromkeys(a.lower() for a in recipients) if r not in known]
            if merged != known:
                self._write(json.dumps(merged).encode(), digest, final.with_suffix(".rcpt"))
        self._write(raw, digest, final)
        # The renames are durable only once the folder holding the new names is synced.
        _fsync_dir(self.new)
        return final

    def _write(self, data: bytes, digest: str, final: Path) -> None:
        tmp = self.tmp / f"{digest}.{_unique()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    @staticmethod
    def recipients(path: Path) -> list[str]:
        """The envelope recipients kept beside the spooled message at `path` ([] when none)."""
        envelope = path.with_suffix(".rcpt")
        try:
            value = json.loads(envelope.read_bytes())
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:  # damaged: the message is still scanned, the loss logged
            log.warning("envelope recipients of %s unreadable (%s); scanning the message without them", path, exc)
            return []
        if not isinstance(value, list):
            log.warning("envelope recipients of %s are not a list; scanning the message without them", path)
            return []
        return [str(a) for a in value]

    def pending(self, limit: int) -> list[Path]:
        """Up to `limit` spooled messages, oldest first."""
        entries = []
        with os.scandir(self.new) as it:
            for entry in it:
                if entry.name.endswith(".eml"):
                    try:
                        entries.append((entry.stat().st_mtime_ns, entry.path))
                    except FileNotFoundError:  # scanned and removed meanwhile
                        continue
        entries.sort()
        return [Path(p) for _, p in entries[:limit]]

    def count(self) -> int:
        with os.scandir(self.new) as it:
            return sum(1 for e in it if e.name.endswith(".eml"))

    def envelopes(self, paths: Sequence[Path]) -> dict[str, list[str]]:
        """Path (as scan names the source) -> envelope recipients, for the messages that have them."""
        found = {str(p): self.recipients(p) for p in paths}
        return {source: recipients for source, recipients in found.items() if recipients}

    def done(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        # The message first: a crash in between leaves a stray list, never a message without it.
        path.with_suffix(".rcpt").unlink(missing_ok=True)

    def set_aside(self, path: Path) -> None:
        """Keep a file the scan could not turn into an item (its reason is in scan_errors)."""
        envelope = path.with_suffix(".rcpt")
        if envelope.exists():
            os.replace(envelope, self.failed / envelope.name)
        if path.exists():
            os.replace(path, self.failed / path.name)
