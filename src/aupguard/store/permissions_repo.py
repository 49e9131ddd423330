"""Recording permissions and re-judging the findings they cover.

Granting, revoking or shortening a permission never deletes a finding: it moves findings between
`open` and `covered`, and writes each move to finding_events with who and why.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from aupguard.engine import RuleSet
from aupguard.model import FindingStatus, Permission
from aupguard.permissions.coverage import covering
from aupguard.store.findings_repo import evidence_for, item_from_row
from aupguard.store.tables import aware, finding_events, findings, items, permissions


def _from_row(r: Any) -> Permission:
    return Permission(
        id=r.id,
        kind=r.kind,
        grantee_id=r.grantee_id,
        approver_id=r.approver_id,
        valid_from=aware(r.valid_from) or datetime.min.replace(tzinfo=UTC),
        valid_until=aware(r.valid_until),
        scope={k: list(v) for k, v in (r.scope or {}).items()},
        emergency=r.emergency,
        reason=r.reason,
        revoked_at=aware(r.revoked_at),
    )


def all_permissions(engine: Engine, grantee_id: str | None = None) -> list[Permission]:
    q = select(permissions).order_by(permissions.c.id)
    if grantee_id:
        q = q.where(permissions.c.grantee_id == grantee_id)
    with engine.connect() as conn:
        return [_from_row(r) for r in conn.execute(q)]


def get(engine: Engine, permission_id: int) -> Permission | None:
    with engine.connect() as conn:
        row = conn.execute(select(permissions).where(permissions.c.id == permission_id)).first()
    return _from_row(row) if row else None


def add(engine: Engine, p: Permission) -> int:
    with engine.begin() as conn:
        pid = conn.execute(
            permissions.insert()
            .values(
                kind=p.kind,
                grantee_id=p.grantee_id,
                approver_id=p.approver_id,
                valid_from=p.valid_from,
                valid_until=p.valid_until,
                scope=p.scope,
                emergency=p.emergency,
                reason=p.reason,
                created_at=datetime.now(UTC),
            )
            .returning(permissions.c.id)
        ).scalar_one()
    p.id = pid
    return int(pid)


def revoke(engine: Engine, permission_id: int, at: datetime, by: str, reason: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            permissions.update()
            .where(permissions.c.id == permission_id)
            .values(revoked_at=at, revoked_by=by, revoke_reason=reason)
        )


def rejudge(engine: Engine, rulesets: list[RuleSet], grantee_id: str, actor: str, reason: str) -> dict[str, int]:
    """Recompute coverage of the grantee's open and covered findings; returns how many moved."""
    covered_by = {r.id: r.covered_by for rs in rulesets for r in rs.rules}
    perms = all_permissions(engine, grantee_id)
    moved = {"covered": 0, "reopened": 0}
    now = datetime.now(UTC)
    with engine.begin() as conn:
        rows = conn.execute(
            select(findings).where(
                (findings.c.person_id == grantee_id)
                & findings.c.status.in_([FindingStatus.OPEN.value, FindingStatus.COVERED.value])
            )
        ).all()
        ev = evidence_for(conn, [r.id for r in rows])
        item_rows = {r.id: r for r in conn.execute(select(items).where(items.c.id.in_({r.item_id for r in rows})))}
        for f in rows:
            item = item_from_row(item_rows[f.item_id])
            permit = covering(perms, covered_by.get(f.rule_id, ()), grantee_id, item.sent_at, item, ev.get(f.id, []))
            new_status = FindingStatus.COVERED if permit else FindingStatus.OPEN
            new_pid = permit.id if permit else None
            if new_status.value == f.status and new_pid == f.permission_id:
                continue
            conn.execute(
                findings.update()
                .where(findings.c.id == f.id)
                .values(status=new_status.value, permission_id=new_pid, updated_at=now)
            )
            conn.execute(
                finding_events.insert().values(
                    finding_id=f.id,
                    at=now,
                    from_status=f.status,
                    to_status=new_status.value,
                    permission_id=new_pid if permit else f.permission_id,
                    actor=actor,
                    reason=reason,
                )
            )
            moved["covered" if permit else "reopened"] += 1
    return moved
