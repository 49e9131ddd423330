"""The folder blob store: pack files plus catalog (archive/packs.py). Round trip, idempotence,
damage detected on read, destruction on delete, older loose objects, and a lost catalog rebuilt
from the packs."""

from __future__ import annotations

import fcntl
import hashlib
import multiprocessing
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from aupguard.archive.blobs import BlobStore
from aupguard.archive.codec import compress, object_key
from aupguard.archive.packs import HEADER, PackStore, _use_wal


def packs(root: Path) -> list[Path]:
    return sorted((root / "packs").glob("*.pack"))


def overwrite_in_pack(store: BlobStore, digest: str, data: bytes) -> None:
    """Write `data` over the object's bytes where they lie, as a tamperer with the file would."""
    where = store.folder.location(digest)
    assert where is not None
    with open(where.pack, "r+b") as fh:
        fh.seek(where.offset)
        fh.write(data[: where.length].ljust(where.length, b"\0"))


def test_round_trip_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    raw = b"From: a@x.example\r\n\r\nhello\r\n"
    digest = store.put(raw)
    assert digest == hashlib.sha256(raw).hexdigest()
    size = packs(tmp_path)[0].stat().st_size
    assert store.put(raw) == digest  # the same bytes again: nothing new written
    assert [p.stat().st_size for p in packs(tmp_path)] == [size]
    assert store.get(digest) == raw and store.has(digest)
    assert list(store.ids()) == [digest]
    where = store.folder.location(digest)
    assert where is not None and size == HEADER.size + where.length  # stored compressed, once
    assert where.pack.read_bytes()[where.offset :] == compress(raw)


def test_a_batch_is_one_append_and_repeats_are_stored_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    raws = [f"message {n}\r\n".encode() * (n + 1) for n in range(50)]
    digests = store.put_many([(raw, None) for raw in raws + raws[:5]])
    assert digests == [hashlib.sha256(r).hexdigest() for r in raws + raws[:5]]
    assert len(packs(tmp_path)) == 1
    assert sorted(store.ids()) == sorted(set(digests)) and len(set(digests)) == 50
    assert all(store.get(d) == r for d, r in zip(digests, raws, strict=False))


def test_damaged_or_missing_blob_is_reported(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"original bytes")
    other = store.put(b"another message")
    overwrite_in_pack(store, digest, compress(b"altered bytes"))
    with pytest.raises(ValueError, match="corrupt"):
        store.get(digest)
    assert store.get(other) == b"another message"  # damage to one object spares its neighbours
    with pytest.raises(KeyError, match="not in the archive"):
        store.get("0" * 64)
    where = store.folder.location(other)
    assert where is not None
    os.truncate(where.pack, where.offset + 2)
    with pytest.raises(KeyError, match="cut short"):
        store.get(other)
    where.pack.unlink()
    with pytest.raises(KeyError, match="is gone"):
        store.get(digest)


