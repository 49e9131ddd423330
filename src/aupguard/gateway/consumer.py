"""Scan what the gateway spooled, with the same pipeline as `aupguard scan`, then free the spool.

A spool file is deleted only after the store holds its item (an item_sources row naming the
file); a file the scan could only turn into a read error is set aside in `failed/` with its
reason in scan_errors. If the scan fails (database locked or down), every file stays and the
next round tries again: the spool is the durable queue between acceptance and the store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from aupguard.gateway.spool import Spool
from aupguard.scanning import scan
from aupguard.store.tables import item_sources, scan_errors
from aupguard.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class Drained:
    stored: int = 0  # spool files whose item is in the store (file deleted)
    set_aside: int = 0  # read errors (file kept in failed/)
    left: int = 0  # neither yet (kept for the next round)


def drain_once(ws: Workspace, spool: Spool, batch: int = 200) -> Drained:
    """Scan up to `batch` spooled messages. Raises if the scan or the store fails; every spool
    file is then still there."""
    paths = spool.pending(batch)
    result = Drained()
    if not paths:
        return result
    scan(ws, paths)
    names = [str(p) for p in paths]
    with ws.engine.connect() as conn:
        stored = set(conn.scalars(select(item_sources.c.source).where(item_sources.c.source.in_(names))))
        failed = set(conn.scalars(select(scan_errors.c.source).where(scan_errors.c.source.in_(names))))
    for path in paths:
        if str(path) in stored:
            spool.done(path)
            result.stored += 1
        elif str(path) in failed:
            spool.set_aside(path)
            result.set_aside += 1
        else:  # outside the scan's window or vanished meanwhile: look again next round
            result.left += 1
    return result


def drain(ws: Workspace, spool: Spool, batch: int = 200) -> Drained:
    """Scan until the spool is empty (or nothing more can be done this round)."""
    total = Drained()
    while True:
        step = drain_once(ws, spool, batch)
        total.stored += step.stored
        total.set_aside += step.set_aside
        total.left = step.left
        if step.stored + step.set_aside == 0:
            return total


def item_id_of(path: Path) -> str:
    """The id the item of a spool file gets (files are named by the sha256 of their bytes)."""
    return path.name.removesuffix(".eml")
