"""Reviewers' pages: queue, cases, full message (with a reason), decisions and the §22.15
notice, dashboard, access list, BOEE reminders, security reports, audit log, users."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from aupguard.console import auth, cases, dashboard, decisions, selfservice
from aupguard.console.auth import Session
from aupguard.console.cases import NotAllowed
from aupguard.console.decisions import Outcome
from aupguard.console.roles import Capability, Role
from aupguard.store import audit_repo
from aupguard.web.render import page
from aupguard.web.security import RowId, guarded, signed_in, workspace

router = APIRouter(include_in_schema=False)


def _to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _clause_texts(ws: Any) -> dict[str, str]:
    pack = ws.current_pack()
    return {c.id: c.text for c in pack.clauses()}


def _kind_titles(ws: Any) -> dict[str, str]:
    return {k.id: k.title for k in ws.current_pack().permission_kinds}


def _covered_by(ws: Any) -> dict[str, tuple[str, ...]]:
    return {r.id: r.covered_by for rs in ws.rulesets() for r in rs.rules}


@router.get("/queue", **guarded(Capability.QUEUE))
def queue(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    directory = ws.directory()
    items = cases.queue(ws, session.user, directory)
    audit_repo.record(
        ws.engine, "queue.view", target=f"user:{session.user.username}", actor=session.user.actor, cases=len(items)
    )
    return page(request, "queue.html", session, cases=items, clauses=_clause_texts(ws), now=datetime.now(UTC))


def _case_page(request: Request, session: Session, key: str, status_code: int = 200, **extra: Any) -> Response:
    ws = workspace(request)
    directory = ws.directory()
    try:
        case = cases.get_case(ws, session.user, directory, key)
    except NotAllowed as exc:
        return page(request, "message.html", session, status_code=404, error=str(exc))
    opened = cases.is_opened(ws.engine, session, case.key)
    excerpts = {}
    if opened:
        audit_repo.record(
            ws.engine,
            "case.view",
            target=f"case:{case.key}",
            actor=session.user.actor,
            findings=[f["id"] for f in case.findings],
        )
        for f in case.findings:
            text = cases.item_text(ws.engine, f["item_id"])
            excerpts[f["id"]] = cases.excerpt(text, [(s.start, s.end) for s in f["evidence"]])
    person = directory.person(case.key) if opened else None
    return page(
        request,
        "case.html",
        session,
        status_code=status_code,
        case=case,
        opened=opened,
        person=person,
        excerpts=excerpts,
        clauses=_clause_texts(ws),
        kind_titles=_kind_titles(ws),
        covered_by=_covered_by(ws),
        outcomes=list(Outcome),
        directory=directory,
        decisions=decisions.decisions_about(ws.engine, case.key) if opened else [],
        **extra,
    )


@router.get("/cases/{key}", **guarded(Capability.QUEUE))
def case(request: Request, key: str, session: Session = Depends(signed_in)) -> Response:
    return _case_page(request, session, key)


@router.post("/cases/{key}/open", **guarded(Capability.QUEUE))
def open_case(request: Request, key: str, reason: str = Form(""), session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    try:
        cases.open_case(ws, session, ws.directory(), key, reason)
    except NotAllowed as exc:
        return _case_page(request, session, key, status_code=400, error=str(exc))
    return _to(f"/cases/{key}")


@router.post("/findings/{finding_id}/message", **guarded(Capability.QUEUE))
def full_message(
    request: Request, finding_id: RowId, reason: str = Form(""), session: Session = Depends(signed_in)
) -> Response:
    ws = workspace(request)
    try:
        row = cases.finding_for_message(ws, session.user, ws.directory(), finding_id, reason)
    except NotAllowed as exc:
        return page(request, "error_fragment.html", session, status_code=400, error=str(exc))
    return page(request, "full_message.html", session, finding=row)


@router.get("/cases/{key}/notice", **guarded(Capability.QUEUE))
def notice(
    request: Request, key: str, outcome: str = Query("written_warning"), session: Session = Depends(signed_in)
) -> Response:
    ws = workspace(request)
    directory = ws.directory()
    try:
        chosen = Outcome(outcome)
        case = cases.get_case(ws, session.user, directory, key)
    except (ValueError, NotAllowed) as exc:
        return page(request, "message.html", session, status_code=404, error=str(exc))
    if not chosen.is_discipline:
        return page(request, "message.html", session, status_code=400, error="only discipline outcomes need the notice")
    text = decisions.notice_22_15(ws, directory, case, chosen)
    audit_repo.record(
        ws.engine, "notice.generate", target=f"case:{case.key}", actor=session.user.actor, outcome=outcome
    )
    return PlainTextResponse(text)


@router.post("/cases/{key}/decide", **guarded(Capability.QUEUE))
def decide(
    request: Request,
    key: str,
    outcome: str = Form(...),
    reason: str = Form(""),
    notice_confirmed: str = Form(""),
    session: Session = Depends(signed_in),
) -> Response:
    ws = workspace(request)
    directory = ws.directory()
    try:
        chosen = Outcome(outcome)
        case = cases.get_case(ws, session.user, directory, key)
        decision = decisions.decide(
            ws, session.user, directory, case, chosen, reason, notice_confirmed=notice_confirmed == "yes"
        )
    except ValueError:
        return _case_page(request, session, key, status_code=400, error=f"unknown outcome {outcome!r}")
    except NotAllowed as exc:
        return _case_page(request, session, key, status_code=400, error=str(exc))
    return page(request, "decided.html", session, decision=decision, case=case, area_labels=decisions.AREA_LABELS)


@router.get("/dashboard", **guarded(Capability.DASHBOARD))
def dashboard_page(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    board = dashboard.build(ws, session.user, ws.directory())
    audit_repo.record(ws.engine, "dashboard.view", actor=session.user.actor)
    return page(
        request,
        "dashboard.html",
        session,
        board=board,
        precision=decisions.detector_precision(ws.engine),
        acknowledged=selfservice.acknowledgement_counts(ws.engine),
    )


@router.get("/access", **guarded(Capability.ACCESS_EXPORT))
def access(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    audit_repo.record(ws.engine, "access_list.view", actor=session.user.actor)
    return page(request, "access.html", session, rows=decisions.access_list(ws.engine), directory=ws.directory())


@router.post("/access/{action_id}/lift", **guarded(Capability.ACCESS_EXPORT))
def lift_access(
    request: Request, action_id: RowId, reason: str = Form(""), session: Session = Depends(signed_in)
) -> Response:
    ws = workspace(request)
    try:
        decisions.lift_access(ws, session.user, action_id, reason)
    except NotAllowed as exc:
        return page(
            request,
            "access.html",
            session,
            status_code=400,
            rows=decisions.access_list(ws.engine),
            directory=ws.directory(),
            error=str(exc),
        )
    return _to("/access")


@router.get("/access.csv", **guarded(Capability.ACCESS_EXPORT))
def access_csv(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    audit_repo.record(ws.engine, "access_list.export", actor=session.user.actor)
    return PlainTextResponse(
        decisions.access_csv(ws.engine, ws.directory()),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="access-suspensions.csv"'},
    )


@router.get("/boee", **guarded(Capability.BOEE_REMINDERS))
def boee(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    return page(
        request,
        "boee.html",
        session,
        reminders=decisions.reminders(ws.engine),
        directory=ws.directory(),
        area_labels=decisions.AREA_LABELS,
        now=datetime.now(UTC),
    )


@router.post("/boee/{reminder_id}/reported", **guarded(Capability.BOEE_REMINDERS))
def boee_reported(
    request: Request, reminder_id: RowId, reason: str = Form(""), session: Session = Depends(signed_in)
) -> Response:
    try:
        decisions.mark_reported(workspace(request), session.user, reminder_id, reason or "reported to the BOEE")
    except NotAllowed as exc:
        return page(request, "message.html", session, status_code=400, error=str(exc))
    return _to("/boee")


@router.get("/security-reports", **guarded(Capability.SECURITY_REPORTS))
def security_reports(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    audit_repo.record(ws.engine, "security_reports.view", actor=session.user.actor)
    return page(request, "security_reports.html", session, reports=selfservice.security_report_list(ws.engine))


@router.get("/audit", **guarded(Capability.AUDIT_LOG))
def audit(request: Request, limit: int = Query(200, ge=1, le=2000), session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    audit_repo.record(ws.engine, "audit_log.view", actor=session.user.actor)
    return page(request, "audit.html", session, entries=audit_repo.entries(ws.engine, limit))


@router.get("/users", **guarded(Capability.MANAGE_USERS))
def users(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    return page(request, "users.html", session, users=auth.all_users(ws.engine), roles=list(Role), new=None)


@router.post("/users", **guarded(Capability.MANAGE_USERS))
def add_user(
    request: Request,
    username: str = Form(...),
    role: str = Form(...),
    person_id: str = Form(""),
    buildings: str = Form(""),
    session: Session = Depends(signed_in),
) -> Response:
    ws = workspace(request)
    error = None
    new = None
    try:
        chosen = Role(role)
        name = username.strip()
        if not name or len(name) > 100 or "\x00" in name or auth.find_user(ws.engine, name):
            raise NotAllowed("choose a new user name (1 to 100 characters)")
        if person_id and ws.directory().person(person_id) is None:
            raise NotAllowed(f"no person {person_id!r} in the directory")
        password = auth.one_time_password()
        auth.create_user(
            ws.engine,
            username.strip(),
            chosen,
            password,
            person_id or None,
            [b.strip() for b in buildings.split(",") if b.strip()],
        )
        audit_repo.record(ws.engine, "user.create", target=f"user:{username}", actor=session.user.actor, role=role)
        new = (username.strip(), password)
    except ValueError:
        error = f"unknown role {role!r}"
    except NotAllowed as exc:
        error = str(exc)
    return page(
        request,
        "users.html",
        session,
        status_code=400 if error else 200,
        users=auth.all_users(ws.engine),
        roles=list(Role),
        new=new,
        error=error,
    )
