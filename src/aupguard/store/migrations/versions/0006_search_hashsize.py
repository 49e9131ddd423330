"""search: a larger FTS5 pending-terms buffer (SQLite)

FTS5 keeps the terms of the rows being indexed in memory and writes them out as a new index
segment each time that buffer passes `hashsize` (1 MB by default), then merges segments in the
background of later writes. Indexing a scan's items in bulk (archive.search.catch_up) with the
default wrote a small segment every few hundred messages and spent most of its time merging
them again: 5,200 items/s on a 257,000-message mbox. With a 32 MB buffer, segments are 32 times
larger and the same catch-up runs at 8,900 items/s (bench/scan_throughput.py, docs/benchmarks.md).
The buffer exists only while a write transaction indexes rows, so memory at rest is unchanged.
Search results are the same: this changes how the index is written, not what it holds.

Revision ID: 0006
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None

HASHSIZE = 32 * 1024 * 1024
FTS5_DEFAULT_HASHSIZE = 1024 * 1024


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # FTS5 keeps the setting in its own items_fts_config table, so it holds for every connection.
        op.execute(f"INSERT INTO items_fts(items_fts, rank) VALUES ('hashsize', {HASHSIZE})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"INSERT INTO items_fts(items_fts, rank) VALUES ('hashsize', {FTS5_DEFAULT_HASHSIZE})")
