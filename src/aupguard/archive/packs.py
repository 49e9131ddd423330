"""The archive folder: original bytes appended to pack files, found through a small catalog.

A scan stores every message it reads. One file per message cost more than parsing the message
(about 0.35 ms of file-system work each on ext4: create, write, rename), so objects are appended to
pack files instead, the way git packs its objects:

    archive/packs/pack-<time>-<pid>-<random>.pack   records, appended
    archive/catalog.sqlite                          sha256 -> (pack, offset, length)

Each record is a 41-byte header (magic, state, the object's sha256, payload length) followed by
the Zstandard-compressed bytes, so a pack describes itself: `rebuild_catalog` recovers a lost or
damaged catalog by walking the packs and checking every object against its hash.

A process appends only to a pack it holds an exclusive lock on (flock), so two workers never
write to the same file; it takes over a pack with room that nobody holds, so scan after scan
fills the same packs. A new pack is made under a hidden name, locked, and only then renamed into
place and listed, so no other process can take it over from its maker. The catalog is SQLite in
WAL mode, which serialises the short transactions. A batch is durable before it is listed: the
pack is flushed to disk (fdatasync), then its catalog rows are committed in one transaction. A
crash in between leaves unlisted bytes past the pack's listed end, never a listed object that is
not there; the next process to take the pack over cuts them off.

Deleting (records disposition) overwrites the object's bytes with zeros in place and marks its
header erased before the catalog forgets it: the original is destroyed at once, not left behind
in a file for a later compaction.

Archives written before packs kept one file per object (objects/ab/<sha256>.zst); those objects
stay readable and deletable here, and new objects go to packs.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import secrets
import sqlite3
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aupguard.archive.codec import SUFFIX, compress, object_key, verified

log = logging.getLogger(__name__)

MAGIC = b"AGB1"
LIVE, ERASED = b"L", b"E"
# magic, state, sha256 (raw), payload length
HEADER = struct.Struct(">4sc32sI")
# A pack is closed and a new one begun past this size: erasure and recovery read or rewrite
# within one pack, and backups copy whole files, so packs stay at a size that is quick to handle.
PACK_LIMIT = 256 * 1024 * 1024

_SCHEMA = """
-- `end`: where the pack's last listed record ends; bytes past it are a crashed write's leftovers.
CREATE TABLE IF NOT EXISTS packs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "end" INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS blobs (
    sha BLOB PRIMARY KEY,
    pack INTEGER NOT NULL REFERENCES packs(id),
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL
) WITHOUT ROWID;
"""


# A pack's catalog id, listing it if it is not listed yet.
_LIST_PACK = "INSERT INTO packs (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id"

# How long a catalog connection waits for another process's write (SQLite's busy timeout), and
# for its turn to switch a new catalog to WAL.
CATALOG_TIMEOUT = 60.0


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put the catalog in WAL mode (a no-op once it is). Switching a new catalog needs it to
    itself, and a process that tries while another one does (the scan's workers opening a new
    archive together) gets "database is locked" at once: SQLite's busy timeout does not cover
    this case, so the switch is tried again, with growing pauses, for up to CATALOG_TIMEOUT."""
    deadline = time.monotonic() + CATALOG_TIMEOUT
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One catalog transaction: all of it or none of it.

    The catalog's connections are in autocommit mode (isolation_level=None, so Python's sqlite3
    never opens a transaction behind their back), where `with db:` opens none either: each
    statement was its own transaction. When the disk filled up in the middle of a batch, the
    catalog kept the first rows of the batch and not the pack's new end, and the next process to
    take the pack over cut the file at that end and wrote over bytes the catalog still listed.
    IMMEDIATE takes the write lock at the start (waiting up to CATALOG_TIMEOUT for it), so no
    other writer can come between the reads and writes of a transaction either."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # SQLite itself rolls back on some errors (a full disk)
            db.execute("ROLLBACK")
        raise


@dataclass(frozen=True)
class Location:
    """Where an object's compressed bytes lie: `length` bytes at `offset` in `pack`."""

    pack: Path
    offset: int
    length: int


