"""Alembic environment: runs migrations on the connection aupguard hands over (see store.db)."""

from __future__ import annotations

from alembic import context

from aupguard.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - aupguard always passes its own connection
    raise RuntimeError("run migrations through aupguard (aupguard init / aupguard db upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
