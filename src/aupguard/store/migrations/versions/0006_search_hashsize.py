"""search: a larger FTS5 pending-terms buffer (SQLite)

FTS5 keeps the terms of the rows being indexed in memory and writes them out as a new index
segment each time that buffer passes `hashsize` (1 MB by default), then merges segments again
during later writes. Indexing a scan's items in bulk (archive.search.catch_up) with the default
wrote a small segment every few hundred messages and spent much of its time merging them. With
an 8 MB buffer (and 20,000 items per transaction) the catch-up after a 257,000-message scan ran
at 10,000 items/s instead of 5,200; 16 and 32 MB were no faster within the host's noise, and a
process keeps the heap the buffer grew (docs/benchmarks.md). The buffer exists only while a write
transaction indexes rows. Search results are the same: this changes how the index is written,
not what it holds.

Revision ID: 0006
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None

HASHSIZE = 8 * 1024 * 1024
FTS5_DEFAULT_HASHSIZE = 1024 * 1024


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # FTS5 keeps the setting in its own items_fts_config table, so it holds for every connection.
        op.execute(f"INSERT INTO items_fts(items_fts, rank) VALUES ('hashsize', {HASHSIZE})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"INSERT INTO items_fts(items_fts, rank) VALUES ('hashsize', {FTS5_DEFAULT_HASHSIZE})")
