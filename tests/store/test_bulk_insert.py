"""The scan's writer path: rows encoded in the workers and inserted by `BulkInsert` must store
exactly what a plain SQLAlchemy insert of the plain row stores, and chain exactly the items the
batch added (on SQLite and, with AUPGUARD_TEST_DATABASE_URL, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select

from aupguard.archive import chain
from aupguard.archive.verify import verify
from aupguard.model import Attachment, Channel, Item, content_id
from aupguard.store import findings_repo
from aupguard.store.bulk import BulkInsert
from aupguard.store.records_tables import archive_entries, archive_links
from aupguard.store.tables import item_sources, items
from aupguard.workspace import Workspace

NOW = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


def make_item(n: int, **changes: Any) -> Item:
    raw = f"From: a{n}@school.example\r\n\r\nmessage {n}\r\n".encode()
    fields: dict[str, Any] = {
        "sender": f"a{n}@school.example",
        "sender_name": 'Zoë "Z" O\'Brien',
        "recipients": ["b@school.example", "ü@exämple.org"],
        "subject": f"Café {n} \u2028 ☕",
        "body": f"body {n} with a NUL \x00 and \\ backslash",
        "sent_at": datetime(2025, 1, 2, 3, 4, 5, 6000, tzinfo=UTC) + timedelta(minutes=n),
        "meta": {"headers": {"x-b": ["2", "1"], "a": None}, "bcc": ["c@x.example"], "n": n, "f": 1.5},
        "attachments": [Attachment("ä.pdf", "application/pdf", 10, "0" * 64, ["m/é"], b"%PDF")],
    }
    fields.update(changes)
    return Item(content_id(raw), Channel.EMAIL, "test.mbox", f"message {n}", raw, **fields)


def stored_values(ws: Workspace, item_id: str) -> dict[str, Any]:
    with ws.engine.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().one()
    return {k: v for k, v in row.items() if k != "id"}


def test_an_encoded_row_stores_what_the_plain_row_stores(workspace: Workspace) -> None:
    """Same columns through SQLAlchemy's own insert and through the worker-encoded bulk path."""
    cases = [make_item(1), make_item(2, sent_at=None, sender_name=None, subject=None, attachments=[], meta={})]
    for item in cases:
        row = findings_repo.item_row(item, NOW)
        twin = {**row, "id": "f" * 64}  # the same values under another key
        with workspace.engine.begin() as conn:
            conn.execute(insert(items), [twin])
            encoded = [(findings_repo.encoded_item_row(row), "x", "1")]
            findings_repo.store_batch(conn, 0, encoded, [], [], {}, {item.id: chain.item_digest(row)})
        assert stored_values(workspace, item.id) == stored_values(workspace, "f" * 64)
        if workspace.engine.dialect.name == "sqlite":  # the stored JSON text too, not only its value
            with workspace.engine.connect() as conn:
                texts = conn.exec_driver_sql(
                    "SELECT recipients, meta, attachments, sent_at, first_seen_at FROM items WHERE id IN (?, ?)",
                    (item.id, "f" * 64),
                ).all()
            assert texts[0] == texts[1]
        with workspace.engine.begin() as conn:
            conn.execute(items.delete().where(items.c.id == "f" * 64))


def test_encoding_is_idempotent_and_an_encoded_row_needs_its_digest(workspace: Workspace) -> None:
    row = findings_repo.item_row(make_item(3), NOW)
    encoded = findings_repo.encoded_item_row(row)
    assert isinstance(encoded["meta"], str) and isinstance(row["meta"], dict)  # the row itself is left alone
    assert findings_repo.encoded_item_row(encoded) == encoded
    with workspace.engine.begin() as conn, pytest.raises(ValueError, match="needs its chain digest"):
        findings_repo.store_batch(conn, 0, [(encoded, "x", "1")], [], [], {})


