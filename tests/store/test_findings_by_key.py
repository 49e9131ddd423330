"""Finding lookups by (item, rule): exact, and searched through the index on SQLite (a scan
asks once per stored batch, so reading the whole findings table each time grew with history)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from aupguard.store import findings_repo
from aupguard.store.tables import findings, items
from aupguard.workspace import Workspace


def _store(ws: Workspace, keys: list[tuple[str, str]]) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "item_id": item, "rule_id": rule, "clause_id": "401.13/x", "severity": "low", "status": "open",
            "person_id": None, "reviewer": "role:x", "permission_id": None, "pack_version": "1",
            "item_time": now, "created_at": now, "updated_at": now,
        }
        for item, rule in keys
    ]  # fmt: skip
    items_needed = sorted({item for item, _ in keys})
    with ws.engine.begin() as conn:
        conn.execute(
            items.insert(),
            [
                {"id": i, "channel": "email", "recipients": [], "body": "", "meta": {}, "attachments": [],
                 "size": 0, "first_seen_at": now}
                for i in items_needed
            ],
        )  # fmt: skip
        conn.execute(findings.insert(), rows)


def test_existing_keys_are_exactly_the_stored_pairs(workspace: Workspace) -> None:
    _store(workspace, [("i1", "r1"), ("i1", "r2"), ("i2", "r1")])
    asked = [("i1", "r1"), ("i2", "r2"), ("i3", "r1"), ("i2", "r1")]
    with workspace.engine.connect() as conn:
        # ("i2", "r2") shares an item with a stored finding and a rule with another: not stored
        assert findings_repo.existing_keys(conn, asked) == {("i1", "r1"), ("i2", "r1")}
        assert findings_repo.existing_keys(conn, []) == set()
    stored = findings_repo.query_findings(workspace.engine, keys=[("i1", "r2"), ("i2", "r2")])
    assert [(r["item_id"], r["rule_id"]) for r in stored] == [("i1", "r2")]


def test_lookup_by_keys_searches_the_index_on_sqlite(workspace: Workspace) -> None:
    if workspace.engine.dialect.name != "sqlite":
        pytest.skip("the query plan checked here is SQLite's")
    query = select(findings.c.id).where(findings_repo.with_keys([("i1", "r1"), ("i2", "r2")]))
    with workspace.engine.connect() as conn:
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "SEARCH findings USING" in plan and "SCAN findings" not in plan
