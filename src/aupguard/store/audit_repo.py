"""The audit log: every view, search and decision by a user of aupguard, with who and why.

Every entry is also a link of the archive's hash chain (archive/chain.py), so an entry altered or
removed behind aupguard's back is named by `aupguard archive verify`."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from aupguard.archive import chain
from aupguard.store.tables import audit_log


def current_actor() -> str:
    """Who is acting from the command line: the operating-system account."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return "cli:unknown"


def record(
    engine: Engine,
    action: str,
    target: str | None = None,
    reason: str | None = None,
    actor: str | None = None,
    **details: Any,
) -> None:
    with engine.begin() as conn:
        record_in(conn, action, target, reason, actor, **details)


def record_in(
    conn: Connection,
    action: str,
    target: str | None = None,
    reason: str | None = None,
    actor: str | None = None,
    **details: Any,
) -> int:
    """Write an audit entry in the caller's transaction and add it to the hash chain."""
    entry_id = conn.execute(
        audit_log.insert()
        .values(
            at=datetime.now(UTC),
            actor=actor or current_actor(),
            action=action,
            target=target,
            reason=reason,
            details=details,
        )
        .returning(audit_log.c.id)
    ).scalar_one()
    # The digest is taken from the row as the database hands it back, which is exactly what
    # `aupguard archive verify` will read later (JSON and timestamps normalized by the driver).
    stored = conn.execute(select(audit_log).where(audit_log.c.id == entry_id)).mappings().one()
    chain.record_audit(conn, stored)
    return int(entry_id)


def entries(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        return [dict(r) for r in conn.execute(q).mappings()]