def test_bulk_insert_reports_what_it_added_and_skips_existing_keys(workspace: Workspace) -> None:
    sources = BulkInsert(item_sources, ignore_existing=True)
    row = findings_repo.item_row(make_item(4), NOW)
    rows = [{"item_id": row["id"], "source": "s", "position": str(n)} for n in range(5)]
    with workspace.engine.begin() as conn:
        findings_repo.store_batch(conn, 0, [(row, "s", "0")], [], [], {})  # the item, and position "0"
        assert sources.execute(conn, rows) == 4
        assert sources.execute(conn, rows) == 0
        assert sources.execute(conn, []) == 0
        stored = conn.execute(select(item_sources.c.position).where(item_sources.c.item_id == row["id"])).scalars()
        assert sorted(stored) == ["0", "1", "2", "3", "4"]
    with pytest.raises(ValueError, match="no columns"):
        BulkInsert(items, encoded_json=["nonesuch"])


def chained(ws: Workspace) -> dict[str, str]:
    with ws.engine.connect() as conn:
        entries = [(r.item_id, r.row_digest) for r in conn.execute(select(archive_entries))]
    assert len({item_id for item_id, _ in entries}) == len(entries), "an item chained twice"
    return dict(entries)


def links(ws: Workspace) -> int:
    with ws.engine.connect() as conn:
        return len(conn.execute(select(archive_links.c.seq)).all())


def batch(numbers: list[int], now: datetime) -> tuple[list[tuple[Any, str, str]], dict[str, str]]:
    """Rows as the scan's workers send them: encoded, with their digests."""
    rows, digests = [], {}
    for n in numbers:
        row = findings_repo.item_row(make_item(n), now)
        digests[row["id"]] = chain.item_digest(row)
        rows.append((findings_repo.encoded_item_row(row), "test.mbox", f"message {n}"))
    return rows, digests


def test_each_batch_chains_exactly_the_items_it_added(workspace: Workspace) -> None:
    first, first_digests = batch([1, 2, 3], NOW)
    with workspace.engine.begin() as conn:
        findings_repo.store_batch(conn, 0, first, [], [], {}, first_digests)
    assert chained(workspace) == first_digests and links(workspace) == 1

    # the same items again, later (a re-scan): nothing added, no new link
    again, again_digests = batch([1, 2, 3], NOW + timedelta(hours=1))
    with workspace.engine.begin() as conn:
        findings_repo.store_batch(conn, 0, again, [], [], {}, again_digests)
    assert chained(workspace) == first_digests and links(workspace) == 1

    # some stored, some new, one new item twice: only the new ones, once each, in one link
    mixed, mixed_digests = batch([2, 4, 5, 4], NOW + timedelta(hours=2))
    with workspace.engine.begin() as conn:
        findings_repo.store_batch(conn, 0, mixed, [], [], {}, mixed_digests)
    new = {k: v for k, v in mixed_digests.items() if k not in first_digests}
    assert len(new) == 2 and chained(workspace) == {**first_digests, **new} and links(workspace) == 2

    # plain rows without digests (other writers: posture checks, tests) chain the same digests
    plain = [(findings_repo.item_row(make_item(6), NOW), "test.mbox", "message 6")]
    with workspace.engine.begin() as conn:
        findings_repo.store_batch(conn, 0, plain, [], [], {})
    _, expected = batch([6], NOW)
    assert chained(workspace)[plain[0][0]["id"]] == expected[plain[0][0]["id"]]
    assert verify(workspace.engine, None).problems == []


def test_a_whole_new_or_whole_known_batch_needs_no_lookup(workspace: Workspace) -> None:
    """The insert's row count settles the usual batches (all new, or a re-scan): the writer does
    not read the items back. This holds only where the driver counts executemany's rows."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(workspace.engine, "before_cursor_execute", seen)
    try:
        for hours in (0, 1):  # a batch, then the same items again
            rows, digests = batch([7, 8, 9], NOW + timedelta(hours=hours))
            with workspace.engine.begin() as conn:
                findings_repo.store_batch(conn, 0, rows, [], [], {}, digests)
    finally:
        event.remove(workspace.engine, "before_cursor_execute", seen)
    assert len(chained(workspace)) == 3 and links(workspace) == 1
    assert not [s for s in statements if "first_seen_at" in s and s.lstrip().upper().startswith("SELECT")]
