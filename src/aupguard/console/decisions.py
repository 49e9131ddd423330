"""Decisions on cases: dismiss, coach, written warning, refer for discipline, suspend or revoke
technology access. Discipline outcomes need the Iowa Code §22.15 notice first; an outcome in a
§256.160 area starts a 60-day reminder to report to the Board of Educational Examiners.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, select

from aupguard.console.auth import User
from aupguard.console.cases import Case, NotAllowed
from aupguard.directory.index import Directory
from aupguard.model import FindingStatus
from aupguard.store import audit_repo, findings_repo
from aupguard.store.console_tables import access_actions, boee_reminders, case_decisions
from aupguard.store.tables import evidence, finding_events, findings
from aupguard.workspace import Workspace

BOEE_DAYS = 60  # 282 IAC 11.37(2): report within 60 days


class Outcome(StrEnum):
    DISMISS = "dismiss"
    COACH = "coach"
    WRITTEN_WARNING = "written_warning"
    REFER_DISCIPLINE = "refer_discipline"
    SUSPEND_ACCESS = "suspend_access"
    REVOKE_ACCESS = "revoke_access"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_discipline(self) -> bool:
        # Written warnings count as discipline for §22.15 and for BOEE reporting (BOEE memo 2021).
        return self in (
            Outcome.WRITTEN_WARNING,
            Outcome.REFER_DISCIPLINE,
            Outcome.SUSPEND_ACCESS,
            Outcome.REVOKE_ACCESS,
        )


_LABELS = {
    Outcome.DISMISS: "Dismiss (not a violation)",
    Outcome.COACH: "Coach (no discipline)",
    Outcome.WRITTEN_WARNING: "Written warning",
    Outcome.REFER_DISCIPLINE: "Refer for discipline",
    Outcome.SUSPEND_ACCESS: "Suspend technology access",
    Outcome.REVOKE_ACCESS: "Revoke technology access",
}

AREA_LABELS = {
    "inappropriate_relationship": (
        "soliciting, encouraging or consummating an inappropriate relationship with a student"
    ),
    "falsification": "falsifying grades, scores or official information",
    "public_property_personal_use": "converting public property or funds to personal use",
    "under_influence": "being under the influence at school or a school activity",
    "free_speech_discrimination": "discrimination based on free speech or intellectual freedom",
}


@dataclass
class Decision:
    id: int
    outcome: Outcome
    notice: str | None
    boee_areas: list[str]


def boee_areas(ws: Workspace, case_findings: list[dict[str, Any]]) -> list[str]:
    """The §256.160 reporting areas the case's rules fall in (from the pack's `boee`)."""
    areas = set()
    for pack in ws.packs():
        for rule in pack.rules:
            if rule.boee and rule.boee.reporting_area and any(f["rule_id"] == rule.id for f in case_findings):
                areas.add(str(rule.boee.reporting_area))
    return sorted(areas)


def notice_22_15(ws: Workspace, directory: Directory, case: Case, outcome: Outcome, today: date | None = None) -> str:
    """The written notice Iowa Code §22.15 requires before discipline is recorded.

    It tells the employee that the documented reasons for a discharge, demotion or resignation in
    lieu may become public under §22.7(11)(a)(5)."""
    today = today or datetime.now(UTC).date()
    person = directory.person(case.key)
    name = person.display_name if person else "the employee"
    pack = ws.current_pack()
    clause_lines = []
    for clause_id in case.clauses:
        text = pack.clause(clause_id).text if pack.has_clause(clause_id) else ""
        clause_lines.append(f"  - {clause_id}: {text}")
    district = _district_name(ws)
    return "\n".join(
        [
            f"{district}",
            f"Notice under Iowa Code section 22.15 — {today:%B %d, %Y}",
            "",
            f"To: {name}",
            "",
            f"The district intends to record the following outcome: {outcome.label}.",
            "It concerns the staff technology-use policy (401.13 / 401.13R1), these provisions:",
            *clause_lines,
            "",
            "Under Iowa Code section 22.7(11)(a)(5), if this matter results in a discharge, demotion or",
            "resignation in lieu of either, the fact of that action and the documented reasons and",
            "rationale for it may become a public record. Other personnel records remain confidential.",
            "You may respond in writing; your response will be kept with the record.",
        ]
    )


def _district_name(ws: Workspace) -> str:
    from aupguard.store import settings_repo

    with ws.engine.connect() as conn:
        return str(settings_repo.get(conn, "district_name", "The school district"))


def decide(
    ws: Workspace,
    user: User,
    directory: Directory,
    case: Case,
    outcome: Outcome,
    reason: str,
    *,
    notice_confirmed: bool = False,
) -> Decision:
    """Record a decision on every open finding of the case that is routed to the user."""
    reason = findings_repo.no_nul(reason.strip())  # PostgreSQL text refuses NUL characters
    if not reason:
        raise NotAllowed("a decision needs a reason")
    if case.key == user.person_id:
        raise NotAllowed("nobody decides a case about themselves")
    if outcome.is_discipline and not notice_confirmed:
        raise NotAllowed("generate the §22.15 notice and confirm it will be given before recording discipline")
    if outcome.is_discipline and case.key == "unattributed":
        raise NotAllowed("discipline needs a known person; this case has no attributed author")
    now = datetime.now(UTC)
    notice = notice_22_15(ws, directory, case, outcome, now.date()) if outcome.is_discipline else None
    areas = boee_areas(ws, case.findings) if outcome.is_discipline else []
    new_status = FindingStatus.DISMISSED if outcome == Outcome.DISMISS else FindingStatus.CONFIRMED
    ids = [f["id"] for f in case.findings]
    with ws.engine.begin() as conn:
        decision_id = conn.execute(
            case_decisions.insert()
            .values(
                person_id=None if case.key == "unattributed" else case.key,
                finding_ids=ids,
                outcome=outcome.value,
                reason=reason,
                actor=user.actor,
                actor_person_id=user.person_id,
                at=now,
                notice=notice,
                boee_areas=areas,
            )
            .returning(case_decisions.c.id)
        ).scalar_one()
        for f in case.findings:
            conn.execute(
                findings.update().where(findings.c.id == f["id"]).values(status=new_status.value, updated_at=now)
            )
        conn.execute(
            finding_events.insert(),
            [
                {
                    "finding_id": f["id"],
                    "at": now,
                    "from_status": f["status"],
                    "to_status": new_status.value,
                    "permission_id": None,
                    "actor": user.actor,
                    "reason": f"{outcome.value}: {reason}",
                }
                for f in case.findings
            ],
        )
        for area in areas:
            conn.execute(
                boee_reminders.insert().values(
                    decision_id=decision_id, person_id=case.key, area=area, due_at=now + timedelta(days=BOEE_DAYS)
                )
            )
        if outcome in (Outcome.SUSPEND_ACCESS, Outcome.REVOKE_ACCESS):
            conn.execute(
                access_actions.insert().values(
                    person_id=case.key,
                    action="suspend" if outcome == Outcome.SUSPEND_ACCESS else "revoke",
                    decision_id=decision_id,
                    reason=reason,
                    actor=user.actor,
                    at=now,
                )
            )
    audit_repo.record(
        ws.engine,
        "case.decide",
        target=f"case:{case.key}",
        reason=reason,
        actor=user.actor,
        outcome=outcome.value,
        findings=ids,
        decision=decision_id,
        boee_areas=areas,
    )
    return Decision(int(decision_id), outcome, notice, areas)


# --------------------------------------------------------------------------- reading


def decisions_about(engine: Engine, person_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        q = select(case_decisions).where(case_decisions.c.person_id == person_id).order_by(case_decisions.c.id)
        return [dict(r) for r in conn.execute(q).mappings()]


def reminders(engine: Engine, open_only: bool = True) -> list[dict[str, Any]]:
    q = select(boee_reminders).order_by(boee_reminders.c.due_at)
    if open_only:
        q = q.where(boee_reminders.c.done_at.is_(None))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def mark_reported(ws: Workspace, user: User, reminder_id: int, reason: str) -> None:
    reason = findings_repo.no_nul(reason)
    with ws.engine.begin() as conn:
        n = conn.execute(
            boee_reminders.update()
            .where((boee_reminders.c.id == reminder_id) & boee_reminders.c.done_at.is_(None))
            .values(done_at=datetime.now(UTC))
        ).rowcount
    if not n:
        raise NotAllowed("no open reminder with that id")
    audit_repo.record(
        ws.engine, "boee.reported", target=f"boee_reminder:{reminder_id}", reason=reason, actor=user.actor
    )


def access_list(engine: Engine) -> list[dict[str, Any]]:
    """Suspensions and revocations in force (not lifted), newest first."""
    with engine.connect() as conn:
        q = select(access_actions).where(access_actions.c.lifted_at.is_(None)).order_by(access_actions.c.id.desc())
        return [dict(r) for r in conn.execute(q).mappings()]


def lift_access(ws: Workspace, user: User, action_id: int, reason: str) -> None:
    """End a suspension or revocation (access restored); the record stays, with who and why."""
    reason = findings_repo.no_nul(reason.strip())
    if not reason:
        raise NotAllowed("say why access is restored")
    with ws.engine.begin() as conn:
        row = conn.execute(select(access_actions).where(access_actions.c.id == action_id)).first()
        if row is None or row.lifted_at is not None:
            raise NotAllowed("no suspension or revocation in force with that id")
        if user.person_id and row.person_id == user.person_id:
            raise NotAllowed("nobody restores their own access")
        conn.execute(
            access_actions.update().where(access_actions.c.id == action_id).values(lifted_at=datetime.now(UTC))
        )
    audit_repo.record(
        ws.engine,
        "access.lift",
        target=f"person:{row.person_id}",
        reason=reason,
        actor=user.actor,
        access_action=action_id,
    )


def access_csv(engine: Engine, directory: Directory) -> str:
    """The list the Technology Director applies to Google Workspace or Microsoft 365 accounts.

    One row per district account of each person whose access is suspended or revoked; the reason
    stays in aupguard (the file goes to another system)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["person_id", "name", "account", "action", "since", "decision_id"])
    for a in access_list(engine):
        person = directory.person(a["person_id"])
        accounts = [
            acc.address
            for acc in directory.accounts.values()
            if acc.person_id == a["person_id"] and acc.district and acc.kind == "email"
        ]
        since = a["at"].date().isoformat() if a["at"] else ""
        for address in accounts or [""]:
            w.writerow(
                [
                    a["person_id"],
                    person.display_name if person else "",
                    address,
                    a["action"],
                    since,
                    a["decision_id"] or "",
                ]
            )
    return buf.getvalue()


def detector_precision(engine: Engine) -> list[dict[str, Any]]:
    """Per detector: findings confirmed vs dismissed by reviewers, and the measured precision."""
    q = (
        select(evidence.c.detector, findings.c.id, findings.c.status)
        .join(findings, findings.c.id == evidence.c.finding_id)
        .where(findings.c.status.in_([FindingStatus.CONFIRMED.value, FindingStatus.DISMISSED.value]))
    )
    seen: set[tuple[str, int]] = set()
    counts: Counter[tuple[str, str]] = Counter()
    with engine.connect() as conn:
        for det, fid, status in conn.execute(q):
            if (det, fid) not in seen:
                seen.add((det, fid))
                counts[(det, status)] += 1
    out = []
    for det in sorted({d for d, _ in counts}):
        confirmed, dismissed = counts[(det, "confirmed")], counts[(det, "dismissed")]
        out.append(
            {
                "detector": det,
                "confirmed": confirmed,
                "dismissed": dismissed,
                "precision": confirmed / (confirmed + dismissed),
            }
        )
    return out
