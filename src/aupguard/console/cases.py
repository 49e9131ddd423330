"""The review queue: open findings routed to a user, grouped into cases per person.

A case is every open finding about one person that is routed to the reviewer. Until the reviewer
opens it (giving a reason, audited) the person is shown under a pseudonym. Nobody sees or decides
a case about themselves: such findings are routed elsewhere by the engine, and this module refuses
them whatever their stored routing says (separation of duties).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from aupguard.console.auth import Session, User
from aupguard.console.roles import Role
from aupguard.directory.index import Directory
from aupguard.engine import route
from aupguard.model import SEVERITY_ORDER, Severity
from aupguard.store import audit_repo, findings_repo, settings_repo
from aupguard.store.tables import audit_log, aware, findings
from aupguard.workspace import Workspace

UNATTRIBUTED = "unattributed"  # the case of findings about nobody known (e.g. a forged sender)


class NotAllowed(Exception):
    """The user may not see or act on this (message is safe to show)."""


@dataclass
class Case:
    key: str  # person id, or UNATTRIBUTED
    pseudonym: str
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """What URLs and the API call the case: the pseudonym's code, never the person id."""
        return self.pseudonym.removeprefix("Person ")

    @property
    def severity(self) -> str:
        return max((Severity(f["severity"]) for f in self.findings), key=lambda s: s.rank).value

    @property
    def clauses(self) -> list[str]:
        return sorted({f["clause_id"] for f in self.findings})

    @property
    def oldest(self) -> datetime | None:
        times = [aware(f["created_at"]) for f in self.findings]
        return min((t for t in times if t), default=None)


def _pseudonym_key(engine: Engine) -> bytes:
    with engine.begin() as conn:
        key = settings_repo.get(conn, "console_pseudonym_key")
        if not key:
            key = secrets.token_hex(16)
            settings_repo.put(conn, "console_pseudonym_key", key)
    return bytes.fromhex(key)


def pseudonym(engine: Engine, person_key: str) -> str:
    """A stable label that does not reveal who (keyed hash: not reversible without the key)."""
    digest = hmac.new(_pseudonym_key(engine), person_key.encode(), hashlib.sha256).hexdigest()
    return f"Person {digest[:8].upper()}"


def _role_keys(user: User) -> set[str]:
    """The "role:<key>" routing values a user answers for (nobody in the directory holds the key)."""
    keys = {f"role:{user.role.value}"}
    if user.role == Role.DESIGNEE:
        keys.add("role:superintendent")
    return keys


def reviewer_ids(user: User, directory: Directory) -> set[str]:
    """Routing values (person ids or role keys) whose findings land in this user's queue.

    A designee works the superintendent's queue."""
    ids = set(_role_keys(user))
    if user.person_id:
        ids.add(user.person_id)
    if user.role == Role.DESIGNEE:
        ids |= {p.id for p in directory.with_role("superintendent")}
    return ids


def routed_to(user: User, finding: dict[str, Any], directory: Directory) -> bool:
    if finding["person_id"] and finding["person_id"] == user.person_id:
        return False  # never one's own case, whatever the stored routing says
    if user.role == Role.PRINCIPAL and user.building_ids:
        person = directory.person(finding["person_id"])
        if person is not None and not set(person.building_ids) & set(user.building_ids):
            return False
    return finding["reviewer"] in reviewer_ids(user, directory)


def queue(ws: Workspace, user: User, directory: Directory) -> list[Case]:
    """The user's open cases, most severe first, then oldest first."""
    rows = [r for r in findings_repo.query_findings(ws.engine, status="open") if routed_to(user, r, directory)]
    cases: dict[str, Case] = {}
    for r in rows:
        key = r["person_id"] or UNATTRIBUTED
        if key not in cases:
            cases[key] = Case(key, pseudonym(ws.engine, key))
        cases[key].findings.append(r)
    return sorted(
        cases.values(),
        key=lambda c: (-Severity(c.severity).rank, c.oldest or datetime.max.replace(tzinfo=UTC)),
    )