def test_delete_destroys_the_bytes_and_keeps_the_neighbours(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    secret = b"Subject: disposed\r\n\r\nthe record the schedule lets go " * 20
    keep = b"Subject: kept\r\n\r\nstill under a hold\r\n"
    gone, kept = store.put_many([(secret, None), (keep, None)])
    payload = compress(secret)
    assert payload in packs(tmp_path)[0].read_bytes()
    store.delete_many([gone])
    assert payload not in packs(tmp_path)[0].read_bytes()  # overwritten, not just unlisted
    assert not store.has(gone) and list(store.ids()) == [kept]
    with pytest.raises(KeyError):
        store.get(gone)
    assert store.get(kept) == keep
    store.delete_many([gone])  # deleting twice is harmless


def test_objects_of_an_older_folder_archive_stay_readable(tmp_path: Path) -> None:
    raw = b"From: old@x.example\r\n\r\nwritten one file per object\r\n"
    digest = hashlib.sha256(raw).hexdigest()
    loose = tmp_path / object_key(digest)
    loose.parent.mkdir(parents=True)
    loose.write_bytes(compress(raw))
    store = BlobStore(tmp_path)
    assert store.has(digest) and store.get(digest) == raw and list(store.ids()) == [digest]
    store.put(raw)  # already there: not copied into a pack
    assert packs(tmp_path) == []
    new = store.put(b"a newer message")
    assert sorted(store.ids()) == sorted([digest, new])
    store.delete(digest)
    assert not loose.exists() and list(store.ids()) == [new]


def test_a_lost_catalog_is_rebuilt_from_the_packs(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    raws = [f"message {n}\r\n".encode() for n in range(20)]
    digests = store.put_many([(r, None) for r in raws])
    store.delete(digests[0])
    overwrite_in_pack(store, digests[1], b"garbage")
    store.close()
    with open(packs(tmp_path)[0], "ab") as fh:
        fh.write(HEADER.pack(b"AGB1", b"L", bytes(32), 10_000) + b"cut off by a crash")
    for name in ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    again = BlobStore(tmp_path)
    # the erased object stays gone, the damaged one is not listed, the cut-off tail is ignored
    assert sorted(again.ids()) == sorted(digests[2:])
    assert all(again.get(d) == r for d, r in zip(digests[2:], raws[2:], strict=True))
    assert again.put(b"after the rebuild") in set(again.ids())


def test_a_damaged_catalog_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digests = store.put_many([(f"message {n}".encode(), None) for n in range(5)])
    store.close()
    (tmp_path / "catalog.sqlite").write_bytes(b"this is no longer a database" * 100)
    again = BlobStore(tmp_path)
    assert sorted(again.ids()) == sorted(digests)
    assert len(list(tmp_path.glob("catalog.sqlite.damaged-*"))) == 1  # kept for inspection


def test_ids_page_through_a_large_catalog(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digests = store.put_many([(f"message {n}".encode(), None) for n in range(10_050)])
    assert list(store.ids()) == sorted(set(digests))


def test_later_writers_fill_the_same_pack_and_drop_a_crashed_write(tmp_path: Path) -> None:
    first = BlobStore(tmp_path)
    a = first.put(b"first scan")
    first.close()
    (pack,) = packs(tmp_path)
    listed_end = pack.stat().st_size
    with open(pack, "ab") as fh:  # a writer killed between its write and its catalog entry
        fh.write(HEADER.pack(b"AGB1", b"L", bytes(32), 50) + b"half a record")
    second = BlobStore(tmp_path)
    b = second.put(b"second scan")
    assert packs(tmp_path) == [pack]  # taken over, not a new pack per run
    where = second.folder.location(b)
    assert where is not None and where.offset == listed_end + HEADER.size  # the leftover was cut
    second.close()
    for name in ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    assert sorted(BlobStore(tmp_path).ids()) == sorted([a, b])  # the walk finds both


def _put_in_child(root: Path, tag: int, out: multiprocessing.Queue[list[str]]) -> None:
    store = BlobStore(root)
    out.put(store.put_many([(f"from worker {tag}, message {n}".encode(), None) for n in range(100)]))


def test_processes_append_to_packs_of_their_own(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    first = store.put(b"written by the parent before the fork")
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[list[str]] = ctx.Queue()
    children = [ctx.Process(target=_put_in_child, args=(tmp_path, tag, out)) for tag in range(3)]
    for child in children:
        child.start()
    written = [out.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    # never the parent's (it still holds it); a child may take over one a finished child let go
    assert 2 <= len(packs(tmp_path)) <= 4
    every = [first, *[d for batch in written for d in batch]]
    assert sorted(BlobStore(tmp_path).ids()) == sorted(every)
    expected = {b"written by the parent before the fork"} | {
        f"from worker {tag}, message {n}".encode() for tag in range(3) for n in range(100)
    }
    assert {store.get(d) for d in every} == expected


def test_a_forked_store_never_uses_its_parents_pack_or_catalog(tmp_path: Path) -> None:
    folder = PackStore(tmp_path)
    folder.put(b"parent")
    parent_pack = folder._pack
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=folder.put, args=(b"child",))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert folder._pack is parent_pack and len(packs(tmp_path)) == 2
    assert folder.get(hashlib.sha256(b"child").hexdigest()) == b"child"


def test_a_new_pack_is_locked_before_the_catalog_lists_it(tmp_path: Path) -> None:
    # Another writer takes over any listed pack it can lock (scan after scan fills the same
    # packs), so a pack listed before its maker locked it could be taken from under it: two
    # scan workers starting together on a new archive failed that way.
    folder = PackStore(tmp_path)
    db = folder._db()
    lockable_when_listed: list[bool] = []

    def lockable(name: str) -> int:
        try:
            fd = os.open(tmp_path / "packs" / name, os.O_WRONLY)
        except FileNotFoundError:
            lockable_when_listed.append(True)  # not even made yet: nothing stops a takeover
            return 0
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            lockable_when_listed.append(True)
        except BlockingIOError:
            lockable_when_listed.append(False)
        finally:
            os.close(fd)  # (also lets go of a lock taken just now)
        return 0

    db.create_function("lockable", 1, lockable)
    db.execute("CREATE TEMP TRIGGER check_lock AFTER INSERT ON packs BEGIN SELECT lockable(new.name); END")
    digest = folder.put(b"the first object of a new archive")
    assert lockable_when_listed == [False]
    assert folder.get(digest) == b"the first object of a new archive"


def test_writers_starting_together_on_a_new_archive_all_store(tmp_path: Path) -> None:
    # The scan's workers reach their first batch at about the same moment; each must get a
    # catalog connection and a pack of its own, with no "database is locked" and no lost pack.
    for round_ in range(20):
        root = tmp_path / f"archive-{round_}"
        start = threading.Barrier(4)
        stored: list[str] = []
        failures: list[BaseException] = []

        def write(
            data: bytes, root: Path, start: threading.Barrier, stored: list[str], failures: list[BaseException]
        ) -> None:
            store = PackStore(root)
            start.wait(timeout=30)
            try:
                stored.extend(store.put_many([(data, None)]))
            except BaseException as exc:  # reported below, with the round
                failures.append(exc)
            finally:
                store.close()

        threads = [
            threading.Thread(
                target=write, args=(f"round {round_}, writer {tag}".encode(), root, start, stored, failures)
            )
            for tag in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert failures == [], f"round {round_}: {failures!r}"
        assert sorted(PackStore(root).ids()) == sorted(stored) and len(stored) == 4


def test_switching_a_new_catalog_to_wal_waits_for_its_turn(tmp_path: Path) -> None:
    # Another process holding the new catalog while this one switches it to WAL gets
    # "database is locked" at once where SQLite's busy timeout does not apply; the switch is
    # tried again until the other lets go. A connection without a busy timeout shows it here.
    path = tmp_path / "catalog.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (a)")
    holder.execute("BEGIN EXCLUSIVE")
    releaser = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    releaser.start()
    switcher = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            switcher.execute("PRAGMA journal_mode=WAL")  # what a single try gives
        _use_wal(switcher)
        assert switcher.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        releaser.join()
        switcher.close()
        holder.close()


def test_ready_makes_the_catalog_and_lets_go_of_it(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "archive")
    store.ready()
    catalog = tmp_path / "archive" / "catalog.sqlite"
    assert catalog.is_file()
    assert store.folder._local.conn is None  # no connection left for a forked child to inherit
    with sqlite3.connect(catalog) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM packs").fetchone()[0] == 0


def test_a_batch_the_catalog_could_not_take_is_listed_not_at_all(tmp_path: Path) -> None:
    """A catalog transaction that fails part-way (the disk filled up: here a trigger fails the
    pack's new end after the batch's rows went in) keeps none of the batch. Each statement used
    to be a transaction of its own: the rows stayed listed past the pack's listed end, and the
    next writer to take the pack over cut it there and wrote over them."""
    folder = PackStore(tmp_path)
    kept = folder.put_many([(f"stored before the disk filled {n}".encode(), None) for n in range(5)])
    db = folder._db()
    db.execute(
        'CREATE TEMP TRIGGER disk_full BEFORE UPDATE OF "end" ON packs '
        "BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END"
    )
    lost = [f"the batch the disk had no room for {n}".encode() for n in range(5)]
    with pytest.raises(sqlite3.IntegrityError, match="database or disk is full"):
        folder.put_many([(raw, None) for raw in lost])
    assert sorted(folder.ids()) == sorted(kept)  # none of the failed batch is listed
    db.execute("DROP TRIGGER disk_full")
    again = folder.put_many([(raw, None) for raw in lost])  # the same process goes on
    folder.close()

    later = PackStore(tmp_path)  # the next process takes the pack over, cut at its listed end
    more = later.put_many([(f"written by the next scan {n}".encode(), None) for n in range(5)])
    (pack,) = packs(tmp_path)
    every = kept + again + more
    assert sorted(later.ids()) == sorted(every)
    assert [later.get(d) for d in every] == [
        *(f"stored before the disk filled {n}".encode() for n in range(5)),
        *lost,
        *(f"written by the next scan {n}".encode() for n in range(5)),
    ]
    # The pack holds the listed records and nothing between them (the failed write was written over).
    db = sqlite3.connect(tmp_path / "catalog.sqlite")
    ((end,),) = db.execute('SELECT "end" FROM packs').fetchall()
    ((records,),) = db.execute("SELECT sum(length) FROM blobs").fetchall()
    db.close()
    assert end == pack.stat().st_size == records + 15 * HEADER.size


def test_rows_an_older_catalog_listed_past_the_packs_end_are_kept(tmp_path: Path) -> None:
    """An archive written before catalog batches were one transaction may list records past
    its pack's end (a batch cut short by a full disk kept its first rows). Taking the pack
    over keeps those bytes and cuts only what no row lists."""
    folder = PackStore(tmp_path)
    first = folder.put_many([(f"listed and inside the end {n}".encode(), None) for n in range(3)])
    past = folder.put_many([(f"listed past the end {n}".encode(), None) for n in range(3)])
    folder.close()
    (pack,) = packs(tmp_path)
    db = sqlite3.connect(tmp_path / "catalog.sqlite")
    first_end = max(
        db.execute("SELECT offset + length FROM blobs WHERE sha = ?", (bytes.fromhex(d),)).fetchone()[0] for d in first
    )
    db.execute('UPDATE packs SET "end" = ?', (first_end,))  # the end the old code left
    db.commit()
    db.close()
    with open(pack, "ab") as fh:  # and the unlisted rest of the cut-short batch
        fh.write(HEADER.pack(b"AGB1", b"L", bytes(32), 50) + b"never listed")

    later = PackStore(tmp_path)
    after = later.put_many([(f"written by the next scan {n}".encode(), None) for n in range(3)])
    assert [later.get(d) for d in first + past + after] == [
        *(f"listed and inside the end {n}".encode() for n in range(3)),
        *(f"listed past the end {n}".encode() for n in range(3)),
        *(f"written by the next scan {n}".encode() for n in range(3)),
    ]
    where = later.location(after[0])
    assert (
        where is not None
        and where.offset
        == max(loc.offset + loc.length for loc in (later.location(d) for d in past) if loc is not None) + HEADER.size
    )  # the unlisted leftover was cut, the listed records kept
