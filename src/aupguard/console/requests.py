"""Permission requests: an employee asks, the approver the pack names decides, and an approval
is granted through permissions_repo so the findings it covers become `covered`.

Who decides a kind: a console user whose role matches the kind's `approver_roles` (a designee acts
for the superintendent); for a principal, only requests from people in their buildings. Nobody
decides a request they filed or one that grants something to themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from aupguard.console.auth import User
from aupguard.console.cases import NotAllowed
from aupguard.console.roles import Role, decides_kind
from aupguard.directory.index import Directory
from aupguard.model import Permission
from aupguard.store import audit_repo, permissions_repo
from aupguard.store.console_tables import permission_requests
from aupguard.store.findings_repo import no_nul
from aupguard.store.tables import aware
from aupguard.workspace import Workspace

EXPIRING_SOON = timedelta(days=30)


@dataclass(frozen=True)
class RequestForm:
    kind: str
    reason: str
    valid_from: datetime
    valid_until: datetime | None
    scope: dict[str, list[str]]
    form: dict[str, Any]


def kinds(ws: Workspace) -> list[Any]:
    return list(ws.current_pack().permission_kinds)


def kind_of(ws: Workspace, kind_id: str) -> Any:
    for k in kinds(ws):
        if k.id == kind_id:
            return k
    raise NotAllowed(f"unknown permission kind {kind_id!r}")


def file_request(ws: Workspace, user: User, req: RequestForm) -> int:
    # PostgreSQL text and JSONB refuse NUL characters; a pasted one must not fail the request.
    req = RequestForm(
        req.kind, no_nul(req.reason), req.valid_from, req.valid_until, no_nul(req.scope), no_nul(req.form)
    )
    if not user.person_id:
        raise NotAllowed("your console user is not linked to a person in the directory")
    pk = kind_of(ws, req.kind)
    if not req.reason.strip():
        raise NotAllowed("say why you need this permission")
    if req.valid_until is not None and req.valid_until <= req.valid_from:
        raise NotAllowed("the end date must be after the start date")
    bad = set(req.scope) - set(pk.scope_keys)
    if bad:
        raise NotAllowed(f"{pk.id} cannot be narrowed by {', '.join(sorted(bad))}")
    missing = [
        f.label for f in pk.form if f.required and f.type != "boolean" and not str(req.form.get(f.id, "")).strip()
    ]
    if missing:
        raise NotAllowed("fill in: " + ", ".join(missing))
    with ws.engine.begin() as conn:
        rid = conn.execute(
            permission_requests.insert()
            .values(
                kind=pk.id,
                requester_id=user.person_id,
                grantee_id=user.person_id,
                valid_from=req.valid_from,
                valid_until=req.valid_until,
                scope={k: v for k, v in req.scope.items() if v},
                form=req.form,
                reason=req.reason.strip(),
                status="pending",
                created_at=datetime.now(UTC),
            )
            .returning(permission_requests.c.id)
        ).scalar_one()
    audit_repo.record(
        ws.engine,
        "permission.request",
        target=f"permission_request:{rid}",
        reason=req.reason,
        actor=user.actor,
        kind=pk.id,
    )
    return int(rid)


def may_decide(ws: Workspace, user: User, directory: Directory, row: dict[str, Any]) -> bool:
    if user.person_id and user.person_id in (row["requester_id"], row["grantee_id"]):
        return False  # separation of duties
    try:
        pk = kind_of(ws, row["kind"])
    except NotAllowed:
        return False
    if not decides_kind(user.role.value, pk.approver_roles):
        return False
    if user.role == Role.PRINCIPAL:
        grantee = directory.person(row["grantee_id"])
        return grantee is not None and bool(set(grantee.building_ids) & set(user.building_ids))
    return True


def requests(engine: Engine, *, status: str | None = None, requester: str | None = None) -> list[dict[str, Any]]:
    q = select(permission_requests).order_by(permission_requests.c.id.desc())
    if status:
        q = q.where(permission_requests.c.status == status)
    if requester:
        q = q.where(permission_requests.c.requester_id == requester)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def to_decide(ws: Workspace, user: User, directory: Directory) -> list[dict[str, Any]]:
    return [r for r in requests(ws.engine, status="pending") if may_decide(ws, user, directory, r)]


def get_request(engine: Engine, request_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(permission_requests).where(permission_requests.c.id == request_id)).mappings().first()
    return dict(row) if row else None


def decide_request(
    ws: Workspace, user: User, directory: Directory, request_id: int, approve: bool, reason: str
) -> dict[str, int]:
    """Approve (grant + re-judge the grantee's findings) or deny; returns findings moved."""
    reason = no_nul(reason)
    row = get_request(ws.engine, request_id)
    if row is None or row["status"] != "pending":
        raise NotAllowed("no pending request with that id")
    if not may_decide(ws, user, directory, row):
        raise NotAllowed("you do not decide this request (wrong approver role, building, or your own request)")
    if not approve and not reason.strip():
        raise NotAllowed("say why the request is denied")
    now = datetime.now(UTC)
    moved = {"covered": 0, "reopened": 0}
    permission_id = None
    if approve:
        pk = kind_of(ws, row["kind"])
        permission = Permission(
            kind=row["kind"],
            grantee_id=row["grantee_id"],
            approver_id=user.person_id or user.actor,
            valid_from=aware(row["valid_from"]),
            valid_until=aware(row["valid_until"]),
            scope=dict(row["scope"] or {}),
            emergency=pk.emergency,
            reason=f"request {request_id}: {row['reason']}",
        )
        permission_id = permissions_repo.add(ws.engine, permission)
        moved = permissions_repo.rejudge(
            ws.engine,
            ws.rulesets(),
            row["grantee_id"],
            actor=user.actor,
            reason=f"permission {permission_id} ({row['kind']}) granted",
        )
    with ws.engine.begin() as conn:
        conn.execute(
            permission_requests.update()
            .where(permission_requests.c.id == request_id)
            .values(
                status="approved" if approve else "denied",
                decided_by=user.actor,
                decided_at=now,
                decision_reason=reason.strip(),
                permission_id=permission_id,
            )
        )
    audit_repo.record(
        ws.engine,
        "permission.approve" if approve else "permission.deny",
        target=f"permission_request:{request_id}",
        reason=reason,
        actor=user.actor,
        permission=permission_id,
        moved=moved,
    )
    return moved


def may_revoke(ws: Workspace, user: User, directory: Directory, p: Permission) -> bool:
    row = {"kind": p.kind, "requester_id": p.grantee_id, "grantee_id": p.grantee_id}
    return may_decide(ws, user, directory, row)


def revoke(ws: Workspace, user: User, directory: Directory, permission_id: int, reason: str) -> dict[str, int]:
    reason = no_nul(reason)
    p = permissions_repo.get(ws.engine, permission_id)
    if p is None or p.revoked_at is not None:
        raise NotAllowed("no permission in force with that id")
    if not may_revoke(ws, user, directory, p):
        raise NotAllowed("you do not decide permissions of this kind for this person")
    if not reason.strip():
        raise NotAllowed("say why the permission is revoked")
    permissions_repo.revoke(ws.engine, permission_id, datetime.now(UTC), user.actor, reason)
    moved = permissions_repo.rejudge(
        ws.engine, ws.rulesets(), p.grantee_id, actor=user.actor, reason=f"permission {permission_id} revoked: {reason}"
    )
    audit_repo.record(
        ws.engine,
        "permission.revoke",
        target=f"permission:{permission_id}",
        reason=reason,
        actor=user.actor,
        moved=moved,
    )
    return moved


def state(p: Permission, now: datetime) -> str:
    if p.revoked_at and p.revoked_at <= now:
        return "revoked"
    if p.valid_until and p.valid_until <= now:
        return "expired"
    return "in force" if p.in_force(now) else "not yet in force"


def expiring_soon(engine: Engine, now: datetime | None = None) -> list[Permission]:
    now = now or datetime.now(UTC)
    return [
        p
        for p in permissions_repo.all_permissions(engine)
        if p.revoked_at is None and p.valid_until and now <= p.valid_until <= now + EXPIRING_SOON
    ]
