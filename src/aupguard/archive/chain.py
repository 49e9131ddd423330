"""The append-only hash chain: tamper evidence over the items added and over the audit log.

Each link commits to what it adds (a payload digest) and to the link before it:

    hash = sha256("seq|kind|ref|count|payload_digest|prev_hash")

- an "items" link per stored batch: payload = sha256 over sorted "item_id:row_digest" lines,
  where row_digest is the sha256 of the item's row in canonical JSON (the item id itself is the
  sha256 of the original bytes, so the blob is covered through it);
- an "audit" link per audit entry (ref = the entry's id): payload = digest of the entry;
- a "tombstones" link per approved disposition batch: payload over the disposed item ids, so a
  row removed by disposition is told apart from a row removed behind aupguard's back.

Whoever alters the database must rewrite every later link to stay consistent; the head exported
by `aupguard archive anchor` and kept elsewhere exposes that. Writers append under a lock (an
advisory lock on PostgreSQL; on SQLite the caller's transaction has already written, which holds
the database's single write lock), so two processes never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select

from aupguard.store.bulk import BulkInsert
from aupguard.store.records_tables import archive_entries, archive_links
from aupguard.store.tables import aware, items

GENESIS = "0" * 64
ITEM_FIELDS = (
    "id",
    "channel",
    "sent_at",
    "sender",
    "sender_name",
    "recipients",
    "subject",
    "body",
    "platform",
    "meta",
    "attachments",
    "size",
)
AUDIT_FIELDS = ("id", "at", "actor", "action", "target", "reason", "details")
_LOCK_KEY = 0x617570  # "aup": one advisory lock for every chain writer on PostgreSQL
_INSERT_ENTRIES = BulkInsert(archive_entries)  # one row per item chained: the scan's hot path


# Sorted compact JSON (non-ASCII kept as is, anything else as its str()): one encoder built once.
# `json.dumps` with these options builds this same encoder on every call and then calls its
# `encode`, so the text is identical; building it cost more than encoding a short list.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode


def _plain(value: Any) -> Any:
    """A value as it reads back from either database, so digests agree before and after storing."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def canonical_digest(row: Mapping[Any, Any], fields: Sequence[str]) -> str:
    """SHA-256 of the named fields, each length-prefixed so no two rows hash alike by accident:
    text as UTF-8, JSON values (lists, mappings) as sorted compact JSON, times as UTC ISO 8601.
    Runs once per stored item (in the scan's workers), hence no JSON of the whole row."""
    # The fields' bytes are hashed in one call: the same bytes as updating field by field, with
    # one call instead of two per field. The common classes (exact str, None, list, dict) are
    # encoded inline as `_tagged` would encode them; anything else goes through `_tagged`.
    parts: list[bytes] = []
    append = parts.append
    for name in fields:
        value: Any = row.get(name)
        cls = value.__class__
        if cls is str:
            data = value.encode("utf-8", "surrogatepass")
            append(b"s%d:" % len(data))
            append(data)
        elif value is None:
            append(b"n;")
        elif cls is list or cls is dict:  # _plain leaves them as they are; {} and [] are common
            data = _CANONICAL_JSON(value).encode("utf-8", "surrogatepass") if value else _EMPTY_JSON[cls]
            append(b"j%d:" % len(data))
            append(data)
        else:
            append(_tagged(_plain(value)))
    return hashlib.sha256(b"".join(parts)).hexdigest()


# What _CANONICAL_JSON makes of an empty list or mapping.
_EMPTY_JSON = {list: b"[]", dict: b"{}"}


def _tagged(value: Any) -> bytes:
    """One field's digest bytes: a type tag, the length of its data, the data (None: "n;")."""
    if value is None:
        return b"n;"
    if isinstance(value, str):
        tag, data = b"s", value.encode("utf-8", "surrogatepass")
    elif isinstance(value, bool) or not isinstance(value, int):
        tag, data = b"j", _CANONICAL_JSON(value).encode("utf-8", "surrogatepass")
    else:
        tag, data = b"i", str(value).encode()
    return b"%s%d:%s" % (tag, len(data), data)


def item_digest(row: Mapping[Any, Any]) -> str:
    return canonical_digest(row, ITEM_FIELDS)


