"""The security posture section of the console: the per-clause summary of the posture checks
(`aupguard.posture.summary`, the same data as `aupguard posture`), drill-down from a clause to its
findings, training and acknowledgement gaps by building, the latest import of each source, and
the same data as JSON under /api/posture.

Findings about a person show a pseudonym (the review queue's) until the viewer opens that person
with a reason (audited as `posture.open`); only then are the explanations and the evidence log
lines shown, since both name the account. Findings about a system (backups, restore tests) name
nobody and are shown at once. A principal sees only the people of their buildings, and so none of
the system-wide findings. Every view is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from aupguard.console import cases
from aupguard.console.auth import Session, User
from aupguard.console.roles import Capability, Role
from aupguard.directory.index import Directory
from aupguard.posture.summary import posture_rules, summarize
from aupguard.store import audit_repo, findings_repo
from aupguard.store.tables import audit_log, items
from aupguard.web.render import NavItem, page
from aupguard.web.routes_api import ApiError
from aupguard.web.security import guarded, signed_in, workspace
from aupguard.workspace import Workspace

router = APIRouter()
NAV = [NavItem("Posture", "/posture", Capability.POSTURE)]

OPEN_ACTION = "posture.open"
MAX_LINES = 200  # evidence lines shown per finding (an aggregate item has one; a day's sign-ins a few)
STATUS_ORDER = ("open", "covered", "confirmed", "dismissed")
# Signal data that names the account a finding is about when no directory person is known
# (a departed employee's account, an unknown sign-in).
ACCOUNT_KEYS = ("email", "who", "grantee")


# ---------------------------------------------------------------------------- scope and subjects


def scope(user: User, directory: Directory) -> set[str] | None:
    """The people whose findings the user may see: a principal's buildings' people; None = all."""
    if user.role != Role.PRINCIPAL:
        return None
    mine = set(user.building_ids)
    return {p.id for p in directory.people.values() if set(p.building_ids) & mine}


def subject_key(finding: dict[str, Any]) -> str | None:
    """Whom a finding is about: a person id, `account:<address>` for an account nobody in the
    directory holds, or None for a system (a backup target) that names no one."""
    if finding["person_id"]:
        return str(finding["person_id"])
    for signal in finding["evidence"]:
        for key in ACCOUNT_KEYS:
            value = signal.data.get(key)
            if isinstance(value, str) and value:
                return f"account:{value}"
    return None


def is_opened(ws: Workspace, session: Session, key: str) -> bool:
    """Has this user named this person, with a reason, in this session (here or in the queue)?"""
    with ws.engine.connect() as conn:
        row = conn.execute(
            select(audit_log.c.id)
            .where(
                (audit_log.c.actor == session.user.actor)
                & (audit_log.c.action == OPEN_ACTION)
                & (audit_log.c.target == f"person:{key}")
                & (audit_log.c.at >= session.created_at)
            )
            .limit(1)
        ).first()
    return row is not None or cases.is_opened(ws.engine, session, key)


# ---------------------------------------------------------------------------- drill-down data


@dataclass
class EvidenceLine:
    where: str  # file:line, or "file:0" for a statement of something absent
    text: str


@dataclass
class PostureFinding:
    id: int
    rule_id: str
    clause_id: str
    severity: str
    status: str
    when: datetime | None
    source: str
    permission_id: int | None
    subject: str | None  # None: a system
    pseudonym: str | None
    opened: bool
    name: str | None = None  # shown once opened
    explanations: list[str] = field(default_factory=list)
    lines: list[EvidenceLine] = field(default_factory=list)
    reviewable: bool = False  # routed to this user: the review queue has it as a case

    @property
    def ref(self) -> str | None:
        return self.pseudonym.removeprefix("Person ") if self.pseudonym else None

    @property
    def shown(self) -> bool:
        return self.subject is None or self.opened


def clause_rules(ws: Workspace, clause: str) -> list[Any]:
    """The posture rules of a clause (as the summary groups them); empty for an unknown clause."""
    pack = ws.current_pack()
    return [r for r in posture_rules(pack) if pack.canonical_clause_id(r.clause) == clause]


def evidence_lines(ws: Workspace, item_id: str) -> list[EvidenceLine]:
    """The source lines a posture item was made of, each with its file and line."""
    with ws.engine.connect() as conn:
        meta = conn.execute(select(items.c.meta).where(items.c.id == item_id)).scalar_one_or_none() or {}
    try:
        text = ws.blobs.get(item_id).decode("utf-8", errors="replace")
    except (OSError, KeyError, ValueError):
        return [EvidenceLine("", "(the evidence is not in the archive)")]
    where = list(meta.get("lines", []))
    out = []
    for i, line in enumerate(text.splitlines()[:MAX_LINES]):
        out.append(EvidenceLine(where[i] if i < len(where) else "", line))
    return out


def clause_findings(
    ws: Workspace, session: Session, directory: Directory, clause: str, rule: str | None = None
) -> list[PostureFinding]:
    """The findings of a clause's posture rules the user may see, open first, newest first."""
    visible = scope(session.user, directory)
    out: list[PostureFinding] = []
    opened_by_key: dict[str, bool] = {}
    pseudonym_by_key: dict[str, str] = {}
    for r in clause_rules(ws, clause):
        if rule and r.id != rule:
            continue
        for f in findings_repo.query_findings(ws.engine, rule=r.id):
            if visible is not None and f["person_id"] not in visible:
                continue
            key = subject_key(f)
            if key is not None and key not in opened_by_key:
                opened_by_key[key] = is_opened(ws, session, key)
                pseudonym_by_key[key] = cases.pseudonym(ws.engine, key)
            opened = key is not None and opened_by_key[key]
            pf = PostureFinding(
                id=f["id"],
                rule_id=f["rule_id"],
                clause_id=clause,
                severity=f["severity"],
                status=f["status"],
                when=f["item_time"],
                source=" ".join(x for x in f["source"] if x),
                permission_id=f["permission_id"],
                subject=key,
                pseudonym=pseudonym_by_key[key] if key else None,
                opened=opened,
                reviewable=f["status"] == "open" and cases.routed_to(session.user, f, directory),
            )
            if pf.shown:
                person = directory.person(f["person_id"])
                pf.name = person.display_name if person else (key.removeprefix("account:") if key else None)
                pf.explanations = [s.explanation for s in f["evidence"]]
                pf.lines = evidence_lines(ws, f["item_id"])
            out.append(pf)
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    return sorted(out, key=lambda x: (rank.get(x.status, len(rank)), -(x.when.timestamp() if x.when else 0), x.id))


