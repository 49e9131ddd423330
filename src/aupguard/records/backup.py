"""`aupguard backup DEST` and `aupguard restore SRC`: a consistent, verifiable copy of a workspace,
taken online (while scans run), and its restore into an empty workspace, checked by
`archive verify` and recorded as evidence for 401.13R1's disaster-recovery procedures.

Consistency: the database is copied first, as one snapshot (SQLite's online backup API; on
PostgreSQL a REPEATABLE READ, read-only transaction dumped table by table as JSON Lines, so no
pg_dump is needed), then the blobs of exactly the items in that snapshot. A scan writes an
item's blob before its row, so every row in the snapshot has its blob; blobs written later are
simply not in the backup. The manifest lists every file with its SHA-256, the row counts and the
chain head at the snapshot.

Layout of a backup folder:
    manifest.json
    database.sqlite3            (SQLite workspaces)  or  tables/<table>.jsonl  (PostgreSQL)
    archive/catalog.sqlite, archive/packs/*.pack   (archive/packs.py)
    policy/*.yaml
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, func, select, text

from aupguard import config
from aupguard.archive import chain
from aupguard.archive.blobs import BlobStore
from aupguard.archive.verify import verify
from aupguard.store import audit_repo
from aupguard.store.records_tables import restore_tests
from aupguard.workspace import Workspace

# 2: the archive folder holds pack files and their catalog (archive/packs.py); 1: one file per
# object. This version restores both.
FORMAT = 2
# Objects copied per write into the backup's archive (one pack append and catalog transaction each).
COPY_BATCH = 500
# Rebuilt by triggers when items are inserted; never copied.
DERIVED = {"alembic_version", "items_search"}


class BackupError(Exception):
    pass


@dataclass
class BackupResult:
    dest: Path
    manifest: dict[str, Any]
    missing_blobs: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, bytes | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, Decimal):
        return float(value)
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((k, v),) = value.items()
        if k == "$dt":
            return datetime.fromisoformat(v)
        if k == "$d":
            return date.fromisoformat(v)
        if k == "$b":
            return base64.b64decode(v)
    return value


def _user_tables(conn: Connection) -> MetaData:
    meta = MetaData()
    meta.reflect(conn)
    for name in list(meta.tables):
        if name in DERIVED or name.startswith(("items_fts", "items_people", "sqlite_")):
            meta.remove(meta.tables[name])
    return meta


# ----------------------------------------------------------------------------- backup


def backup(ws: Workspace, dest: Path, *, actor: str | None = None) -> BackupResult:
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty; back up into a new folder")
    made = not dest.exists()
    dest.mkdir(parents=True, exist_ok=True)
    try:
        return _write_backup(ws, dest, actor)
    except BaseException:
        # A backup cut short (a full disk, Ctrl-C) is no backup: what it wrote goes, so that the
        # same command can be run again into the same folder, which was empty.
        _remove_contents(dest, made)
        raise


def _remove_contents(dest: Path, made: bool) -> None:
    for entry in dest.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    if made:
        with contextlib.suppress(OSError):
            dest.rmdir()


def _write_backup(ws: Workspace, dest: Path, actor: str | None) -> BackupResult:
    started = datetime.now(UTC)
    engine = ws.engine
    if engine.dialect.name == "sqlite":
        db_files, tables, ids, head = _backup_sqlite(engine, dest)
    else:
        db_files, tables, ids, head = _backup_logical(engine, dest)
    blob_count, missing = _copy_blobs(ws.blobs, ids, BlobStore(dest / "archive"))
    policy = dest / "policy"
    policy.mkdir()
    for pack in sorted(ws.policy_dir.glob("*.yaml")):
        shutil.copy2(pack, policy / pack.name)
    files = {str(p.relative_to(dest)): _sha256(p) for p in sorted([*db_files, *policy.glob("*.yaml")])}
    manifest = {
        "format": FORMAT,
        "created_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "source": {"workspace": str(ws.root), "database": engine.dialect.name},
        "chain_head": head,
        "tables": tables,
        "items": len(ids),
        "blobs": blob_count,
        "missing_blobs": missing,
        "files": files,
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    audit_repo.record(
        engine,
        "backup",
        target=str(dest),
        actor=actor,
        items=len(ids),
        blobs=blob_count,
        missing_blobs=len(missing),
        head=head,
    )
    return BackupResult(dest, manifest, missing)


def _snapshot_facts(conn: Connection, meta: MetaData) -> tuple[dict[str, int], list[str], dict[str, Any]]:
    tables = {name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for name, t in meta.tables.items()}
    ids = list(conn.scalars(text("SELECT id FROM items ORDER BY id"))) if "items" in meta.tables else []
    head = chain.head(conn).as_dict()
    return tables, ids, head


def _backup_sqlite(engine: Engine, dest: Path) -> tuple[list[Path], dict[str, int], list[str], dict[str, Any]]:
    target = dest / "database.sqlite3"
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # all pages in one step: one consistent snapshot, writers wait briefly
        finally:
            copy.close()
    finally:
        raw.close()
    snap = create_engine(f"sqlite:///{target}")
    try:
        with snap.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=DELETE")  # a single self-contained file
            tables, ids, head = _snapshot_facts(conn, _user_tables(conn))
    finally:
        snap.dispose()
    return [target], tables, ids, head


def _backup_logical(engine: Engine, dest: Path) -> tuple[list[Path], dict[str, int], list[str], dict[str, Any]]:
    folder = dest / "tables"
    folder.mkdir()
    paths = []
    with (
        engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True) as conn,
        conn.begin(),
    ):
        meta = _user_tables(conn)
        tables, ids, head = _snapshot_facts(conn, meta)
        for name, table in meta.tables.items():
            path = folder / f"{name}.jsonl"
            with path.open("w", encoding="utf-8") as f:
                rows = conn.execution_options(stream_results=True, yield_per=2000).execute(select(table))
                for row in rows.mappings():
                    f.write(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
            paths.append(path)
    return paths, tables, ids, head


def _copy_blobs(source: BlobStore, ids: list[str], target: BlobStore) -> tuple[int, list[str]]:
    """Copy the objects `ids` from `source` to `target`, checking each against its hash on the
    way; returns how many were copied and which were missing or damaged in the source."""
    copied, missing = 0, []
    batch: list[tuple[bytes, str | None]] = []
    for item_id in ids:
        try:
            batch.append((source.get(item_id), item_id))  # get() checks the hash on the way
        except (KeyError, ValueError):
            missing.append(item_id)  # recorded in the manifest; verify after restore names it
        if len(batch) >= COPY_BATCH:
            copied += len(target.put_many(batch))
            batch = []
    if batch:
        copied += len(target.put_many(batch))
    target.close()  # the copied catalog is whole on disk, ready to be copied as files
    return copied, missing


# ----------------------------------------------------------------------------- restore


def _source_rows(src: Path, table: str) -> Iterator[dict[str, Any]]:
    path = src / "tables" / f"{table}.jsonl"
    if path.exists():
        with path.open(encoding="utf-8") as f:
            for line in f:
                yield {k: _decode(v) for k, v in json.loads(line).items()}


def restore(src: Path, home: Path, *, actor: str | None = None) -> dict[str, Any]:
    """Restore a backup into an empty workspace at `home` (database per AUPGUARD_DATABASE_URL,
    else SQLite in the folder), run `archive verify`, and record the restore test."""
    manifest_path = src / "manifest.json"
    if not manifest_path.exists():
        raise BackupError(f"{src} has no manifest.json: not an aupguard backup")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if int(manifest.get("format", 1)) > FORMAT:
        raise BackupError(
            f"{src} is a backup of format {manifest['format']}, newer than this aupguard reads ({FORMAT}): "
            "restore it with the version that made it, or a later one"
        )
    bad = [
        name for name, digest in manifest["files"].items() if not (src / name).exists() or _sha256(src / name) != digest
    ]
    if bad:
        raise BackupError(f"backup files missing or altered: {', '.join(bad)}")
    if home.exists() and any(home.iterdir()):
        raise BackupError(f"{home} is not empty; restore into a new folder")
    home.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src / "policy", home / "policy")
    if (src / "archive").is_dir():
        shutil.copytree(src / "archive", home / "archive")
    url = config.database_url(home)
    sqlite_file = src / "database.sqlite3"
    if url.startswith("sqlite") and sqlite_file.exists():
        shutil.copy2(sqlite_file, home / "aupguard.db")
        ws = Workspace.init(home)  # brings the schema up to date if the backup is older
    else:
        ws = Workspace.init(home)
        _check_empty(ws.engine)
        _load_rows(ws.engine, src, sqlite_file if sqlite_file.exists() else None)
    if ws.blobs.remote is not None:  # the restored workspace keeps its blobs in a bucket
        _copy_blobs(BlobStore(home / "archive"), list(BlobStore(home / "archive").ids()), ws.blobs)
    report = verify(ws.engine, ws.blobs)
    with ws.engine.connect() as conn:
        items_now = int(conn.scalar(text("SELECT count(*) FROM items")) or 0)
        head_now = chain.head(conn).as_dict()
    expected_head = manifest["chain_head"]
    checks = {
        "verify_ok": report.ok,
        "items_match": items_now == manifest["items"],
        "head_matches": head_now["seq"] == expected_head["seq"] and head_now["hash"] == expected_head["hash"],
        "no_missing_blobs": not manifest["missing_blobs"],
    }
    ok = all(checks.values())
    result = {
        "ok": ok,
        "checks": checks,
        "items": items_now,
        "head": head_now,
        "problems": [p.as_dict() for p in report.problems[:100]],
    }
    with ws.engine.begin() as conn:
        conn.execute(
            restore_tests.insert().values(
                at=datetime.now(UTC),
                actor=actor or audit_repo.current_actor(),
                source=str(src),
                backup_taken_at=datetime.fromisoformat(manifest["created_at"]),
                items=items_now,
                ok=ok,
                report=result,
            )
        )
        audit_repo.record_in(conn, "restore", target=str(home), actor=actor, source=str(src), ok=ok, items=items_now)
    ws.close()
    return result


def _check_empty(engine: Engine) -> None:
    with engine.connect() as conn:
        if conn.scalar(text("SELECT count(*) FROM items")) or conn.scalar(text("SELECT count(*) FROM audit_log")):
            raise BackupError("the target database is not empty; restore into a new database")


def _load_rows(engine: Engine, src: Path, sqlite_file: Path | None) -> None:
    """Copy every table's rows into the freshly migrated target, parents before children."""
    source_engine = create_engine(f"sqlite:///{sqlite_file}") if sqlite_file else None
    try:
        with engine.begin() as conn:
            target = _user_tables(conn)
            source_meta = None
            if source_engine is not None:
                with source_engine.connect() as sconn:
                    source_meta = _user_tables(sconn)
            for table in target.sorted_tables:
                if source_meta is not None and source_engine is not None:
                    if table.name not in source_meta.tables:
                        continue
                    with source_engine.connect() as sconn:
                        rows = [dict(r) for r in sconn.execute(select(source_meta.tables[table.name])).mappings()]
                else:
                    rows = list(_source_rows(src, table.name))
                rows = [_fit(table, r) for r in rows]
                for start in range(0, len(rows), 1000):
                    conn.execute(table.insert(), rows[start : start + 1000])
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, target)
    finally:
        if source_engine is not None:
            source_engine.dispose()


def _fit(table: Any, row: dict[str, Any]) -> dict[str, Any]:
    """Only the target's columns; naive timestamps (SQLite) are UTC."""
    out = {}
    for name, value in row.items():
        if name not in table.c:
            continue
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        out[name] = value
    return out


def _reset_sequences(conn: Connection, meta: MetaData) -> None:
    for table in meta.tables.values():
        if "id" in table.c and table.c.id.autoincrement and str(table.c.id.type).upper().startswith("INT"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                )
            )


def restore_history(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(restore_tests).order_by(restore_tests.c.id)).mappings()]