def audit_digest(row: Mapping[Any, Any]) -> str:
    return canonical_digest(row, AUDIT_FIELDS)


def payload_digest(lines: Iterable[str]) -> str:
    # SHA-256 of the lines each followed by a newline; hashed as one string, which digests the
    # same bytes as hashing line by line with fewer calls (once per batch on the single writer).
    return hashlib.sha256("".join(f"{line}\n" for line in lines).encode()).hexdigest()


def link_hash(seq: int, kind: str, ref: str, count: int, payload: str, prev_hash: str) -> str:
    return hashlib.sha256(f"{seq}|{kind}|{ref}|{count}|{payload}|{prev_hash}".encode()).hexdigest()


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "at": _plain(self.at) if self.at else None}


def head(conn: Connection) -> Head:
    row = conn.execute(
        select(archive_links.c.seq, archive_links.c.hash, archive_links.c.at)
        .order_by(archive_links.c.seq.desc())
        .limit(1)
    ).first()
    return Head(row.seq, row.hash, row.at) if row else Head(0, GENESIS, None)


def append(conn: Connection, kind: str, ref: str, count: int, payload: str) -> int:
    """Add a link after the current head; returns its sequence number."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
    last = head(conn)
    seq = last.seq + 1
    conn.execute(
        archive_links.insert().values(
            seq=seq,
            kind=kind,
            ref=ref,
            count=count,
            payload_digest=payload,
            prev_hash=last.hash,
            hash=link_hash(seq, kind, ref, count, payload, last.hash),
            at=datetime.now(UTC),
        )
    )
    return seq


def record_items(
    conn: Connection,
    rows: Sequence[Mapping[Any, Any]],
    digests: Mapping[str, str] | None = None,
    *,
    added: int | None = None,
) -> list[str]:
    """Chain the items of one stored batch that this batch inserted: one link, one multi-row
    insert. Call it in the transaction that inserted the rows, right after the insert. Returns
    the ids of those items (sorted; none when the batch added none).

    `added` is how many rows that insert reported adding (its rowcount), where the caller knows
    it: every distinct item of `rows`, or none of them, settles which are new without a query.
    Otherwise an item is new when its stored first_seen_at is the batch's own: the insert skips
    items that were already stored, and those keep the time they were first seen (and their link).

    `digests` (item id -> `item_digest` of its row) may come from whoever built the rows: the
    scan's workers compute them in parallel, so the single writer only looks them up."""
    if not rows or added == 0:
        return []
    by_id: dict[str, Mapping[Any, Any]] = {}
    for row in rows:
        by_id.setdefault(row["id"], row)
    # The insert skips existing keys and adds each distinct id at most once, so as many rows
    # added as distinct ids means every one of them was added by it.
    new_ids = sorted(by_id) if added == len(by_id) else _inserted_with(conn, by_id)
    if not new_ids:
        return []
    known = digests or {}
    fresh = {item_id: known.get(item_id) or item_digest(by_id[item_id]) for item_id in new_ids}
    lines = sorted(f"{item_id}:{digest}" for item_id, digest in fresh.items())
    seq = append(conn, "items", "", len(lines), payload_digest(lines))
    _INSERT_ENTRIES.execute(
        conn, [{"link_seq": seq, "item_id": item_id, "row_digest": digest} for item_id, digest in fresh.items()]
    )
    return new_ids


def _inserted_with(conn: Connection, by_id: Mapping[str, Mapping[Any, Any]]) -> list[str]:
    """The ids whose stored first_seen_at is their row's own (sorted): the rows this batch added."""
    stored = conn.execute(select(items.c.id, items.c.first_seen_at).where(items.c.id.in_(list(by_id))))
    return sorted(r.id for r in stored if aware(r.first_seen_at) == aware(by_id[r.id].get("first_seen_at")))


def record_audit(conn: Connection, row: Mapping[Any, Any]) -> int:
    return append(conn, "audit", str(row["id"]), 1, audit_digest(row))


def record_tombstones(conn: Connection, batch_id: int, item_ids: Sequence[str]) -> int:
    lines = sorted(item_ids)
    return append(conn, "tombstones", str(batch_id), len(lines), payload_digest(lines))