class _OpenPack:
    """The pack this process appends to, locked (flock) so no other process appends to it."""

    def __init__(self, pack_id: int, fd: int, size: int) -> None:
        self.pack_id = pack_id
        self.fd = fd
        self.size = size
        self.pid = os.getpid()  # a forked child inherits this object but must not append with it

    @classmethod
    def claim(cls, path: Path, pack_id: int, end: int, last_listed: Callable[[], int]) -> _OpenPack | None:
        """Lock the listed pack `path` for appending, cut to `end`; None when another process
        holds it (or it is gone). `last_listed()`: where the last record the catalog lists in
        this pack ends."""
        try:
            fd = os.open(path, os.O_WRONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        if os.fstat(fd).st_size > end:
            # Catalogs written before batches were one transaction (`_transaction`) may list
            # records past the pack's end: a batch cut short by a full disk kept its first rows.
            # Those bytes are kept; only what no row lists is cut.
            end = max(end, last_listed())
        os.ftruncate(fd, end)  # drop what a crashed writer left past the last listed record
        return cls(pack_id, fd, end)


class PackStore:
    """Blobs in a folder: packs plus catalog (new objects), loose files (older archives)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.packs_dir = root / "packs"
        self.catalog_path = root / "catalog.sqlite"
        self._local = threading.local()  # per thread: (pid, sqlite connection)
        self._lock = threading.Lock()  # one appender at a time within a process
        self._pack: _OpenPack | None = None

    def __getstate__(self) -> dict[str, object]:
        # Pickled into a worker: connections, locks and open packs are made anew there.
        return {"root": self.root}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(state["root"])  # type: ignore[misc]

    def _own_pack(self) -> _OpenPack | None:
        """The pack this process opened (not one inherited from a parent by fork)."""
        return self._pack if self._pack is not None and self._pack.pid == os.getpid() else None

    def describe(self) -> str:
        return str(self.root)

    def ready(self) -> None:
        """Make the folder and its catalog now, and let go of the connection: a parent process
        calls this before starting processes that write here (the scan's workers), so that they
        find a catalog instead of all making one at once (see `_use_wal`), and none of them takes
        another's first pack for a lost catalog's (`_db` rebuilds when packs exist without one)."""
        self._db()
        self.close()

    def close(self) -> None:
        """Close this thread's catalog connection and this process's pack. SQLite folds the
        write-ahead log into catalog.sqlite when its last connection closes, so the folder can
        then be copied as plain files."""
        held = getattr(self._local, "conn", None)
        if held is not None and held[0] == os.getpid():
            held[1].close()
            self._local.conn = None
        with self._lock:
            if (pack := self._own_pack()) is not None:
                os.close(pack.fd)
            self._pack = None

    # ------------------------------------------------------------------ catalog

    def _db(self) -> sqlite3.Connection:
        """This thread's catalog connection. A connection made before a fork is never used in
        the child (SQLite forbids it), so connections are per process id as well as per thread."""
        held = getattr(self._local, "conn", None)
        if held is not None and held[0] == os.getpid():
            return held[1]
        fresh = not self.catalog_path.exists()
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            conn = self._connect()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError):
                raise  # locked, no space, no permission: nothing a rebuild would mend
            # Not a database any more: keep the damaged file for inspection, rebuild from the packs.
            damaged = self.catalog_path.with_name(f"{self.catalog_path.name}.damaged-{time.time_ns()}")
            log.warning("archive catalog %s is damaged (%s): moved to %s and rebuilt", self.catalog_path, exc, damaged)
            self.catalog_path.rename(damaged)
            for suffix in ("-wal", "-shm"):
                self.catalog_path.with_name(self.catalog_path.name + suffix).unlink(missing_ok=True)
            fresh, conn = True, self._connect()
        self._local.conn = (os.getpid(), conn)
        if fresh and self.packs_dir.is_dir() and any(self.packs_dir.glob("*.pack")):
            self.rebuild_catalog()  # the catalog was lost: the packs say what they hold
        return conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.catalog_path, timeout=CATALOG_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        try:
            _use_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def location(self, sha256: str) -> Location | None:
        """Where the object's bytes are, if it is in a pack (None for loose or absent objects)."""
        row = (
            self._db()
            .execute(
                "SELECT packs.name, blobs.offset, blobs.length FROM blobs JOIN packs ON packs.id = blobs.pack "
                "WHERE blobs.sha = ?",
                (bytes.fromhex(sha256),),
            )
            .fetchone()
        )
        return Location(self.packs_dir / row[0], row[1], row[2]) if row else None

    def _present(self, digests: list[str]) -> set[str]:
        """Those of `digests` that are stored: listed in the catalog, or loose files."""
        found = self._listed(digests)
        if self._has_loose_objects():
            found.update(sha for sha in digests if sha not in found and self._loose_path(sha).exists())
        return found

    def _listed(self, digests: list[str]) -> set[str]:
        found: set[str] = set()
        db = self._db()
        for start in range(0, len(digests), 500):
            chunk = [bytes.fromhex(d) for d in digests[start : start + 500]]
            marks = ",".join("?" * len(chunk))
            found.update(r[0].hex() for r in db.execute(f"SELECT sha FROM blobs WHERE sha IN ({marks})", chunk))
        return found

    # ------------------------------------------------------------------ loose objects (older archives)

    def _loose_path(self, sha256: str) -> Path:
        return self.root / object_key(sha256)

    def _has_loose_objects(self) -> bool:
        return (self.root / "objects").is_dir()

    # ------------------------------------------------------------------ writing

    def _writable_pack(self, db: sqlite3.Connection) -> _OpenPack:
        pack = self._own_pack()
        if pack is not None:
            if pack.size < PACK_LIMIT:
                return pack
            os.close(pack.fd)
        self._pack = self._claim_a_pack(db)
        return self._pack

    def _claim_a_pack(self, db: sqlite3.Connection) -> _OpenPack:
        """A pack with room that no other process is appending to, else a new one: one scan after
        another (or a restarted gateway) fills the same packs instead of leaving many small ones."""
        rows = db.execute('SELECT id, name, "end" FROM packs WHERE "end" < ? ORDER BY id DESC', (PACK_LIMIT,))
        for pack_id, name, end in rows.fetchall():

            def last_listed(pack_id: int = pack_id) -> int:
                query = "SELECT coalesce(max(offset + length), 0) FROM blobs WHERE pack = ?"
                return int(db.execute(query, (pack_id,)).fetchone()[0])

            claimed = _OpenPack.claim(self.packs_dir / name, pack_id, end, last_listed)
            if claimed is not None:
                return claimed
        return self._new_pack(db)

    def _new_pack(self, db: sqlite3.Connection) -> _OpenPack:
        """A new, empty pack, locked by this process before any other can see it.

        Another process looking for a pack with room takes any listed pack it can lock, and one
        that found no catalog when it started lists every pack file there is (`rebuild_catalog`).
        So a pack is made under a name no one looks for, locked, and only then renamed into
        place and listed: otherwise two scan workers starting together on a new archive could
        take each other's new pack, leaving its maker without one."""
        self.packs_dir.mkdir(parents=True, exist_ok=True)
        path = self.packs_dir / f"pack-{time.time_ns()}-{os.getpid()}-{secrets.token_hex(4)}.pack"
        making = path.with_name(f".{path.name}.new")
        fd = os.open(making, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a name of its own: nobody else has it open
            os.rename(making, path)  # the lock belongs to the open file, so it holds after the rename
            with _transaction(db):
                # A process rebuilding a lost catalog may have listed it already: then its id is used.
                pack_id = db.execute(_LIST_PACK, (path.name,)).fetchone()[0]
        except BaseException:
            os.close(fd)
            making.unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            raise
        return _OpenPack(pack_id, fd, 0)

    def put_many(self, objects: Iterable[tuple[bytes, str | None]]) -> list[str]:
        """Store each (raw bytes, sha256 or None) not yet stored; returns the digests in order.

        The whole batch is one write, one flush and one catalog transaction."""
        pairs = [(raw, sha or hashlib.sha256(raw).hexdigest()) for raw, sha in objects]
        digests = [sha for _, sha in pairs]
        present = self._present(digests)
        todo: dict[str, bytes] = {}
        for raw, sha in pairs:
            if sha not in present and sha not in todo:
                todo[sha] = compress(raw)
        if not todo:
            return digests
        db = self._db()
        with self._lock:
            pack = self._writable_pack(db)
            chunks: list[bytes] = []
            rows: list[tuple[bytes, int, int, int]] = []
            offset = pack.size
            for sha, payload in todo.items():
                key = bytes.fromhex(sha)
                chunks += (HEADER.pack(MAGIC, LIVE, key, len(payload)), payload)
                rows.append((key, pack.pack_id, offset + HEADER.size, len(payload)))
                offset += HEADER.size + len(payload)
            data = memoryview(b"".join(chunks))
            written = 0
            while written < len(data):
                written += os.pwrite(pack.fd, data[written:], pack.size + written)
            os.fdatasync(pack.fd)  # on disk before the catalog lists it
            with _transaction(db):
                db.executemany("INSERT OR IGNORE INTO blobs (sha, pack, offset, length) VALUES (?, ?, ?, ?)", rows)
                db.execute('UPDATE packs SET "end" = ? WHERE id = ?', (offset, pack.pack_id))
            # Only once listed: after a failed write or catalog transaction the next batch writes
            # over the unlisted bytes, so the pack stays the listed records and nothing between.
            pack.size = offset
        return digests

    def put(self, raw: bytes, sha256: str | None = None) -> str:
        return self.put_many([(raw, sha256)])[0]

    # ------------------------------------------------------------------ reading

    def has(self, sha256: str) -> bool:
        return bool(self._present([sha256]))

    def get(self, sha256: str) -> bytes:
        where = self.location(sha256)
        if where is None:
            try:
                return verified(sha256, self._loose_path(sha256).read_bytes())
            except FileNotFoundError as exc:
                raise KeyError(f"blob {sha256} is not in the archive at {self.root}") from exc
        try:
            with open(where.pack, "rb") as fh:
                fh.seek(where.offset)
                compressed = fh.read(where.length)
        except FileNotFoundError as exc:
            raise KeyError(f"blob {sha256} is not in the archive at {self.root}: {where.pack.name} is gone") from exc
        if len(compressed) < where.length:
            raise KeyError(f"blob {sha256} is not in the archive at {self.root}: {where.pack.name} was cut short")
        return verified(sha256, compressed)

    def ids(self) -> Iterator[str]:
        after = b""
        while True:  # a page at a time: a million ids need not sit in memory at once
            page = self._db().execute("SELECT sha FROM blobs WHERE sha > ? ORDER BY sha LIMIT 10000", (after,))
            shas = [sha for (sha,) in page.fetchall()]
            yield from (sha.hex() for sha in shas)
            if len(shas) < 10000:
                break
            after = shas[-1]
        if self._has_loose_objects():
            for path in (self.root / "objects").glob(f"*/*{SUFFIX}"):
                yield path.name[: -len(SUFFIX)]

    # ------------------------------------------------------------------ deleting

    def delete_many(self, digests: Iterable[str]) -> None:
        """Destroy the objects' bytes: zeros over them in their pack, then out of the catalog."""
        digests = list(digests)
        db = self._db()
        erased: list[bytes] = []
        for sha in digests:
            where = self.location(sha)
            if where is not None:
                self._erase(where)
                erased.append(bytes.fromhex(sha))
            if self._has_loose_objects():
                self._loose_path(sha).unlink(missing_ok=True)
        with _transaction(db):
            db.executemany("DELETE FROM blobs WHERE sha = ?", [(k,) for k in erased])

    def delete(self, sha256: str) -> None:
        self.delete_many([sha256])

    @staticmethod
    def _erase(where: Location) -> None:
        try:
            fd = os.open(where.pack, os.O_WRONLY)
        except FileNotFoundError:
            return  # the pack is gone already: nothing left to destroy
        try:
            os.pwrite(fd, ERASED, where.offset - HEADER.size + len(MAGIC))
            os.pwrite(fd, bytes(where.length), where.offset)
            os.fdatasync(fd)
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ recovery

    def rebuild_catalog(self) -> int:
        """List again every intact live object of every pack (after the catalog was lost or
        damaged). Objects whose bytes no longer match their hash, and a pack's cut-off tail, are
        left out. Returns how many objects are listed."""
        db = self._db()
        listed = 0
        for path in sorted(self.packs_dir.glob("*.pack")):
            # A transaction per pack: its objects and its end are listed together, and other
            # writers wait for one pack's walk (at most PACK_LIMIT bytes), not the whole archive's.
            with _transaction(db):
                pack_id = db.execute(_LIST_PACK, (path.name,)).fetchone()[0]
                end = 0
                for sha, offset, length in _records(path):
                    end = offset + length
                    if sha is not None:
                        db.execute(
                            "INSERT OR REPLACE INTO blobs (sha, pack, offset, length) VALUES (?, ?, ?, ?)",
                            (bytes.fromhex(sha), pack_id, offset, length),
                        )
                        listed += 1
                db.execute('UPDATE packs SET "end" = ? WHERE id = ?', (end, pack_id))
        return listed


def _records(path: Path) -> Iterator[tuple[str | None, int, int]]:
    """(sha256, payload offset, payload length) of each whole record of a pack, with sha256 None
    for an erased record or one whose bytes no longer match their hash; stops at a record that is
    cut off or not a record. Reads one record at a time, so memory stays small."""
    with open(path, "rb") as fh:
        at = 0
        while len(header := fh.read(HEADER.size)) == HEADER.size:
            magic, state, key, length = HEADER.unpack(header)
            if magic != MAGIC:
                return
            payload = fh.read(length)
            if len(payload) < length:
                return
            start = at + HEADER.size
            sha: str | None = None
            if state == LIVE:
                try:
                    verified(key.hex(), payload)
                    sha = key.hex()
                except ValueError:
                    pass
            yield sha, start, length
            at = start + length
