"""Opening the database: engine options per dialect, and migrations to the latest schema."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, insert

MIGRATIONS = str(files("aupguard.store") / "migrations")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the console read while a scan writes; NORMAL is durable across app crashes
    # (a power loss can lose the last transactions, never corrupt the file).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # Checkpoint the log every 20,000 pages (about 80 MB) instead of SQLite's 1,000: a scan's
    # inserts land all over the item-id indexes, and a longer log copies each hot index page back
    # into the database once per checkpoint instead of many times (the scan's single writer spent
    # about a quarter less time storing at 150,000 items: bench figures in docs/benchmarks.md).
    cur.execute("PRAGMA wal_autocheckpoint=20000")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the latest migration (idempotent).

    "heads": each capability (records, console, posture) adds its tables on its own branch from
    the initial schema, so there can be several heads; all of them are applied."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def is_current(engine: Engine) -> bool:
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == set(script.get_heads())


def insert_ignore(engine_or_dialect_name: str, table: Any) -> Any:
    """INSERT that skips rows whose key already exists, on SQLite and PostgreSQL alike."""
    if engine_or_dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    if engine_or_dialect_name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    return insert(table)
