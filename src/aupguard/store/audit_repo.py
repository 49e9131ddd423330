"""The audit log: every view, search and decision by a user of aupguard, with who and why."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

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
        conn.execute(
            audit_log.insert().values(
                at=datetime.now(UTC),
                actor=actor or current_actor(),
                action=action,
                target=target,
                reason=reason,
                details=details,
            )
        )


def entries(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        return [dict(r) for r in conn.execute(q).mappings()]