def training_by_building(summary: dict[str, Any]) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """Training and acknowledgement gaps: (rule columns, [(building, counts per rule)])."""
    rules = [r for c in summary["clauses"] for r in c["rules"] if r["by_building"]]
    buildings = sorted({b for r in rules for b in r["by_building"]})
    return [r["rule"] for r in rules], [(b, [r["by_building"].get(b, 0) for r in rules]) for b in buildings]


def scoped_summary(ws: Workspace, session: Session, directory: Directory) -> dict[str, Any]:
    return summarize(ws, scope(session.user, directory))


# ---------------------------------------------------------------------------- pages


@router.get("/posture", include_in_schema=False, **guarded(Capability.POSTURE))
def posture_page(request: Request, session: Session = Depends(signed_in)) -> Response:
    ws = workspace(request)
    directory = ws.directory()
    summary = scoped_summary(ws, session, directory)
    audit_repo.record(ws.engine, "posture.view", target="posture:summary", actor=session.user.actor)
    columns, gaps = training_by_building(summary)
    return page(
        request,
        "posture/summary.html",
        session,
        summary=summary,
        gap_columns=columns,
        gaps=gaps,
        scoped=session.user.role == Role.PRINCIPAL,
        quote=quote,
    )


@router.get("/posture/findings", include_in_schema=False, **guarded(Capability.POSTURE))
def posture_findings_page(
    request: Request,
    clause: str = Query(""),
    rule: str = Query(""),
    session: Session = Depends(signed_in),
) -> Response:
    ws = workspace(request)
    rules = clause_rules(ws, clause)
    if not rules or (rule and rule not in {r.id for r in rules}):
        return page(request, "message.html", session, status_code=404, error="No posture rule has that clause.")
    rows = clause_findings(ws, session, ws.directory(), clause, rule or None)
    audit_repo.record(
        ws.engine,
        "posture.findings.view",
        target=f"clause:{clause}",
        actor=session.user.actor,
        rule=rule or None,
        findings=[f.id for f in rows],
        named=[f.id for f in rows if f.subject and f.opened],
    )
    return page(
        request,
        "posture/findings.html",
        session,
        clause=clause,
        clause_text=ws.current_pack().clause(clause).text,
        rules=rules,
        rule=rule,
        rows=rows,
    )


