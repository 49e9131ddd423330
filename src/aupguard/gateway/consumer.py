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

from sqlalchemy import Connection, or_, select

from aupguard.gateway.spool import Spool
from aupguard.scanning import scan
from aupguard.store.tables import item_sources, items, scan_errors
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
    scan(ws, paths, envelopes=spool.envelopes(paths))
    names = [str(p) for p in paths]
    with ws.engine.begin() as conn:
        stored = set(conn.scalars(select(item_sources.c.source).where(item_sources.c.source.in_(names))))
        failed = set(conn.scalars(select(scan_errors.c.source).where(scan_errors.c.source.in_(names))))
        stored |= _stored_meanwhile(conn, [p for p in paths if str(p) in failed])
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


def _stored_meanwhile(conn: Connection, paths: list[Path]) -> set[str]:
    """Of files this round could not read, those whose item another scan stored meanwhile (the
    filter's hold check scans a message at once and removes its file): their read error says
    only that the file was gone, and is removed, since the message is in the store."""
    if not paths:
        return set()
    ids = {item_id_of(p): p for p in paths}
    present = set(conn.scalars(select(items.c.id).where(items.c.id.in_(list(ids)))))
    sources = [str(ids[i]) for i in present if not ids[i].exists()]
    if sources:
        conn.execute(
            scan_errors.delete().where(
                scan_errors.c.source.in_(sources),
                or_(scan_errors.c.reason == "no such file or folder", scan_errors.c.reason.like("cannot read%")),
            )
        )
    return set(sources)


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