def get_case(ws: Workspace, user: User, directory: Directory, ref: str) -> Case:
    """A case of the user's queue by its reference (pseudonym code)."""
    if ref == user.person_id or (
        user.person_id and ref == pseudonym(ws.engine, user.person_id).removeprefix("Person ")
    ):
        raise NotAllowed("this case is about you; it is reviewed by someone else")
    for case in queue(ws, user, directory):
        if ref == case.ref:
            return case
    raise NotAllowed("no open case with that key is routed to you")


def is_opened(engine: Engine, session: Session, key: str) -> bool:
    """Has this user opened (named, with a reason) this case during this session?"""
    with engine.connect() as conn:
        row = conn.execute(
            select(audit_log.c.id)
            .where(
                (audit_log.c.actor == session.user.actor)
                & (audit_log.c.action == "case.open")
                & (audit_log.c.target == f"case:{key}")
                & (audit_log.c.at >= session.created_at)
            )
            .limit(1)
        ).first()
    return row is not None


def open_case(ws: Workspace, session: Session, directory: Directory, ref: str, reason: str) -> Case:
    reason = findings_repo.no_nul(reason.strip())
    if not reason:
        raise NotAllowed("say why you open this case (kept in the audit log)")
    case = get_case(ws, session.user, directory, ref)
    audit_repo.record(
        ws.engine,
        "case.open",
        target=f"case:{case.key}",
        reason=reason,
        actor=session.user.actor,
        findings=[f["id"] for f in case.findings],
    )
    return case


def recusal_route(ws: Workspace, directory: Directory, user: User, finding: dict[str, Any]) -> str:
    """Where a finding about the user goes instead (the engine's routing with escalation)."""
    ruleset = max(ws.rulesets(), key=lambda rs: rs.effective)  # the version in force now
    rule = next((r for r in ruleset.rules if r.id == finding["rule_id"]), None)
    reviewer = rule.reviewer if rule else "superintendent"
    return route(reviewer, directory.person(finding["person_id"]), directory, ruleset.reviewers)


def highlight(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The text cut into (piece, highlighted?) parts; overlapping spans are merged."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans if 0 <= s < e):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[tuple[str, bool]] = []
    pos = 0
    for start, end in merged:
        if start > pos:
            parts.append((text[pos:start], False))
        parts.append((text[start:end], True))
        pos = end
    if pos < len(text):
        parts.append((text[pos:], False))
    return parts


def excerpt(text: str, spans: list[tuple[int, int]], context: int = 80) -> list[tuple[str, bool]]:
    """Highlighted parts around the evidence only (the queue shows no more than that)."""
    real = [(s, e) for s, e in spans if 0 <= s < e <= len(text)]
    if not real:
        return []
    lo = max(0, min(s for s, _ in real) - context)
    hi = min(len(text), max(e for _, e in real) + context)
    parts = highlight(text[lo:hi], [(s - lo, e - lo) for s, e in real])
    if lo > 0:
        parts.insert(0, ("… ", False))
    if hi < len(text):
        parts.append((" …", False))
    return parts


def item_text(engine: Engine, item_id: str) -> str:
    from aupguard.store.tables import items

    with engine.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).first()
    return findings_repo.item_from_row(row).text if row else ""


def finding_for_message(
    ws: Workspace, user: User, directory: Directory, finding_id: int, reason: str
) -> dict[str, Any]:
    """A finding with its message's full text, for a reviewer it is routed to, audited with why."""
    reason = findings_repo.no_nul(reason.strip())
    if not reason:
        raise NotAllowed("say why you open the full message (kept in the audit log)")
    rows = findings_repo.query_findings(ws.engine, ids=[finding_id])
    if not rows or not routed_to(user, rows[0], directory):
        raise NotAllowed("that finding is not routed to you")
    row = rows[0]
    audit_repo.record(
        ws.engine, "message.view", target=f"item:{row['item_id']}", reason=reason, actor=user.actor, finding=finding_id
    )
    text = item_text(ws.engine, row["item_id"])
    row["parts"] = highlight(text, [(s.start, s.end) for s in row["evidence"]])
    return row


def severity_rank(value: str) -> int:
    return SEVERITY_ORDER.index(Severity(value))


def own_findings(engine: Engine, person_id: str | None) -> list[dict[str, Any]]:
    if not person_id:
        return []
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(select(findings.c.id).where(findings.c.person_id == person_id))]
    return findings_repo.query_findings(engine, ids=ids) if ids else []
