"""The JSON API under /api/ (documented at /openapi.json). Same sessions and capabilities as the
pages; unsafe methods need the session's CSRF token in the X-CSRF-Token header."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from aupguard.console import cases, dashboard, decisions, requests, selfservice
from aupguard.console.auth import Session
from aupguard.console.cases import NotAllowed
from aupguard.console.decisions import Outcome
from aupguard.console.roles import Capability
from aupguard.store import audit_repo, permissions_repo
from aupguard.store.tables import aware
from aupguard.web.security import RowId, guarded, signed_in, workspace

router = APIRouter(prefix="/api", tags=["console"])


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Me(BaseModel):
    username: str
    role: str
    person_id: str | None
    building_ids: list[str]
    csrf_token: str


class FindingOut(BaseModel):
    id: int
    rule_id: str
    clause_id: str
    severity: str
    status: str
    covered_by: list[str]
    permission_id: int | None
    evidence: list[str]  # explanations only: the message text needs a reason (see the page)


class CaseOut(BaseModel):
    key: str
    pseudonym: str
    severity: str
    clauses: list[str]
    opened: bool
    findings: list[FindingOut]


class DecisionIn(BaseModel):
    outcome: Outcome
    reason: str = Field(min_length=1, max_length=5000)
    notice_confirmed: bool = False


class DecisionOut(BaseModel):
    id: int
    outcome: str
    notice: str | None
    boee_areas: list[str]


class PermissionOut(BaseModel):
    id: int
    kind: str
    grantee_id: str
    approver_id: str
    valid_from: datetime
    valid_until: datetime | None
    scope: dict[str, list[str]]
    state: str


class RequestIn(BaseModel):
    kind: str = Field(min_length=1, max_length=50)
    reason: str = Field(min_length=1, max_length=5000)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    scope: dict[str, list[str]] = {}
    form: dict[str, str | bool] = {}


class RequestOut(BaseModel):
    id: int
    kind: str
    requester_id: str
    grantee_id: str
    status: str
    reason: str
    permission_id: int | None


class RequestDecisionIn(BaseModel):
    approve: bool
    reason: str = Field(default="", max_length=5000)


class Moved(BaseModel):
    covered: int
    reopened: int


class DraftIn(BaseModel):
    text: str = Field(max_length=selfservice.DRAFT_LIMIT)
    channel: Literal["email", "text", "post"] = "post"
    recipients: str = Field(default="", max_length=2000)
    sender: str = Field(default="", max_length=320)


class DraftFindingOut(BaseModel):
    rule_id: str
    clause_id: str
    clause_text: str
    severity: str
    explanations: list[str]
    covered_by: list[str]
    covering_permission: int | None


class DashboardOut(BaseModel):
    months: list[str]
    findings_by_clause: dict[str, list[int]]
    findings_by_building: dict[str, int]
    open_cases_by_age: dict[str, int]
    expiring_permission_ids: list[int]


def _finding_out(f: dict[str, Any], covered_by: dict[str, tuple[str, ...]]) -> FindingOut:
    return FindingOut(
        id=f["id"],
        rule_id=f["rule_id"],
        clause_id=f["clause_id"],
        severity=f["severity"],
        status=f["status"],
        covered_by=list(covered_by.get(f["rule_id"], ())),
        permission_id=f["permission_id"],
        evidence=[s.explanation for s in f["evidence"]],
    )


def _covered_by(ws: object) -> dict[str, tuple[str, ...]]:
    return {r.id: r.covered_by for rs in ws.rulesets() for r in rs.rules}  # type: ignore[attr-defined]


@router.get("/me", response_model=Me, **guarded(Capability.SELF_SERVICE))
def me(session: Session = Depends(signed_in)) -> Me:
    u = session.user
    return Me(
        username=u.username,
        role=u.role.value,
        person_id=u.person_id,
        building_ids=list(u.building_ids),
        csrf_token=session.csrf_token,
    )


@router.get("/queue", response_model=list[CaseOut], **guarded(Capability.QUEUE))
def api_queue(request: Request, session: Session = Depends(signed_in)) -> list[CaseOut]:
    ws = workspace(request)
    cb = _covered_by(ws)
    items = cases.queue(ws, session.user, ws.directory())
    audit_repo.record(
        ws.engine,
        "queue.view",
        target=f"user:{session.user.username}",
        actor=session.user.actor,
        cases=len(items),
        via="api",
    )
    return [
        CaseOut(
            key=c.ref,
            pseudonym=c.pseudonym,
            severity=c.severity,
            clauses=c.clauses,
            opened=cases.is_opened(ws.engine, session, c.key),
            findings=[_finding_out(f, cb) for f in c.findings],
        )
        for c in items
    ]


def _case_by_key_or_pseudonym(request: Request, session: Session, key: str) -> cases.Case:
    ws = workspace(request)
    for c in cases.queue(ws, session.user, ws.directory()):
        if key == c.ref:
            return c
    raise ApiError(404, "no open case with that key is routed to you")


@router.post("/cases/{key}/decisions", response_model=DecisionOut, **guarded(Capability.QUEUE))
def api_decide(request: Request, key: str, body: DecisionIn, session: Session = Depends(signed_in)) -> DecisionOut:
    ws = workspace(request)
    case = _case_by_key_or_pseudonym(request, session, key)
    try:
        d = decisions.decide(
            ws, session.user, ws.directory(), case, body.outcome, body.reason, notice_confirmed=body.notice_confirmed
        )
    except NotAllowed as exc:
        raise ApiError(400, str(exc)) from exc
    return DecisionOut(id=d.id, outcome=d.outcome.value, notice=d.notice, boee_areas=d.boee_areas)


def _permission_out(p: permissions_repo.Permission, now: datetime) -> PermissionOut:
    return PermissionOut(
        id=p.id or 0,
        kind=p.kind,
        grantee_id=p.grantee_id,
        approver_id=p.approver_id,
        valid_from=p.valid_from,
        valid_until=p.valid_until,
        scope=p.scope,
        state=requests.state(p, now),
    )


@router.get("/permissions", response_model=list[PermissionOut], **guarded(Capability.SELF_SERVICE))
def my_permissions(request: Request, session: Session = Depends(signed_in)) -> list[PermissionOut]:
    ws = workspace(request)
    pid = session.user.person_id
    now = datetime.now(UTC)
    return [_permission_out(p, now) for p in (permissions_repo.all_permissions(ws.engine, pid) if pid else [])]


def _request_out(r: dict[str, Any]) -> RequestOut:
    return RequestOut(
        id=r["id"],
        kind=r["kind"],
        requester_id=r["requester_id"],
        grantee_id=r["grantee_id"],
        status=r["status"],
        reason=r["reason"],
        permission_id=r["permission_id"],
    )


@router.post("/permission-requests", response_model=RequestOut, status_code=201, **guarded(Capability.SELF_SERVICE))
def api_file_request(request: Request, body: RequestIn, session: Session = Depends(signed_in)) -> RequestOut:
    ws = workspace(request)
    try:
        req = requests.RequestForm(
            body.kind,
            body.reason,
            aware(body.valid_from) or datetime.now(UTC),
            aware(body.valid_until),
            body.scope,
            dict(body.form),
        )
        rid = requests.file_request(ws, session.user, req)
    except NotAllowed as exc:
        raise ApiError(400, str(exc)) from exc
    row = requests.get_request(ws.engine, rid)
    assert row is not None
    return _request_out(row)


@router.get("/permission-requests/pending", response_model=list[RequestOut], **guarded(Capability.APPROVE_PERMISSIONS))
def api_pending(request: Request, session: Session = Depends(signed_in)) -> list[RequestOut]:
    ws = workspace(request)
    return [_request_out(r) for r in requests.to_decide(ws, session.user, ws.directory())]


@router.post(
    "/permission-requests/{request_id}/decision", response_model=Moved, **guarded(Capability.APPROVE_PERMISSIONS)
)
def api_decide_request(
    request: Request, request_id: RowId, body: RequestDecisionIn, session: Session = Depends(signed_in)
) -> Moved:
    ws = workspace(request)
    try:
        moved = requests.decide_request(ws, session.user, ws.directory(), request_id, body.approve, body.reason)
    except NotAllowed as exc:
        raise ApiError(400, str(exc)) from exc
    return Moved(**moved)


@router.post("/draft-check", response_model=list[DraftFindingOut], **guarded(Capability.SELF_SERVICE))
def api_draft_check(request: Request, body: DraftIn, session: Session = Depends(signed_in)) -> list[DraftFindingOut]:
    ws = workspace(request)
    try:
        result = selfservice.check_draft(
            ws, session.user, ws.directory(), body.text, body.channel, body.recipients, body.sender
        )
    except NotAllowed as exc:
        raise ApiError(400, str(exc)) from exc
    return [DraftFindingOut(**vars(f)) for f in result.findings]


@router.get("/dashboard", response_model=DashboardOut, **guarded(Capability.DASHBOARD))
def api_dashboard(request: Request, session: Session = Depends(signed_in)) -> DashboardOut:
    ws = workspace(request)
    b = dashboard.build(ws, session.user, ws.directory())
    audit_repo.record(ws.engine, "dashboard.view", actor=session.user.actor, via="api")
    return DashboardOut(
        months=b.months,
        findings_by_clause=b.by_clause,
        findings_by_building=dict(b.by_building),
        open_cases_by_age=dict(b.case_ages),
        expiring_permission_ids=[p.id for p in b.expiring if p.id],
    )


@router.get("/access-list", **guarded(Capability.ACCESS_EXPORT))
def api_access_list(request: Request, session: Session = Depends(signed_in)) -> list[dict[str, str]]:
    ws = workspace(request)
    audit_repo.record(ws.engine, "access_list.view", actor=session.user.actor, via="api")
    return [
        {"person_id": a["person_id"], "action": a["action"], "since": a["at"].isoformat()}
        for a in decisions.access_list(ws.engine)
    ]
