"""Employee self-service: acknowledge the policy each school year, check a draft before sending,
report a security problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, select

from aupguard.console.auth import User
from aupguard.console.cases import NotAllowed, highlight
from aupguard.detectors import registry
from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.recent import forget_texts
from aupguard.directory.index import Directory
from aupguard.engine import EngineContext, evaluate
from aupguard.model import Channel, Item, content_id
from aupguard.store import audit_repo, permissions_repo
from aupguard.store.console_tables import policy_acknowledgements, security_reports
from aupguard.store.findings_repo import no_nul
from aupguard.workspace import Workspace

DRAFT_LIMIT = 20_000  # characters; a draft post or message, not a document


def school_year(day: date) -> str:
    """Iowa school years run July 1 to June 30 (Iowa Code §279.10)."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{start + 1}"


def acknowledge(ws: Workspace, user: User) -> None:
    if not user.person_id:
        raise NotAllowed("your console user is not linked to a person in the directory")
    now = datetime.now(UTC)
    year = school_year(now.date())
    if acknowledged(ws.engine, user.person_id, now.date()):
        return
    with ws.engine.begin() as conn:
        conn.execute(
            policy_acknowledgements.insert().values(
                person_id=user.person_id, pack_version=str(ws.current_pack().version), school_year=year, at=now
            )
        )
    audit_repo.record(
        ws.engine, "policy.acknowledge", target=f"person:{user.person_id}", actor=user.actor, school_year=year
    )


def acknowledged(engine: Engine, person_id: str | None, today: date | None = None) -> dict[str, Any] | None:
    """This school year's acknowledgement, or None."""
    if not person_id:
        return None
    year = school_year(today or datetime.now(UTC).date())
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(policy_acknowledgements).where(
                    (policy_acknowledgements.c.person_id == person_id) & (policy_acknowledgements.c.school_year == year)
                )
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def acknowledgement_counts(engine: Engine, today: date | None = None) -> int:
    year = school_year(today or datetime.now(UTC).date())
    with engine.connect() as conn:
        return len(
            conn.execute(
                select(policy_acknowledgements.c.person_id)
                .where(policy_acknowledgements.c.school_year == year)
                .distinct()
            ).all()
        )


# --------------------------------------------------------------------------- draft check


@dataclass
class DraftFinding:
    rule_id: str
    clause_id: str
    clause_text: str
    severity: str
    explanations: list[str]
    covered_by: list[str]  # permission kinds that would cover it (titles)
    covering_permission: int | None  # a permission of the user's that covers it now


@dataclass
class DraftResult:
    parts: list[tuple[str, bool]]
    findings: list[DraftFinding] = field(default_factory=list)


@lru_cache(maxsize=1)
def _detectors() -> tuple[Detector, ...]:
    return tuple(registry.all_detectors())


def own_accounts(directory: Directory, person_id: str | None) -> list[Any]:
    """The user's addresses (district and personal) a draft can be sent from."""
    return sorted(
        (a for a in directory.accounts.values() if a.person_id == person_id),
        key=lambda a: (not a.district, a.kind, a.address),
    )


def _default_sender(accounts: list[Any], chan: Channel) -> str | None:
    wanted = {Channel.EMAIL: "email", Channel.TEXT: "phone", Channel.POST: "handle"}[chan]
    return next((a.address for a in accounts if a.kind == wanted), None)


def check_draft(
    ws: Workspace, user: User, directory: Directory, text: str, channel: str, recipients: str, sender: str = ""
) -> DraftResult:
    """Run the detectors and the engine on a draft as if the user sent it now. Nothing is stored.

    `sender` is one of the user's own addresses (the district email, a personal phone ...); the
    default is their first of the channel's kind. The audit log records that a check ran, not the
    text (a draft is not a record yet)."""
    if len(text) > DRAFT_LIMIT:
        raise NotAllowed(f"a draft is at most {DRAFT_LIMIT} characters")
    try:
        chan = Channel(channel)
    except ValueError as exc:
        raise NotAllowed("channel must be email, text or post") from exc
    if chan not in (Channel.EMAIL, Channel.TEXT, Channel.POST):
        raise NotAllowed("channel must be email, text or post")
    accounts = own_accounts(directory, user.person_id)
    if sender and sender not in {a.address for a in accounts}:
        raise NotAllowed("send from one of your own addresses")
    sender = sender or _default_sender(accounts, chan) or ""
    raw = text.encode()
    rcpts = [r.strip().lower() for r in recipients.replace(";", ",").split(",") if r.strip()]
    item = Item(
        content_id(raw),
        chan,
        "draft",
        "",
        raw,
        sent_at=datetime.now(UTC),
        sender=sender or None,
        recipients=rcpts,
        body=text,
        platform="draft" if chan == Channel.POST else None,
    )
    pack = ws.current_pack()
    ctx = DetectContext(directory=directory, settings=pack.detector_settings())
    signals = []
    for det in _detectors():
        try:
            signals.extend(det.detect(item, ctx))
        except Exception:  # noqa: BLE001 - one detector's failure must not hide the others' results
            continue
    forget_texts()  # the draft is read: the detectors' per-text caches need not keep it
    perms = permissions_repo.all_permissions(ws.engine, user.person_id) if user.person_id else []
    found = evaluate(item, signals, EngineContext(directory, ws.rulesets(), perms))
    titles = {k.id: k.title for k in pack.permission_kinds}
    result = DraftResult(highlight(text, [(s.start, s.end) for f in found for s in f.evidence]))
    rules = {r.id: r for rs in ws.rulesets() for r in rs.rules}
    for f in found:
        rule = rules.get(f.rule_id)
        result.findings.append(
            DraftFinding(
                f.rule_id,
                f.clause_id,
                pack.clause(f.clause_id).text if pack.has_clause(f.clause_id) else "",
                f.severity.value,
                sorted({s.explanation for s in f.evidence}),
                [titles.get(k, k) for k in (rule.covered_by if rule else ())],
                f.permission_id,
            )
        )
    audit_repo.record(
        ws.engine,
        "draft.check",
        target=f"person:{user.person_id}",
        actor=user.actor,
        channel=chan.value,
        findings=len(found),
    )
    return result


# --------------------------------------------------------------------------- security reports


def report_security(ws: Workspace, user: User, summary: str, details: str) -> int:
    summary, details = no_nul(summary.strip()), no_nul(details.strip())
    if not summary:
        raise NotAllowed("give the problem a one-line summary")
    with ws.engine.begin() as conn:
        rid = conn.execute(
            security_reports.insert()
            .values(
                reporter_id=user.person_id or user.actor,
                summary=summary[:300],
                details=details,
                at=datetime.now(UTC),
                status="new",
            )
            .returning(security_reports.c.id)
        ).scalar_one()
    audit_repo.record(ws.engine, "security.report", target=f"security_report:{rid}", actor=user.actor)
    return int(rid)


def security_report_list(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            dict(r) for r in conn.execute(select(security_reports).order_by(security_reports.c.id.desc())).mappings()
        ]
