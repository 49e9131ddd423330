"""Disposition: items past retention are proposed in a batch; another person approves; approved
items are deleted from the store, the search index and the blob store, and a tombstone (item id,
which is the hash of its bytes) stays, chained, so `archive verify` still recomputes.

Holds are checked twice: when the batch is proposed and again when it is approved (a hold made
in between wins, and the item is left out of the disposal with the reason recorded).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, select

from aupguard.archive import chain, search
from aupguard.archive.blobs import BlobStore
from aupguard.records import holds, retention
from aupguard.store import audit_repo
from aupguard.store.records_tables import (
    archive_tombstones,
    disposition_batches,
    disposition_items,
    item_retention,
)
from aupguard.store.tables import accounts, evidence, finding_events, findings, item_sources, items, people


class DispositionError(ValueError):
    pass


def _separations(conn: Connection) -> dict[str, datetime]:
    """When each person who left the district left (their record's last update, as the
    directory import marks them inactive then)."""
    return {
        r.id: r.updated_at
        for r in conn.execute(select(people.c.id, people.c.updated_at).where(people.c.active.is_(False)))
    }


def _pending(conn: Connection) -> set[str]:
    q = select(disposition_items.c.item_id).join(disposition_batches).where(disposition_batches.c.status == "proposed")
    return set(conn.scalars(q))


def due(conn: Connection, as_of: datetime) -> list[dict[str, Any]]:
    """Items whose retention has run out by `as_of`, not held, not in a batch awaiting a decision."""
    known = retention.classes(conn)
    left = _separations(conn)
    owner = {r.address: r.person_id for r in conn.execute(select(accounts.c.address, accounts.c.person_id))}
    about = {
        r.item_id: r.person_id for r in conn.execute(select(findings.c.item_id, findings.c.person_id)) if r.person_id
    }
    pending = _pending(conn)
    out = []
    q = select(items.c.id, items.c.sent_at, items.c.first_seen_at, items.c.sender, item_retention.c.class_id).join(
        item_retention, item_retention.c.item_id == items.c.id
    )
    for r in conn.execute(q):
        cls = known[r.class_id]
        person = about.get(r.id) or owner.get((r.sender or "").lower())
        when = retention.due_at(cls, r.sent_at, r.first_seen_at, left.get(person) if person else None)
        if when is not None and when <= as_of and r.id not in pending:
            out.append({"item_id": r.id, "class_id": cls.id, "due_at": when})
    held = holds.held(conn, [d["item_id"] for d in out])
    return [d for d in out if d["item_id"] not in held]


def propose(engine: Engine, *, actor: str, as_of: datetime | None = None) -> tuple[int | None, int]:
    """A batch of every item due by `as_of` (default now); returns (batch id, items) or (None, 0)."""
    as_of = as_of or datetime.now(UTC)
    retention.assign(engine)
    search.catch_up(engine)  # holds by query or person use the search indexes
    with engine.begin() as conn:
        rows = due(conn, as_of)
        if not rows:
            return None, 0
        batch_id = conn.execute(
            disposition_batches.insert()
            .values(proposed_by=actor, proposed_at=datetime.now(UTC), as_of=as_of, status="proposed")
            .returning(disposition_batches.c.id)
        ).scalar_one()
        conn.execute(disposition_items.insert(), [{"batch_id": batch_id, **r} for r in rows])
        audit_repo.record_in(
            conn,
            "disposition.propose",
            target=f"disposition:{batch_id}",
            actor=actor,
            items=len(rows),
            as_of=as_of.isoformat(),
        )
    return int(batch_id), len(rows)


def _batch(conn: Connection, batch_id: int) -> Any:
    row = conn.execute(select(disposition_batches).where(disposition_batches.c.id == batch_id)).first()
    if row is None:
        raise DispositionError(f"no disposition batch {batch_id}")
    if row.status != "proposed":
        raise DispositionError(f"batch {batch_id} was already {row.status}")
    return row


def reject(engine: Engine, batch_id: int, *, actor: str, reason: str) -> None:
    if not reason.strip():
        raise DispositionError("rejecting a batch needs a reason")
    with engine.begin() as conn:
        _batch(conn, batch_id)
        conn.execute(
            disposition_batches.update()
            .where(disposition_batches.c.id == batch_id)
            .values(status="rejected", decided_by=actor, decided_at=datetime.now(UTC), reason=reason)
        )
        audit_repo.record_in(conn, "disposition.reject", target=f"disposition:{batch_id}", reason=reason, actor=actor)


def approve(engine: Engine, blobs: BlobStore, batch_id: int, *, actor: str, reason: str) -> dict[str, Any]:
    """Dispose of the batch's items. The approver must not be the proposer."""
    if not reason.strip():
        raise DispositionError("approving a disposal needs a reason")
    now = datetime.now(UTC)
    search.catch_up(engine)
    with engine.begin() as conn:
        batch = _batch(conn, batch_id)
        if batch.proposed_by == actor:
            raise DispositionError("the person who proposed a disposal cannot approve it (separation of duties)")
        listed = {
            r.item_id: r.class_id
            for r in conn.execute(select(disposition_items).where(disposition_items.c.batch_id == batch_id))
        }
        held_now = holds.held(conn, list(listed))
        ids = sorted(i for i in listed if i not in held_now)
        # Deletes first: on SQLite that takes the write lock before the chain head is read.
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            finding_ids = select(findings.c.id).where(findings.c.item_id.in_(chunk))
            conn.execute(delete(evidence).where(evidence.c.finding_id.in_(finding_ids)))
            conn.execute(delete(finding_events).where(finding_events.c.finding_id.in_(finding_ids)))
            conn.execute(delete(findings).where(findings.c.item_id.in_(chunk)))
            conn.execute(delete(item_sources).where(item_sources.c.item_id.in_(chunk)))
            conn.execute(delete(items).where(items.c.id.in_(chunk)))  # triggers drop the search index rows
        conn.execute(
            disposition_batches.update()
            .where(disposition_batches.c.id == batch_id)
            .values(status="approved", decided_by=actor, decided_at=now, reason=reason)
        )
        if ids:
            seq = chain.record_tombstones(conn, batch_id, ids)
            conn.execute(
                archive_tombstones.insert(),
                [
                    {"item_id": i, "link_seq": seq, "batch_id": batch_id, "class_id": listed[i], "disposed_at": now}
                    for i in ids
                ],
            )
        audit_repo.record_in(
            conn,
            "disposition.approve",
            target=f"disposition:{batch_id}",
            reason=reason,
            actor=actor,
            disposed=len(ids),
            kept_by_hold=held_now,
        )
    # Bytes go only after the rows are gone for good: a failed transaction never loses an original.
    blobs.delete_many(ids)
    return {"disposed": len(ids), "kept_by_hold": held_now}


def batches(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = [
            dict(r) for r in conn.execute(select(disposition_batches).order_by(disposition_batches.c.id)).mappings()
        ]
        for r in rows:
            r["items"] = len(
                list(conn.scalars(select(disposition_items.c.item_id).where(disposition_items.c.batch_id == r["id"])))
            )
    return rows
