"""Legal holds: by person, date range, query or case. A hold suspends disposal until a person
releases it with a recorded decision.

A hold on a person keeps the addresses the person had when it was made, so it goes on covering
their mail after they leave the district and their accounts are removed from the directory
(unlike Google Vault, where deleting the user drops the hold). An open records request holds
its items the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from aupguard.archive import search
from aupguard.store import audit_repo
from aupguard.store.records_tables import legal_holds, records_requests, request_items
from aupguard.store.tables import findings, items


class HoldError(ValueError):
    pass


def add(
    engine: Engine,
    name: str,
    *,
    reason: str,
    actor: str,
    person_id: str | None = None,
    addresses: Sequence[str] = (),
    date_from: datetime | None = None,
    date_until: datetime | None = None,
    query: str | None = None,
    finding_ids: Sequence[int] = (),
) -> int:
    if not reason.strip():
        raise HoldError("a legal hold needs a reason (the matter it preserves records for)")
    if not (person_id or addresses or date_from or date_until or (query or "").strip() or finding_ids):
        raise HoldError("a hold needs a person, a date range, a query or a case (finding ids)")
    with engine.begin() as conn:
        found = list(addresses)
        if person_id:
            found += search.addresses_of_people(conn, [person_id])
            if not found:
                raise HoldError(f"{person_id} has no address in the directory to hold; give --address as well")
        hold_id = conn.execute(
            legal_holds.insert()
            .values(
                name=name,
                person_id=person_id,
                addresses=sorted({a.lower() for a in found}),
                date_from=date_from,
                date_until=date_until,
                query=query or None,
                finding_ids=[int(f) for f in finding_ids],
                reason=reason,
                created_by=actor,
                created_at=datetime.now(UTC),
            )
            .returning(legal_holds.c.id)
        ).scalar_one()
        audit_repo.record_in(
            conn,
            "hold.add",
            target=f"hold:{hold_id}",
            reason=reason,
            actor=actor,
            name=name,
            person=person_id,
            query=query,
            findings=list(finding_ids),
        )
    return int(hold_id)


def release(engine: Engine, hold_id: int, *, actor: str, reason: str) -> None:
    if not reason.strip():
        raise HoldError("releasing a hold needs a recorded reason")
    with engine.begin() as conn:
        row = conn.execute(select(legal_holds).where(legal_holds.c.id == hold_id)).first()
        if row is None:
            raise HoldError(f"no hold {hold_id}")
        if row.released_at is not None:
            raise HoldError(f"hold {hold_id} was already released on {row.released_at:%Y-%m-%d}")
        conn.execute(
            legal_holds.update()
            .where(legal_holds.c.id == hold_id)
            .values(released_at=datetime.now(UTC), released_by=actor, release_reason=reason)
        )
        audit_repo.record_in(conn, "hold.release", target=f"hold:{hold_id}", reason=reason, actor=actor)


def active(conn: Connection) -> list[Any]:
    return list(conn.execute(select(legal_holds).where(legal_holds.c.released_at.is_(None)).order_by(legal_holds.c.id)))


def _hold_query(hold: Any) -> search.SearchQuery | None:
    if not (hold.addresses or hold.date_from or hold.date_until or hold.query):
        return None
    return search.SearchQuery(
        text=hold.query or "", addresses=list(hold.addresses) or None, since=hold.date_from, until=hold.date_until
    )


def held(conn: Connection, candidates: Sequence[str]) -> dict[str, str]:
    """Which of these items something holds, and what: {item id: "hold 3" / "request 7"}.
    Run `search.catch_up` before the transaction (holds by query or person use the indexes)."""
    out: dict[str, str] = {}
    for start in range(0, len(candidates), 500):
        chunk = list(candidates[start : start + 500])
        for hold in active(conn):
            label = f"hold {hold.id}"
            q = _hold_query(hold)
            if q is not None:
                stmt = search.statement(conn, q).with_only_columns(items.c.id).where(items.c.id.in_(chunk))
                for item_id in conn.scalars(stmt):
                    out.setdefault(item_id, label)
            if hold.finding_ids:
                case_items = select(findings.c.item_id).where(
                    findings.c.id.in_(list(hold.finding_ids)), findings.c.item_id.in_(chunk)
                )
                for item_id in conn.scalars(case_items):
                    out.setdefault(item_id, label)
        open_requests = (
            select(request_items.c.item_id, request_items.c.request_id)
            .join(records_requests, records_requests.c.id == request_items.c.request_id)
            .where(records_requests.c.closed_at.is_(None), request_items.c.item_id.in_(chunk))
        )
        for r in conn.execute(open_requests):
            out.setdefault(r.item_id, f"request {r.request_id}")
    return out
