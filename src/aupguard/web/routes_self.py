"""Pages every employee has: their page, the policy, draft check, permissions, security reports;
and the approvers' page for permission requests."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from aupguard.console import cases, requests, selfservice
from aupguard.console.auth import Session
from aupguard.console.cases import NotAllowed
from aupguard.console.roles import Capability
from aupguard.store import audit_repo, permissions_repo
from aupguard.web.render import page
from aupguard.web.security import RowId, guarded, signed_in, workspace

router = APIRouter(include_in_schema=False)


def _to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/home", **guarded(Capability.SELF_SERVICE))
def home(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    directory = ws.directory()
    pid = session.user.person_id
    audit_repo.record(ws.engine, "view.own_findings", target=f"person:{pid}", actor=session.user.actor)
    now = datetime.now(UTC)
    perms = permissions_repo.all_permissions(ws.engine, pid) if pid else []
    return page(
        request,
        "home.html",
        session,
        person=directory.person(pid),
        findings=cases.own_findings(ws.engine, pid),
        permissions=perms,
        state=lambda p: requests.state(p, now),
        ack=selfservice.acknowledged(ws.engine, pid),
        my_requests=requests.requests(ws.engine, requester=pid) if pid else [],
        pack=ws.current_pack(),
    )


@router.get("/policy", **guarded(Capability.SELF_SERVICE))
def policy(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    pack = ws.current_pack()
    return page(
        request,
        "policy.html",
        session,
        pack=pack,
        ack=selfservice.acknowledged(ws.engine, session.user.person_id),
        year=selfservice.school_year(datetime.now(UTC).date()),
    )


@router.post("/policy/acknowledge", **guarded(Capability.SELF_SERVICE))
def acknowledge(request: Request, read: str = Form(""), session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    if read != "yes":
        return page(
            request,
            "policy.html",
            session,
            status_code=400,
            pack=ws.current_pack(),
            ack=None,
            year=selfservice.school_year(datetime.now(UTC).date()),
            error="tick the box to say you have read the policy",
        )
    try:
        selfservice.acknowledge(ws, session.user)
    except NotAllowed as exc:
        return page(request, "message.html", session, status_code=400, error=str(exc))
    return _to("/policy")


@router.get("/draft", **guarded(Capability.SELF_SERVICE))
def draft_form(request: Request, session: Session = Depends(signed_in)) -> Response:
    return _draft_page(request, session, "draft.html", result=None, text="", channel="post", recipients="", sender="")


def _draft_page(request: Request, session: Session, template: str, status_code: int = 200, **ctx: Any) -> Response:
    accounts = selfservice.own_accounts(workspace(request).directory(), session.user.person_id)
    return page(request, template, session, status_code=status_code, accounts=accounts, **ctx)


@router.post("/draft", **guarded(Capability.SELF_SERVICE))
def draft_check(
    request: Request,
    text: str = Form(...),
    channel: str = Form("post"),
    recipients: str = Form(""),
    sender: str = Form(""),
    session: Session = Depends(signed_in),
) -> Response:
    ws = workspace(request)
    fields: dict[str, Any] = {"text": text, "channel": channel, "recipients": recipients, "sender": sender}
    try:
        result = selfservice.check_draft(ws, session.user, ws.directory(), text, channel, recipients, sender)
    except NotAllowed as exc:
        return _draft_page(request, session, "draft.html", status_code=400, result=None, error=str(exc), **fields)
    template = "draft_result.html" if request.headers.get("hx-request") else "draft.html"
    return _draft_page(request, session, template, result=result, **fields)


@router.get("/security-report", **guarded(Capability.SELF_SERVICE))
def security_form(request: Request, session: Session = Depends(signed_in)) -> Response:
    return page(request, "security_report.html", session, done=None)


@router.post("/security-report", **guarded(Capability.SELF_SERVICE))
def security_report(
    request: Request, summary: str = Form(...), details: str = Form(""), session: Session = Depends(signed_in)
) -> Response:
    try:
        rid = selfservice.report_security(workspace(request), session.user, summary, details)
    except NotAllowed as exc:
        return page(request, "security_report.html", session, status_code=400, done=None, error=str(exc))
    return page(request, "security_report.html", session, done=rid)


# --------------------------------------------------------------------------- permissions


def _permissions_page(request: Request, session: Session, status_code: int = 200, **extra: Any) -> Response:
    ws = workspace(request)
    pid = session.user.person_id
    now = datetime.now(UTC)
    return page(
        request,
        "permissions.html",
        session,
        status_code=status_code,
        kinds=requests.kinds(ws),
        permissions=permissions_repo.all_permissions(ws.engine, pid) if pid else [],
        state=lambda p: requests.state(p, now),
        my_requests=requests.requests(ws.engine, requester=pid) if pid else [],
        buildings=ws.directory().buildings,
        **extra,
    )


@router.get("/permissions", **guarded(Capability.SELF_SERVICE))
def permissions_page(request: Request, session: Session = Depends(signed_in)) -> Response:
    return _permissions_page(request, session)


def _date(value: str, label: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.combine(datetime.strptime(value.strip(), "%Y-%m-%d").date(), time(0), tzinfo=UTC)
    except ValueError as exc:
        raise NotAllowed(f"{label}: write a date as YYYY-MM-DD") from exc


@router.post("/permissions/requests", **guarded(Capability.SELF_SERVICE))
async def file_request(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        pk = requests.kind_of(ws, values.get("kind", ""))
        scope = {
            key: [v.strip() for v in values.get(f"scope_{key}", "").split(",") if v.strip()] for key in pk.scope_keys
        }
        fields = {
            f.id: (values.get(f"form_{f.id}") == "yes" if f.type == "boolean" else values.get(f"form_{f.id}", ""))
            for f in pk.form
        }
        start = _date(values.get("valid_from", ""), "start") or datetime.now(UTC)
        req = requests.RequestForm(
            pk.id, values.get("reason", ""), start, _date(values.get("valid_until", ""), "end"), scope, fields
        )
        rid = requests.file_request(ws, session.user, req)
    except NotAllowed as exc:
        return _permissions_page(request, session, status_code=400, error=str(exc))
    return _permissions_page(request, session, filed=rid)


@router.get("/approvals", **guarded(Capability.APPROVE_PERMISSIONS))
def approvals(request: Request, session: Session = Depends(signed_in)) -> Response:
    return _approvals_page(request, session)


def _approvals_page(request: Request, session: Session, status_code: int = 200, **extra: Any) -> Response:
    ws = workspace(request)
    directory = ws.directory()
    now = datetime.now(UTC)
    revocable = [
        p
        for p in permissions_repo.all_permissions(ws.engine)
        if p.revoked_at is None
        and requests.state(p, now) != "expired"
        and requests.may_revoke(ws, session.user, directory, p)
    ]
    kinds = {k.id: k for k in requests.kinds(ws)}
    return page(
        request,
        "approvals.html",
        session,
        status_code=status_code,
        pending=requests.to_decide(ws, session.user, directory),
        kinds=kinds,
        directory=directory,
        revocable=revocable,
        **extra,
    )


@router.post("/approvals/{request_id}", **guarded(Capability.APPROVE_PERMISSIONS))
def decide_request(
    request: Request,
    request_id: RowId,
    decision: str = Form(...),
    reason: str = Form(""),
    session: Session = Depends(signed_in),
) -> Response:
    ws = workspace(request)
    try:
        moved = requests.decide_request(ws, session.user, ws.directory(), request_id, decision == "approve", reason)
    except NotAllowed as exc:
        return _approvals_page(request, session, status_code=400, error=str(exc))
    return _approvals_page(request, session, done=(request_id, decision, moved))


@router.post("/permissions/{permission_id}/revoke", **guarded(Capability.APPROVE_PERMISSIONS))
def revoke_permission(
    request: Request, permission_id: RowId, reason: str = Form(""), session: Session = Depends(signed_in)
) -> Response:
    ws = workspace(request)
    try:
        moved = requests.revoke(ws, session.user, ws.directory(), permission_id, reason)
    except NotAllowed as exc:
        return _approvals_page(request, session, status_code=400, error=str(exc))
    return _approvals_page(request, session, revoked=(permission_id, moved))