@router.post("/posture/people/{ref}/open", include_in_schema=False, **guarded(Capability.POSTURE))
def open_person(
    request: Request,
    ref: str,
    reason: str = Form(""),
    clause: str = Form(""),
    session: Session = Depends(signed_in),
) -> Response:
    """Name a pseudonymized person on the posture pages for the rest of the session, with a reason."""
    ws = workspace(request)
    reason = findings_repo.no_nul(reason.strip())
    rows = clause_findings(ws, session, ws.directory(), clause) if clause_rules(ws, clause) else []
    found = next((f for f in rows if f.ref == ref), None)
    if found is None or found.subject is None:
        return page(request, "message.html", session, status_code=404, error="No finding of that clause is about them.")
    if not reason:
        return page(request, "message.html", session, status_code=400, error="Say why (kept in the audit log).")
    audit_repo.record(
        ws.engine,
        OPEN_ACTION,
        target=f"person:{found.subject}",
        reason=reason,
        actor=session.user.actor,
        clause=clause,
        findings=[f.id for f in rows if f.subject == found.subject],
    )
    return RedirectResponse(f"/posture/findings?clause={quote(clause, safe='/')}#finding-{found.id}", status_code=303)


# ---------------------------------------------------------------------------- JSON


class PostureRuleOut(BaseModel):
    rule: str
    title: str
    severity: str
    open: int
    covered: int
    confirmed: int
    dismissed: int
    people: int
    by_building: dict[str, int]


class PostureClauseOut(BaseModel):
    clause: str
    text: str
    rules: list[PostureRuleOut]


class PostureImportOut(BaseModel):
    kind: str
    imported_at: str
    as_of: str
    paths: list[str]
    records: int = 0
    errors: int = 0
    observations: int = 0
    findings: int = 0
    covered: int = 0


class PostureOut(BaseModel):
    scoped_to_buildings: list[str]  # a principal's buildings; empty = the whole district
    clauses: list[PostureClauseOut]
    imports: list[PostureImportOut]


class PostureFindingOut(BaseModel):
    id: int
    rule_id: str
    clause_id: str
    severity: str
    status: str
    item_time: datetime | None
    source: str
    permission_id: int | None
    pseudonym: str | None  # None: about a system, not a person
    named: bool  # opened on the posture page (with a reason) in this session
    name: str | None
    explanations: list[str]  # empty until named
    evidence_lines: list[str]  # "file:line: text", empty until named


@router.get("/api/posture", response_model=PostureOut, tags=["posture"], **guarded(Capability.POSTURE))
def api_posture(request: Request, session: Session = Depends(signed_in)) -> PostureOut:
    ws = workspace(request)
    summary = scoped_summary(ws, session, ws.directory())
    audit_repo.record(ws.engine, "posture.view", target="posture:summary", actor=session.user.actor, via="api")
    scoped = list(session.user.building_ids) if session.user.role == Role.PRINCIPAL else []
    return PostureOut.model_validate({"scoped_to_buildings": scoped, **summary})


@router.get(
    "/api/posture/findings", response_model=list[PostureFindingOut], tags=["posture"], **guarded(Capability.POSTURE)
)
def api_posture_findings(
    request: Request, clause: str = Query(...), rule: str = Query(""), session: Session = Depends(signed_in)
) -> list[PostureFindingOut]:
    ws = workspace(request)
    rules = clause_rules(ws, clause)
    if not rules or (rule and rule not in {r.id for r in rules}):
        raise ApiError(404, "no posture rule has that clause")
    rows = clause_findings(ws, session, ws.directory(), clause, rule or None)
    audit_repo.record(
        ws.engine,
        "posture.findings.view",
        target=f"clause:{clause}",
        actor=session.user.actor,
        via="api",
        rule=rule or None,
        findings=[f.id for f in rows],
        named=[f.id for f in rows if f.subject and f.opened],
    )
    return [
        PostureFindingOut(
            id=f.id,
            rule_id=f.rule_id,
            clause_id=f.clause_id,
            severity=f.severity,
            status=f.status,
            item_time=f.when,
            source=f.source,
            permission_id=f.permission_id,
            pseudonym=f.pseudonym,
            named=f.subject is not None and f.opened,
            name=f.name,
            explanations=f.explanations,
            evidence_lines=[f"{ln.where}: {ln.text}" for ln in f.lines],
        )
        for f in rows
    ]
