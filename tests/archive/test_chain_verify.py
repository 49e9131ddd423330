"""Tamper evidence: each kind of change made behind aupguard's back (raw SQL on the database, files
edited in the archive folder) is caught by `archive verify`, which names the first broken link."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from aupguard.archive import chain
from aupguard.archive.codec import compress
from aupguard.archive.verify import verify
from aupguard.cli.reference import build_app
from aupguard.store import audit_repo
from aupguard.store.records_tables import archive_entries, archive_links
from aupguard.store.tables import audit_log, items
from aupguard.workspace import Workspace
from tests.archive.conftest import item_without_finding


def sql(ws: Workspace, statement: str, **params: object) -> None:
    with ws.engine.begin() as conn:
        conn.execute(text(statement), params)


def link_of(ws: Workspace, item_id: str) -> int:
    with ws.engine.connect() as conn:
        return int(conn.scalar(select(archive_entries.c.link_seq).where(archive_entries.c.item_id == item_id)))


def audit_link(ws: Workspace, entry_id: int) -> int:
    with ws.engine.connect() as conn:
        return int(
            conn.scalar(
                select(archive_links.c.seq).where(archive_links.c.kind == "audit", archive_links.c.ref == str(entry_id))
            )
        )


def first_audit_id(ws: Workspace) -> int:
    with ws.engine.connect() as conn:
        return int(conn.scalar(select(audit_log.c.id).order_by(audit_log.c.id)))


# Each tamper edits the workspace and returns (expected problem kind, expected first broken link).
def alter_blob(ws: Workspace) -> tuple[str, int | None]:
    item = item_without_finding(ws)
    where = ws.blobs.folder.location(item)
    assert where is not None
    with open(where.pack, "r+b") as fh:  # other bytes written over the original, in its pack
        fh.seek(where.offset)
        fh.write(compress(b"From: someone else\r\n\r\nother words\r\n")[: where.length])
    return "blob-corrupt", link_of(ws, item)


def delete_blob(ws: Workspace) -> tuple[str, int | None]:
    item = item_without_finding(ws)
    ws.blobs.folder.delete(item)  # the bytes destroyed and forgotten behind the records' back
    return "blob-missing", link_of(ws, item)


def alter_item_row(ws: Workspace) -> tuple[str, int | None]:
    item = item_without_finding(ws)
    sql(ws, "UPDATE items SET body = 'nothing to see here' WHERE id = :id", id=item)
    return "row-altered", link_of(ws, item)


def alter_item_sender(ws: Workspace) -> tuple[str, int | None]:
    item = item_without_finding(ws)
    sql(ws, "UPDATE items SET sender = 'someone.else@district.example' WHERE id = :id", id=item)
    return "row-altered", link_of(ws, item)


def delete_item_row(ws: Workspace) -> tuple[str, int | None]:
    item = item_without_finding(ws)
    sql(ws, "DELETE FROM item_sources WHERE item_id = :id", id=item)
    sql(ws, "DELETE FROM items WHERE id = :id", id=item)
    return "row-deleted", link_of(ws, item)


def insert_item_row(ws: Workspace) -> tuple[str, int | None]:
    with ws.engine.begin() as conn:
        row = dict(conn.execute(select(items).limit(1)).mappings().one())
        row["id"] = "f" * 64
        conn.execute(items.insert().values(**row))  # no chain entry: added behind aupguard's back
    return "unchained-item", None


def delete_chain_entry(ws: Workspace) -> tuple[str, int | None]:
    item = item_without_finding(ws)
    seq = link_of(ws, item)
    sql(ws, "DELETE FROM archive_entries WHERE item_id = :id", id=item)
    return "payload", seq


def alter_audit_entry(ws: Workspace) -> tuple[str, int | None]:
    entry = first_audit_id(ws)
    sql(ws, "UPDATE audit_log SET reason = 'nothing happened' WHERE id = :id", id=entry)
    return "audit-altered", audit_link(ws, entry)


def delete_audit_entry(ws: Workspace) -> tuple[str, int | None]:
    entry = first_audit_id(ws)
    seq = audit_link(ws, entry)
    sql(ws, "DELETE FROM audit_log WHERE id = :id", id=entry)
    return "audit-deleted", seq


def reorder_links(ws: Workspace) -> tuple[str, int | None]:
    sql(ws, "UPDATE archive_links SET seq = -1 WHERE seq = 2")
    sql(ws, "UPDATE archive_links SET seq = 2 WHERE seq = 3")
    sql(ws, "UPDATE archive_links SET seq = 3 WHERE seq = -1")
    return "link", 2


def truncate_items_link(ws: Workspace) -> tuple[str, int | None]:
    sql(ws, "DELETE FROM archive_links WHERE seq = 1")
    return "link", 1


def alter_link_payload(ws: Workspace) -> tuple[str, int | None]:
    sql(ws, "UPDATE archive_links SET payload_digest = :p WHERE seq = 1", p="0" * 64)
    return "link", 1


TAMPERS: list[Callable[[Workspace], tuple[str, int | None]]] = [
    alter_blob,
    delete_blob,
    alter_item_row,
    alter_item_sender,
    delete_item_row,
    insert_item_row,
    delete_chain_entry,
    alter_audit_entry,
    delete_audit_entry,
    reorder_links,
    truncate_items_link,
    alter_link_payload,
]


def test_untouched_workspace_verifies(scanned: Workspace) -> None:
    report = verify(scanned.engine, scanned.blobs)
    assert report.ok, report.problems
    assert report.items >= 4 and report.blobs_checked == report.items
    assert report.audit_entries == 2 and report.links == 3  # one batch of items, two audit entries


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda t: t.__name__)
def test_verify_catches_each_change(scanned: Workspace, tamper: Callable[[Workspace], tuple[str, int | None]]) -> None:
    kind, first_link = tamper(scanned)
    report = verify(scanned.engine, scanned.blobs)
    assert not report.ok
    assert kind in {p.kind for p in report.problems}, report.problems
    first = report.first_broken
    assert first is not None and first.seq == first_link, report.problems


def test_rescan_and_new_audit_entries_keep_the_chain_whole(scanned: Workspace, mail: Path) -> None:
    from aupguard.scanning import scan

    scan(scanned, [mail])  # the same files again: nothing new, no new items link
    audit_repo.record(scanned.engine, "archive.search", reason="request 1", found=0)
    report = verify(scanned.engine, scanned.blobs)
    assert report.ok, report.problems
    assert report.links == 4


def rewrite_chain_from(ws: Workspace, start: int) -> None:
    """What a careful attacker does after altering a row: recompute every later link."""
    with ws.engine.begin() as conn:
        rows = list(
            conn.execute(select(archive_links).where(archive_links.c.seq >= start).order_by(archive_links.c.seq))
        )
        prev = conn.scalar(select(archive_links.c.hash).where(archive_links.c.seq == start - 1)) or chain.GENESIS
        for r in rows:
            payload = r.payload_digest
            if r.kind == "items":
                lines = sorted(
                    f"{e.item_id}:{e.row_digest}"
                    for e in conn.execute(select(archive_entries).where(archive_entries.c.link_seq == r.seq))
                )
                payload = chain.payload_digest(lines)
            new_hash = chain.link_hash(r.seq, r.kind, r.ref, r.count, payload, prev)
            conn.execute(
                archive_links.update()
                .where(archive_links.c.seq == r.seq)
                .values(payload_digest=payload, prev_hash=prev, hash=new_hash)
            )
            prev = new_hash


def test_a_rewritten_chain_is_caught_by_the_anchor(scanned: Workspace) -> None:
    with scanned.engine.connect() as conn:
        anchored = chain.head(conn).as_dict()
    item = item_without_finding(scanned)
    with scanned.engine.begin() as conn:
        conn.execute(text("UPDATE items SET body = 'rewritten' WHERE id = :id"), {"id": item})
        row = conn.execute(select(items).where(items.c.id == item)).mappings().one()
        conn.execute(
            archive_entries.update().where(archive_entries.c.item_id == item).values(row_digest=chain.item_digest(row))
        )
    rewrite_chain_from(scanned, 1)
    assert verify(scanned.engine, scanned.blobs).ok  # internally consistent again...
    report = verify(scanned.engine, scanned.blobs, anchor=anchored)
    assert [p.kind for p in report.problems] == ["anchor"]  # ...but not the head kept elsewhere


def test_a_truncated_tail_is_caught_by_the_anchor(scanned: Workspace) -> None:
    with scanned.engine.connect() as conn:
        anchored = chain.head(conn).as_dict()
        last_audit = conn.scalar(select(audit_log.c.id).order_by(audit_log.c.id.desc()))
    sql(scanned, "DELETE FROM audit_log WHERE id = :id", id=last_audit)
    sql(scanned, "DELETE FROM archive_links WHERE seq = :s", s=anchored["seq"])
    assert verify(scanned.engine, scanned.blobs).ok  # a clean cut at the end leaves nothing inside to compare
    report = verify(scanned.engine, scanned.blobs, anchor=anchored)
    assert report.first_broken is not None and report.first_broken.kind == "anchor"


def test_cli_verify_and_anchor(scanned: Workspace, tmp_path: Path) -> None:
    runner, app = CliRunner(), build_app()
    anchor_file = tmp_path / "head.json"
    result = runner.invoke(app, ["archive", "anchor", "--out", str(anchor_file)], catch_exceptions=False)
    assert result.exit_code == 0
    anchored = json.loads(anchor_file.read_text())
    assert anchored["seq"] == 3 and len(anchored["hash"]) == 64
    ok = runner.invoke(app, ["archive", "verify", "--anchor", str(anchor_file)], catch_exceptions=False)
    assert ok.exit_code == 0 and "everything recomputes" in ok.stdout
    item = item_without_finding(scanned)
    sql(scanned, "UPDATE items SET subject = 'changed' WHERE id = :id", id=item)
    bad = runner.invoke(app, ["archive", "verify", "--json"], catch_exceptions=False)
    assert bad.exit_code == 1
    data = json.loads(bad.stdout)
    assert data["first_broken"]["kind"] == "row-altered" and data["first_broken"]["link"] == 1


# --------------------------------------------------------------------------- row digests


def reference_digest(row: dict[str, object], fields: tuple[str, ...]) -> str:
    """The row digest as chain.py's docstring defines it, field by field with plain json.dumps:
    the shortcuts in `canonical_digest` (one encoder, inline common classes, one hash update)
    must give these bytes, or archives written before them stop verifying."""
    h = hashlib.sha256()
    for name in fields:
        value = row.get(name)
        if isinstance(value, datetime):
            value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
            value = value.isoformat(timespec="microseconds")
        elif isinstance(value, date):
            value = value.isoformat()
        if value is None:
            h.update(b"n;")
            continue
        if isinstance(value, str):
            tag, data = b"s", value.encode("utf-8", "surrogatepass")
        elif isinstance(value, int) and not isinstance(value, bool):
            tag, data = b"i", str(value).encode()
        else:
            text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
            tag, data = b"j", text.encode("utf-8", "surrogatepass")
        h.update(tag + str(len(data)).encode() + b":" + data)
    return h.hexdigest()


PINNED_DIGEST = "3bd1f06fdbd76920245523941d6b4d1af2df64f723928234c19daa486299703e"


class Colour(StrEnum):
    RED = "r\x00d"


TRICKY_ROWS = [
    {},  # every field absent
    {"id": "a", "body": "", "recipients": [], "meta": {}, "attachments": [], "size": 0},
    {"subject": "NUL\x00 é 日本 😀 \ud800 lone surrogate", "recipients": ["a@x", "b\x00@y", "ü@z"]},
    {"sent_at": datetime(2024, 2, 29, 23, 30), "platform": None, "size": 2**70},
    {"sent_at": datetime(2024, 2, 29, 23, 30, 0, 5, tzinfo=timezone(timedelta(hours=-6)))},
    {"sent_at": date(2024, 1, 2), "size": True, "body": Colour.RED, "channel": 1.5},
    {"meta": {"z": 1, "a": [{"b": None, "a": datetime(2020, 1, 1)}], "é": ("t", False)}},
    {"meta": {"b": "\x00", "a": {}}, "attachments": [{"filename": None, "members": ["x.exe"], "size": 3}]},
    {"recipients": ("tuple", "not list"), "meta": [], "attachments": {}},
]


@pytest.mark.parametrize("row", TRICKY_ROWS)
def test_item_digest_matches_the_reference_definition(row: dict[str, object]) -> None:
    assert chain.item_digest(row) == reference_digest(row, chain.ITEM_FIELDS)
    assert chain.audit_digest(row) == reference_digest(row, chain.AUDIT_FIELDS)


def test_item_digest_of_a_fixed_row_is_unchanged() -> None:
    # Computed before the shortcuts went in: stored archives hold digests like this one.
    row = {"id": "x", "sent_at": datetime(2020, 5, 6, 7, 8, 9, tzinfo=UTC), "recipients": ["a@b", "c@d"],
           "subject": "Hi é", "meta": {"k": [1, "v"]}, "attachments": [], "size": 12}  # fmt: skip
    assert chain.item_digest(row) == PINNED_DIGEST


def test_digest_tells_apart_values_that_print_alike() -> None:
    assert chain.item_digest({"size": 1}) != chain.item_digest({"size": "1"})
    assert chain.item_digest({"meta": {}}) != chain.item_digest({"meta": []})
    assert chain.item_digest({"body": None}) != chain.item_digest({"body": ""})
