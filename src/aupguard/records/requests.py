"""Public-records requests (Iowa Code chapter 22): intake, clock, scope, item-by-item decisions.

Any person may ask, by any channel, without giving a reason. The request's scope is a search of
the archive; each item found is then released, redacted or withheld by a person, with a legal
basis code (records/codes.py) for every redaction and withholding. Roster-aware redactions are
proposed when the scope is set and a person confirms or rejects each one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from aupguard.archive import search
from aupguard.directory.index import Directory
from aupguard.records import clock, codes
from aupguard.records.redaction import RosterRedactor, item_text
from aupguard.store import audit_repo
from aupguard.store.records_tables import records_requests, redactions, request_events, request_items
from aupguard.store.tables import items

CHANNELS = ("in_person", "writing", "phone", "electronic")
DECISIONS = ("release", "redact", "withhold")


class RequestError(ValueError):
    pass


def add_event(conn: Connection, request_id: int, kind: str, actor: str, **details: Any) -> None:
    conn.execute(
        request_events.insert().values(
            request_id=request_id, at=datetime.now(UTC), kind=kind, actor=actor, details=details
        )
    )


def get(conn: Connection, request_id: int) -> Any:
    row = conn.execute(select(records_requests).where(records_requests.c.id == request_id)).first()
    if row is None:
        raise RequestError(f"no records request {request_id}")
    return row


def _open(conn: Connection, request_id: int) -> Any:
    row = get(conn, request_id)
    if row.closed_at is not None:
        raise RequestError(f"request {request_id} is closed")
    return row


def intake(
    engine: Engine,
    *,
    requester: str,
    channel: str,
    description: str,
    received_on: date,
    actor: str,
    contact: str | None = None,
) -> int:
    """Log a request on receipt; day 0 is `received_on`. No reason is asked of the requester."""
    if channel not in CHANNELS:
        raise RequestError(f"channel must be one of {', '.join(CHANNELS)}")
    if not requester.strip() or not description.strip():
        raise RequestError("a request needs the requester (a name or 'anonymous') and what they ask for")
    with engine.begin() as conn:
        request_id = conn.execute(
            records_requests.insert()
            .values(
                requester=requester,
                contact=contact,
                channel=channel,
                received_on=received_on,
                description=description,
                scope={},
                status="open",
                created_by=actor,
                created_at=datetime.now(UTC),
            )
            .returning(records_requests.c.id)
        ).scalar_one()
        add_event(conn, request_id, "received", actor, channel=channel, received_on=received_on.isoformat())
        audit_repo.record_in(conn, "request.intake", target=f"request:{request_id}", actor=actor, channel=channel)
    return int(request_id)


def acknowledge(engine: Engine, request_id: int, *, actor: str, note: str = "") -> None:
    with engine.begin() as conn:
        _open(conn, request_id)
        conn.execute(
            records_requests.update()
            .where(records_requests.c.id == request_id)
            .values(acknowledged_at=datetime.now(UTC))
        )
        add_event(conn, request_id, "acknowledged", actor, note=note)


def estimate(
    engine: Engine,
    request_id: int,
    *,
    minutes: int,
    hourly_rate_cents: int,
    pages: int = 0,
    per_page_cents: int = 0,
    actor: str,
) -> int:
    """Record the fee estimate communicated to the requester; returns it in cents. Work under 30
    minutes is free except copies (Iowa Code 22.3); staff time is charged at the actual rate."""
    if minutes < 0 or hourly_rate_cents < 0 or pages < 0 or per_page_cents < 0:
        raise RequestError("minutes, rates and pages cannot be negative")
    time_cents = 0 if minutes < clock.FREE_MINUTES else round(minutes * hourly_rate_cents / 60)
    fee = time_cents + pages * per_page_cents
    with engine.begin() as conn:
        _open(conn, request_id)
        conn.execute(
            records_requests.update()
            .where(records_requests.c.id == request_id)
            .values(estimated_minutes=minutes, fee_estimate_cents=fee, fee_estimate_sent_at=datetime.now(UTC))
        )
        add_event(conn, request_id, "fee_estimate", actor, minutes=minutes, fee_cents=fee, pages=pages)
    return fee


def extend(engine: Engine, request_id: int, until: date, *, actor: str, reason: str) -> None:
    """The requester agreed in writing to a later decision date."""
    if not reason.strip():
        raise RequestError("an extension needs a reason (the requester's written agreement)")
    with engine.begin() as conn:
        _open(conn, request_id)
        conn.execute(records_requests.update().where(records_requests.c.id == request_id).values(extended_until=until))
        add_event(conn, request_id, "extended", actor, until=until.isoformat(), reason=reason)


def set_scope(
    engine: Engine, directory: Directory, request_id: int, q: search.SearchQuery, *, actor: str
) -> dict[str, int]:
    """Add every item the query finds to the request (pending) and propose roster redactions."""
    search.catch_up(engine)
    with engine.begin() as conn:
        _open(conn, request_id)
        found = search.matching_ids(conn, q)
        known = set(conn.scalars(select(request_items.c.item_id).where(request_items.c.request_id == request_id)))
        fresh = [i for i in found if i not in known]
        if fresh:
            conn.execute(
                request_items.insert(), [{"request_id": request_id, "item_id": i, "decision": "pending"} for i in fresh]
            )
        conn.execute(records_requests.update().where(records_requests.c.id == request_id).values(scope=q.as_dict()))
        proposed = _propose(conn, directory, request_id, fresh)
        add_event(conn, request_id, "scope", actor, query=q.as_dict(), found=len(found), added=len(fresh))
        # Searching the archive for a request is an inspection like any other: audited.
        audit_repo.record_in(
            conn,
            "archive.search",
            target=f"request:{request_id}",
            reason=f"records request {request_id}",
            actor=actor,
            query=q.as_dict(),
            found=len(found),
            item_ids=found[:1000],
        )
    return {"found": len(found), "added": len(fresh), "proposed_redactions": proposed}


def _propose(conn: Connection, directory: Directory, request_id: int, item_ids: list[str]) -> int:
    redactor = RosterRedactor(directory)
    rows = []
    for start in range(0, len(item_ids), 500):
        for item in conn.execute(select(items).where(items.c.id.in_(item_ids[start : start + 500]))).mappings():
            for p in redactor.propose(item_text(item)):
                rows.append(
                    {
                        "request_id": request_id,
                        "item_id": item["id"],
                        "text": p.text,
                        "kind": p.kind,
                        "code": p.code,
                        "why": f"{p.kind} on the roster ({p.person_id})",
                        "status": "proposed",
                        "proposed_by": "roster",
                    }
                )
    if rows:
        conn.execute(redactions.insert(), rows)
    return len(rows)


def add_redaction(
    engine: Engine, request_id: int, item_id: str, text: str, code: str, *, actor: str, kind: str, why: str
) -> int:
    """A redaction a person adds by hand (confirmed at once: the person decided it)."""
    code = codes.check(code)
    if not text.strip():
        raise RequestError("nothing to redact")
    with engine.begin() as conn:
        _open(conn, request_id)
        _in_request(conn, request_id, item_id)
        rid = conn.execute(
            redactions.insert()
            .values(
                request_id=request_id,
                item_id=item_id,
                text=text,
                kind=kind,
                code=code,
                why=why,
                status="confirmed",
                proposed_by=actor,
                decided_by=actor,
                decided_at=datetime.now(UTC),
            )
            .returning(redactions.c.id)
        ).scalar_one()
        _mark_redacted(conn, request_id, item_id, code, actor)
    return int(rid)


def _in_request(conn: Connection, request_id: int, item_id: str) -> Any:
    row = conn.execute(
        select(request_items).where(request_items.c.request_id == request_id, request_items.c.item_id == item_id)
    ).first()
    if row is None:
        raise RequestError(f"item {item_id} is not in request {request_id}")
    return row


def _mark_redacted(conn: Connection, request_id: int, item_id: str, code: str, actor: str) -> None:
    row = _in_request(conn, request_id, item_id)
    if row.decision in ("pending", "release"):
        conn.execute(
            request_items.update()
            .where(request_items.c.request_id == request_id, request_items.c.item_id == item_id)
            .values(decision="redact", code=code, decided_by=actor, decided_at=datetime.now(UTC))
        )


def decide_redaction(engine: Engine, redaction_id: int, confirm: bool, *, actor: str) -> None:
    with engine.begin() as conn:
        row = conn.execute(select(redactions).where(redactions.c.id == redaction_id)).first()
        if row is None:
            raise RequestError(f"no redaction {redaction_id}")
        _open(conn, row.request_id)
        status = "confirmed" if confirm else "rejected"
        conn.execute(
            redactions.update()
            .where(redactions.c.id == redaction_id)
            .values(status=status, decided_by=actor, decided_at=datetime.now(UTC))
        )
        if confirm:
            _mark_redacted(conn, row.request_id, row.item_id, row.code, actor)
        add_event(conn, row.request_id, f"redaction_{status}", actor, redaction=redaction_id, item=row.item_id)


def decide_item(
    engine: Engine,
    request_id: int,
    item_id: str,
    decision: str,
    *,
    actor: str,
    code: str | None = None,
    note: str | None = None,
) -> None:
    if decision not in DECISIONS:
        raise RequestError(f"decision must be one of {', '.join(DECISIONS)}")
    checked = codes.check(code) if decision != "release" else None
    with engine.begin() as conn:
        _open(conn, request_id)
        _in_request(conn, request_id, item_id)
        confirmed = conn.scalar(
            select(func.count())
            .select_from(redactions)
            .where(
                redactions.c.request_id == request_id,
                redactions.c.item_id == item_id,
                redactions.c.status == "confirmed",
            )
        )
        if decision == "release" and confirmed:
            raise RequestError(
                f"item {item_id} has {confirmed} confirmed redactions: decide redact, or reject them first"
            )
        conn.execute(
            request_items.update()
            .where(request_items.c.request_id == request_id, request_items.c.item_id == item_id)
            .values(decision=decision, code=checked, note=note, decided_by=actor, decided_at=datetime.now(UTC))
        )
        add_event(conn, request_id, "decision", actor, item=item_id, decision=decision, code=checked)


def status(engine: Engine, request_id: int, today: date | None = None) -> dict[str, Any]:
    """The request with its deadlines, what is undecided, and the alerts due today."""
    today = today or datetime.now(UTC).date()
    with engine.connect() as conn:
        req = get(conn, request_id)
        cal = clock.BusinessCalendar.from_db(conn)
        decisions = {
            r[0]: r[1]
            for r in conn.execute(
                select(request_items.c.decision, func.count())
                .where(request_items.c.request_id == request_id)
                .group_by(request_items.c.decision)
            )
        }
        proposals = conn.scalar(
            select(func.count())
            .select_from(redactions)
            .where(redactions.c.request_id == request_id, redactions.c.status == "proposed")
        )
    due = clock.deadlines(cal, req.received_on, req.extended_until)
    undecided = decisions.get("pending", 0) + (proposals or 0)
    return {
        "id": req.id,
        "requester": req.requester,
        "channel": req.channel,
        "description": req.description,
        "status": req.status,
        "received_on": req.received_on.isoformat(),
        "business_days_elapsed": cal.business_days_between(req.received_on, today),
        "deadlines": due.as_dict(),
        "items": decisions,
        "redactions_to_decide": proposals or 0,
        "fee_estimate_cents": req.fee_estimate_cents,
        "alerts": clock.alerts(req, due, today, undecided=undecided),
    }


def list_open(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(records_requests)
                .where(records_requests.c.closed_at.is_(None))
                .order_by(records_requests.c.received_on)
            )
        )


def close(engine: Engine, request_id: int, *, actor: str, note: str = "") -> None:
    with engine.begin() as conn:
        _open(conn, request_id)
        conn.execute(
            records_requests.update()
            .where(records_requests.c.id == request_id)
            .values(status="closed", closed_at=datetime.now(UTC))
        )
        add_event(conn, request_id, "closed", actor, note=note)
        audit_repo.record_in(conn, "request.close", target=f"request:{request_id}", actor=actor, reason=note)
