"""archive and records: hash chain, search index, retention, holds, disposition, requests

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 21:00:00

The tables are created from their definitions in aupguard.store.records_tables as they stand at
this revision; a later change gets its own migration. The search index is kept by triggers on
`items`, so the scan's hot path does no search work in Python: SQLite gets FTS5 tables keyed by
the items' rowid, PostgreSQL GIN indexes on expressions (aupguard.archive.search
uses the same expressions, which is what lets PostgreSQL use the indexes).
"""

from __future__ import annotations

from alembic import op

from aupguard.store import records_tables as rt

revision = "0002"
down_revision = "0001"
branch_labels = ("records",)
depends_on = None

_TABLES = [
    rt.archive_links,
    rt.archive_entries,
    rt.archive_tombstones,
    rt.retention_classes,
    rt.retention_rules,
    rt.item_retention,
    rt.retention_changes,
    rt.legal_holds,
    rt.disposition_batches,
    rt.disposition_items,
    rt.records_requests,
    rt.request_items,
    rt.redactions,
    rt.request_events,
    rt.calendar_days,
    rt.restore_tests,
]

# SQLite: one FTS5 index over subject, body, sender name and "people", the addresses an item was
# sent from and to, each written as one alphanumeric token (see address_token below and
# aupguard.archive.search.address_tokens), so a keyword + person query is a single MATCH that
# FTS5 answers by intersecting two posting lists. Its content is the view items_search (items'
# own rowid and text, so no text is stored twice and 'rebuild' / 'integrity-check' work).
# Indexing is deferred: the insert trigger only appends the new rowid to search_pending (a cheap
# sequential append, so the scan's single writer stays fast), and aupguard.archive.search
# indexes what is pending, in chunks, before it searches (and `aupguard archive index`).


def address_token(expr: str) -> str:
    """An address as one token: 'a' + the address with @ . + - _ : spelled out in letters and
    digits. Keep in step with aupguard.archive.search.address_tokens."""
    for char, spelled in (
        ("@", "0at0"),
        (".", "0dot0"),
        ("+", "0plus0"),
        ("-", "0dash0"),
        ("_", "0us0"),
        (":", "0col0"),
    ):
        expr = f"replace({expr}, '{char}', '{spelled}')"
    return f"'a' || {expr}"


def people(r: str) -> str:
    # Recipients are a JSON list of strings: spelling out the punctuation of the whole list and
    # turning each quote into " a" gives one "a..." token per address (the brackets and commas
    # split tokens; a stray "a" token matches no address). No subquery: FTS5's integrity check
    # reads this view and does not accept one.
    recipients = address_token(f"{r}.recipients").removeprefix("'a' || ")
    return f"{address_token(f'coalesce({r}.sender, {chr(39) * 2})')} || ' ' || replace({recipients}, '\"', ' a')"


def document(r: str) -> str:
    return f"coalesce({r}.subject, ''), {r}.body, coalesce({r}.sender_name, ''), {people(r)}"


_NOT_PENDING = "WHERE NOT EXISTS (SELECT 1 FROM search_pending WHERE doc = old.rowid)"
_COLUMNS = "subject, body, sender_name, people"

_SQLITE = [
    f"CREATE VIEW items_search AS SELECT rowid AS doc, subject, body, sender_name, {people('items')} AS people "
    "FROM items",
    f"CREATE VIRTUAL TABLE items_fts USING fts5({_COLUMNS}, content='items_search', content_rowid='doc', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TABLE search_pending (doc INTEGER PRIMARY KEY)",
    "CREATE TRIGGER items_search_ai AFTER INSERT ON items BEGIN "
    "INSERT INTO search_pending(doc) VALUES (new.rowid); END",
    # An indexed row of an external-content FTS5 table is removed by repeating the values it was
    # indexed with; a row still pending was never indexed.
    f"""CREATE TRIGGER items_search_ad AFTER DELETE ON items BEGIN
  INSERT INTO items_fts(items_fts, rowid, {_COLUMNS}) SELECT 'delete', old.rowid, {document("old")} {_NOT_PENDING};
  DELETE FROM search_pending WHERE doc = old.rowid;
END""",
    f"""CREATE TRIGGER items_search_au AFTER UPDATE OF subject, body, sender, sender_name, recipients
ON items BEGIN
  INSERT INTO items_fts(items_fts, rowid, {_COLUMNS}) SELECT 'delete', old.rowid, {document("old")} {_NOT_PENDING};
  INSERT OR IGNORE INTO search_pending(doc) VALUES (new.rowid);
END""",
    # Items scanned before this migration are indexed by the first search.
    "INSERT INTO search_pending(doc) SELECT rowid FROM items",
]

# PostgreSQL: GIN indexes on expressions; aupguard.archive.search uses exactly these expressions,
# which is what lets the planner use the indexes. GIN's pending list keeps inserts cheap.
PG_DOCUMENT = "to_tsvector('english', coalesce(subject, '') || ' ' || coalesce(sender_name, '') || ' ' || body)"
# Person filters use the existing B-tree index on items.sender and this GIN index on recipients.
_POSTGRESQL = [
    f"CREATE INDEX ix_items_fulltext ON items USING GIN ({PG_DOCUMENT})",
    "CREATE INDEX ix_items_recipients ON items USING GIN (recipients)",
]


def upgrade() -> None:
    bind = op.get_bind()
    for table in _TABLES:
        table.create(bind)
    if bind.dialect.name == "sqlite":
        for statement in _SQLITE:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        for statement in _POSTGRESQL:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("items_search_ai", "items_search_ad", "items_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS items_fts")
        op.execute("DROP TABLE IF EXISTS search_pending")
        op.execute("DROP VIEW IF EXISTS items_search")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_items_fulltext")
        op.execute("DROP INDEX IF EXISTS ix_items_recipients")
    for table in reversed(_TABLES):
        table.drop(bind)
