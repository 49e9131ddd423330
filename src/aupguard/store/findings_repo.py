"""Items, read errors, findings and their evidence: writing scan results and reading them back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, or_, select, tuple_

from aupguard.archive import chain
from aupguard.model import Attachment, Channel, Finding, Item, ReadError, Signal
from aupguard.store.bulk import BulkInsert
from aupguard.store.tables import aware, evidence, finding_events, findings, item_sources, items, scan_errors


def no_nul(value: Any) -> Any:
    """Text without NUL characters, which PostgreSQL text and JSONB refuse (real mail has them).

    Replaced by U+FFFD so offsets into the text stay valid; the original bytes are in the archive.
    Lists and dicts come back as new containers (never the item's own).
    """
    # Exact classes first, text inlined: this runs on every string of every stored item. For an
    # exact str, replace() without a NUL returns the string itself, as the isinstance path does.
    cls = value.__class__
    if cls is str:
        return value.replace("\x00", "\ufffd")
    if cls is list:
        return [v.replace("\x00", "\ufffd") if v.__class__ is str else no_nul(v) for v in value]
    if cls is dict:
        return {
            (k.replace("\x00", "\ufffd") if k.__class__ is str else no_nul(k)): (
                v.replace("\x00", "\ufffd") if v.__class__ is str else no_nul(v)
            )
            for k, v in value.items()
        }
    # Subclasses (a str enum, say) and everything else, as before.
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, list):
        return [no_nul(v) for v in value]
    if isinstance(value, dict):
        return {no_nul(k): no_nul(v) for k, v in value.items()}
    return value


# An attachment's stored fields: all but its first bytes (`head`), in declaration order, which is
# the order dataclasses.asdict gave them (and so the order of their stored JSON keys).
_ATTACHMENT_FIELDS = tuple(f.name for f in fields(Attachment) if f.name != "head")


def item_row(item: Item, now: datetime) -> dict[str, Any]:
    return {
        "id": item.id,
        "channel": item.channel.value,
        "sent_at": item.sent_at,
        "sender": no_nul(item.sender),
        "sender_name": no_nul(item.sender_name),
        "recipients": no_nul(item.recipients if item.recipients.__class__ is list else list(item.recipients)),
        "subject": no_nul(item.subject),
        "body": no_nul(item.body),
        "platform": no_nul(item.platform),
        "meta": no_nul(item.meta),
        # no_nul copies what asdict's deep copy would (lists, dicts); the rest is immutable.
        "attachments": no_nul([{name: getattr(a, name) for name in _ATTACHMENT_FIELDS} for a in item.attachments]),
        "size": len(item.raw),
        "first_seen_at": now,
    }


ITEM_JSON_COLUMNS = ("recipients", "meta", "attachments")


def encoded_item_row(row: Mapping[str, Any]) -> Mapping[str, Any]:
    """`row` with its JSON columns as the text the database stores: what SQLAlchemy's JSON type
    makes of them (the engine's serializer, json.dumps with its defaults), so the scan's workers
    encode them instead of the single writer. A column that is already text was encoded before
    (none of these columns holds a bare JSON string): an encoded row comes back as it is."""
    pending = [name for name in ITEM_JSON_COLUMNS if not isinstance(row[name], str)]
    if not pending:
        return row
    encoded = dict(row)  # same keys in the same order, the JSON columns replaced
    for name in pending:
        value = row[name]
        # Most items have no attachments and an empty meta: their text without calling json.dumps.
        empty = _EMPTY_JSON_TEXT.get(value.__class__) if not value else None
        encoded[name] = empty if empty is not None else json.dumps(value)
    return encoded


# What json.dumps makes of an empty list or dict.
_EMPTY_JSON_TEXT = {list: "[]", dict: "{}"}


# The scan's hot inserts, compiled once per dialect (see store/bulk.py).
_INSERT_ITEMS = BulkInsert(items, ignore_existing=True, encoded_json=ITEM_JSON_COLUMNS)
_INSERT_ITEM_SOURCES = BulkInsert(item_sources, ignore_existing=True)


def item_from_row(row: Any) -> Item:
    """An item rebuilt from its stored row (without raw bytes: those live in the archive)."""
    return Item(
        id=row.id,
        channel=Channel(row.channel),
        source="",
        position="",
        raw=b"",
        sent_at=aware(row.sent_at),
        sender=row.sender,
        sender_name=row.sender_name,
        recipients=list(row.recipients),
        subject=row.subject,
        body=row.body,
        platform=row.platform,
        meta=dict(row.meta),
        attachments=[Attachment(**a) for a in row.attachments],
    )


def _clear_read_errors(conn: Connection, stored_items: Sequence[tuple[Mapping[str, Any], str, str]]) -> None:
    """A record that reads now no longer has the error an earlier scan recorded at its place,
    nor does its file keep a whole-file error (position ""): a user who fixes an export and
    scans it again sees in `aupguard errors` only what still stands (the scans' own records keep
    their error counts). One lookup per batch on the (source, position) index; nearly always
    there is nothing to clear."""
    sources = sorted({no_nul(src) for _, src, _ in stored_items})
    if conn.scalar(select(scan_errors.c.id).where(scan_errors.c.source.in_(sources)).limit(1)) is None:
        return  # no error recorded for these files: the one query a batch costs
    places = {(no_nul(src), no_nul(pos)) for _, src, pos in stored_items}
    places |= {(src, "") for src in sources}
    stale = conn.scalars(
        select(scan_errors.c.id).where(tuple_(scan_errors.c.source, scan_errors.c.position).in_(sorted(places)))
    ).all()
    if stale:
        conn.execute(scan_errors.delete().where(scan_errors.c.id.in_(stale)))


def store_batch(
    conn: Connection,
    scan_id: int,
    stored_items: Sequence[tuple[Mapping[str, Any], str, str]],
    errors: Sequence[ReadError],
    new_findings: Sequence[Finding],
    item_times: dict[str, datetime | None],
    digests: dict[str, str] | None = None,
) -> None:
    """Write one batch of scan results. Re-running with the same input adds nothing new.

    Item rows come from `item_row`, either as they are or through `encoded_item_row`; `digests`
    are their chain digests (`chain.item_digest` of the `item_row`) where the caller computed
    them, which an encoded row requires (see chain.record_items)."""
    now = datetime.now(UTC)
    stored_now: set[str] = set()  # the items this batch stored (those stored before are not here)
    if stored_items:
        rows = [row for row, _, _ in stored_items]
        digests = _with_digests(rows, digests)
        added = _INSERT_ITEMS.execute(conn, [encoded_item_row(row) for row in rows])
        # tamper evidence (archive/chain.py), which also settles which items are new
        stored_now = set(chain.record_items(conn, rows, digests, added=added))
        _INSERT_ITEM_SOURCES.execute(
            conn,
            [{"item_id": row["id"], "source": no_nul(src), "position": no_nul(pos)} for row, src, pos in stored_items],
        )
        _clear_read_errors(conn, stored_items)
    for err in errors:
        key = and_(scan_errors.c.source == err.source, scan_errors.c.position == err.position)
        if conn.execute(select(scan_errors.c.id).where(key)).first():
            conn.execute(
                scan_errors.update().where(key).values(reason=no_nul(err.reason), scan_id=scan_id, recorded_at=now)
            )
        else:
            conn.execute(
                scan_errors.insert().values(
                    source=no_nul(err.source),
                    position=no_nul(err.position),
                    reason=no_nul(err.reason),
                    scan_id=scan_id,
                    recorded_at=now,
                )
            )
    if not new_findings:
        return
    # An item stored only now has no stored findings (a finding's item must exist before it):
    # the lookup is needed only for findings on items stored before.
    known_items = [f for f in new_findings if f.item_id not in stored_now]
    existing = existing_keys(conn, [(f.item_id, f.rule_id) for f in known_items]) if known_items else set()
    fresh = [f for f in new_findings if (f.item_id, f.rule_id) not in existing]
    fresh = list({(f.item_id, f.rule_id): f for f in fresh}.values())  # same item twice in a batch
    if not fresh:
        return
    rows = [
        {
            "item_id": f.item_id,
            "rule_id": f.rule_id,
            "clause_id": f.clause_id,
            "severity": f.severity.value,
            "status": f.status.value,
            "person_id": f.person_id,
            "reviewer": f.reviewer,
            "permission_id": f.permission_id,
            "pack_version": f.pack_version,
            "item_time": item_times.get(f.item_id),
            "created_at": now,
            "updated_at": now,
        }
        for f in fresh
    ]
    ids = conn.execute(
        findings.insert().returning(
            findings.c.id, findings.c.item_id, findings.c.rule_id, sort_by_parameter_order=True
        ),
        rows,
    ).all()
    ev_rows = []
    event_rows = []
    for (fid, _, _), f in zip(ids, fresh, strict=True):
        f.id = fid
        for s in f.evidence:
            ev_rows.append(
                {
                    "finding_id": fid,
                    "detector": s.detector,
                    "kind": s.kind,
                    "span_start": s.start,
                    "span_end": s.end,
                    "text": no_nul(s.text),
                    "score": float(s.score),
                    "explanation": no_nul(s.explanation),
                    "data": no_nul(s.data),
                }
            )
        event_rows.append(
            {
                "finding_id": fid,
                "at": now,
                "from_status": None,
                "to_status": f.status.value,
                "permission_id": f.permission_id,
                "actor": "scan",
                "reason": "found by scan"
                + (f" and covered by permission {f.permission_id}" if f.permission_id else ""),
            }
        )
    if ev_rows:
        conn.execute(evidence.insert(), ev_rows)
    conn.execute(finding_events.insert(), event_rows)


def with_keys(keys: Sequence[tuple[str, str]]) -> ColumnElement[bool]:
    """Findings whose (item, rule) is one of `keys`. The item ids are also named on their own:
    SQLite does not search an index for a row-value IN list and would read the whole findings
    table, once per stored batch; with `item_id IN (...)` it searches the (item, rule) index."""
    keys = list(keys)
    return and_(
        findings.c.item_id.in_(sorted({item_id for item_id, _ in keys})),
        tuple_(findings.c.item_id, findings.c.rule_id).in_(keys),
    )


def existing_keys(conn: Connection, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (item, rule) keys already have a stored finding."""
    if not keys:
        return set()
    query = select(findings.c.item_id, findings.c.rule_id).where(with_keys(keys))
    return {(r.item_id, r.rule_id) for r in conn.execute(query)}


def _with_digests(rows: Sequence[Mapping[str, Any]], digests: Mapping[str, str] | None) -> dict[str, str]:
    """`digests` completed with those of the rows it lacks, which must not be encoded yet: the
    chain digests the row's values (see chain.canonical_digest), not the text stored for them."""
    out = dict(digests or {})
    for row in rows:
        if row["id"] not in out:
            if any(isinstance(row[name], str) for name in ITEM_JSON_COLUMNS):
                raise ValueError(f"item {row['id']}: an encoded row needs its chain digest")
            out[row["id"]] = chain.item_digest(row)
    return out


# --------------------------------------------------------------------------- reading


def evidence_for(conn: Connection, finding_ids: Iterable[int]) -> dict[int, list[Signal]]:
    out: dict[int, list[Signal]] = {}
    ids = list(finding_ids)
    if not ids:
        return out
    for r in conn.execute(select(evidence).where(evidence.c.finding_id.in_(ids)).order_by(evidence.c.id)):
        out.setdefault(r.finding_id, []).append(
            Signal(r.detector, r.kind, r.span_start, r.span_end, r.text, r.score, r.explanation, dict(r.data))
        )
    return out


def first_source(conn: Connection, item_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    ids = list(item_ids)
    if not ids:
        return out
    rows = conn.execute(
        select(item_sources.c.item_id, item_sources.c.source, item_sources.c.position)
        .where(item_sources.c.item_id.in_(ids))
        .order_by(item_sources.c.source, item_sources.c.position)
    )
    for r in rows:
        out.setdefault(r.item_id, (r.source, r.position))
    return out


def query_findings(
    engine: Engine,
    *,
    keys: Sequence[tuple[str, str]] | None = None,
    ids: Sequence[int] | None = None,
    clause: str | None = None,
    person: str | None = None,
    person_ids: Sequence[str] | None = None,
    status: str | None = None,
    severities: Sequence[str] | None = None,
    rule: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Stored findings with their evidence and first source, filtered; newest item first."""
    q = select(findings)
    if keys is not None:
        if not keys:
            return []
        q = q.where(with_keys(keys))
    if ids is not None:
        q = q.where(findings.c.id.in_(list(ids)))
    if clause:
        q = q.where(or_(findings.c.clause_id == clause, findings.c.clause_id.like(f"{clause}/%")))
    if person:
        q = q.where(findings.c.person_id == person)
    if person_ids is not None:
        q = q.where(findings.c.person_id.in_(list(person_ids)))
    if status:
        q = q.where(findings.c.status == status)
    if severities:
        q = q.where(findings.c.severity.in_(list(severities)))
    if rule:
        q = q.where(findings.c.rule_id == rule)
    q = q.order_by(findings.c.item_time.desc(), findings.c.id)
    if limit:
        q = q.limit(limit)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
        ev = evidence_for(conn, [r["id"] for r in rows])
        src = first_source(conn, {r["item_id"] for r in rows})
    for r in rows:
        r["evidence"] = ev.get(r["id"], [])
        r["source"] = src.get(r["item_id"], ("", ""))
        r["item_time"] = aware(r["item_time"])
    return rows
