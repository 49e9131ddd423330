"""`aupguard archive verify`: recompute the hash chain, every row digest and every blob.

Nothing is trusted that can be recomputed: link hashes and their order, each link's payload from
the rows it covers, each item row against the digest recorded when it was added, each blob
against the hash it is filed under, each audit entry against its link. Every disagreement is a
Problem; the first broken link is the problem with the lowest link number.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select

from aupguard.archive import chain, search
from aupguard.archive.blobs import BlobBackend
from aupguard.store.records_tables import archive_entries, archive_links, archive_tombstones
from aupguard.store.tables import audit_log, items

_STREAM = 2000


@dataclass(frozen=True)
class Problem:
    kind: str  # link, payload, row-altered, row-deleted, unchained-item, blob-missing, blob-corrupt,
    #            audit-altered, audit-deleted, audit-unchained, tombstone, anchor, search-index
    seq: int | None  # the link it breaks; None for a row no link covers
    target: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "link": self.seq, "target": self.target, "message": self.message}


@dataclass
class Report:
    head: chain.Head
    links: int = 0
    items: int = 0
    audit_entries: int = 0
    tombstones: int = 0
    blobs_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_broken(self) -> Problem | None:
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: (p.seq is None, p.seq or 0))

    def as_dict(self) -> dict[str, Any]:
        first = self.first_broken
        return {
            "ok": self.ok,
            "head": self.head.as_dict(),
            "links": self.links,
            "items": self.items,
            "audit_entries": self.audit_entries,
            "tombstones": self.tombstones,
            "blobs_checked": self.blobs_checked,
            "first_broken": first.as_dict() if first else None,
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass(frozen=True)
class _Link:
    kind: str
    ref: str
    count: int
    payload: str


def _rows(conn: Connection, query: Any) -> Iterator[Any]:
    yield from conn.execution_options(stream_results=True, yield_per=_STREAM).execute(query)


def verify(
    engine: Engine,
    blobs: BlobBackend | None,
    *,
    anchor: dict[str, Any] | None = None,
) -> Report:
    """Check everything; `blobs=None` skips reading the blob contents (rows and chain only)."""
    with engine.connect() as conn, conn.begin():  # one snapshot for the whole check
        report = Report(head=chain.head(conn))
        links = _check_links(conn, report)
        _check_item_links(conn, links, report)
        _check_item_rows(conn, blobs, report)
        _check_tombstones(conn, links, report)
        _check_audit(conn, links, report)
        if anchor is not None:
            _check_anchor(anchor, conn, report)
    problem = search.index_problem(engine)  # its own short transaction: it must not hold a lock long
    if problem:
        report.problems.append(Problem("search-index", None, "search-index", problem))
    return report


def _check_links(conn: Connection, report: Report) -> dict[int, _Link]:
    links: dict[int, _Link] = {}
    expected_seq, prev = 1, chain.GENESIS
    for r in _rows(conn, select(archive_links).order_by(archive_links.c.seq)):
        report.links += 1
        if r.seq != expected_seq:
            report.problems.append(
                Problem(
                    "link",
                    min(r.seq, expected_seq),
                    f"link:{expected_seq}",
                    f"link {expected_seq} is missing (next stored link is {r.seq})",
                )
            )
        elif r.prev_hash != prev:
            report.problems.append(
                Problem(
                    "link", r.seq, f"link:{r.seq}", f"link {r.seq} does not follow link {r.seq - 1} (prev_hash differs)"
                )
            )
        if chain.link_hash(r.seq, r.kind, r.ref, r.count, r.payload_digest, r.prev_hash) != r.hash:
            report.problems.append(
                Problem("link", r.seq, f"link:{r.seq}", f"link {r.seq} was altered (its hash does not recompute)")
            )
        links[r.seq] = _Link(r.kind, r.ref, r.count, r.payload_digest)
        expected_seq, prev = r.seq + 1, r.hash
    return links


def _check_item_links(conn: Connection, links: dict[int, _Link], report: Report) -> None:
    """Each "items" link's payload recomputed from the entries that name it."""
    seen: set[int] = set()

    def close(seq: int, lines: list[str]) -> None:
        seen.add(seq)
        link = links.get(seq)
        if link is None:
            report.problems.append(
                Problem("link", seq, f"link:{seq}", f"link {seq} is gone but {len(lines)} items name it")
            )
        elif link.kind != "items" or link.count != len(lines) or chain.payload_digest(sorted(lines)) != link.payload:
            report.problems.append(
                Problem(
                    "payload",
                    seq,
                    f"link:{seq}",
                    f"link {seq} covers {link.count} items but its entries ({len(lines)}) no longer match it",
                )
            )

    query = select(archive_entries.c.link_seq, archive_entries.c.item_id, archive_entries.c.row_digest).order_by(
        archive_entries.c.link_seq
    )
    current: int | None = None
    lines: list[str] = []
    for r in _rows(conn, query):
        if r.link_seq != current:
            if current is not None:
                close(current, lines)
            current, lines = r.link_seq, []
        lines.append(f"{r.item_id}:{r.row_digest}")
    if current is not None:
        close(current, lines)
    for seq, link in links.items():
        if link.kind == "items" and seq not in seen:
            report.problems.append(
                Problem("payload", seq, f"link:{seq}", f"link {seq}: all {link.count} of its entries were removed")
            )


def _check_item_rows(conn: Connection, blobs: BlobBackend | None, report: Report) -> None:
    query = select(items, archive_entries.c.link_seq, archive_entries.c.row_digest).select_from(
        items.outerjoin(archive_entries, archive_entries.c.item_id == items.c.id)
    )
    for r in _rows(conn, query):
        report.items += 1
        row = r._mapping
        if r.link_seq is None:
            report.problems.append(
                Problem("unchained-item", None, f"item:{r.id}", f"item {r.id} is in no link of the chain")
            )
        elif chain.item_digest(row) != r.row_digest:
            report.problems.append(
                Problem(
                    "row-altered",
                    r.link_seq,
                    f"item:{r.id}",
                    f"item {r.id} (link {r.link_seq}) was altered since it was added",
                )
            )
        if blobs is not None:
            report.blobs_checked += 1
            try:
                blobs.get(r.id)
            except KeyError:
                report.problems.append(
                    Problem(
                        "blob-missing",
                        r.link_seq,
                        f"blob:{r.id}",
                        f"the original bytes of item {r.id} are gone from the archive",
                    )
                )
            except ValueError:
                report.problems.append(
                    Problem(
                        "blob-corrupt", r.link_seq, f"blob:{r.id}", f"the original bytes of item {r.id} were altered"
                    )
                )
    gone = (
        select(archive_entries.c.item_id, archive_entries.c.link_seq)
        .select_from(
            archive_entries.outerjoin(items, items.c.id == archive_entries.c.item_id).outerjoin(
                archive_tombstones, archive_tombstones.c.item_id == archive_entries.c.item_id
            )
        )
        .where(items.c.id.is_(None), archive_tombstones.c.item_id.is_(None))
    )
    for r in _rows(conn, gone):
        report.problems.append(
            Problem(
                "row-deleted",
                r.link_seq,
                f"item:{r.item_id}",
                f"item {r.item_id} (link {r.link_seq}) was deleted without a disposition",
            )
        )


def _check_tombstones(conn: Connection, links: dict[int, _Link], report: Report) -> None:
    by_link: dict[int, list[str]] = {}
    for r in _rows(conn, select(archive_tombstones.c.item_id, archive_tombstones.c.link_seq)):
        report.tombstones += 1
        by_link.setdefault(r.link_seq, []).append(r.item_id)
    for seq, ids in by_link.items():
        link = links.get(seq)
        if (
            link is None
            or link.kind != "tombstones"
            or link.count != len(ids)
            or chain.payload_digest(sorted(ids)) != link.payload
        ):
            report.problems.append(
                Problem("tombstone", seq, f"link:{seq}", f"the tombstones of link {seq} do not match it")
            )
    for seq, link in links.items():
        if link.kind == "tombstones" and seq not in by_link:
            report.problems.append(
                Problem("tombstone", seq, f"link:{seq}", f"the tombstones of link {seq} were removed")
            )
    still_there = select(archive_tombstones.c.item_id, archive_tombstones.c.link_seq).join(
        items, items.c.id == archive_tombstones.c.item_id
    )
    for r in _rows(conn, still_there):
        report.problems.append(
            Problem(
                "tombstone",
                r.link_seq,
                f"item:{r.item_id}",
                f"item {r.item_id} was disposed of (link {r.link_seq}) but is still stored",
            )
        )


def _check_audit(conn: Connection, links: dict[int, _Link], report: Report) -> None:
    by_ref = {link.ref: (seq, link) for seq, link in links.items() if link.kind == "audit"}
    for r in _rows(conn, select(audit_log).order_by(audit_log.c.id)):
        report.audit_entries += 1
        found = by_ref.pop(str(r.id), None)
        if found is None:
            report.problems.append(
                Problem("audit-unchained", None, f"audit:{r.id}", f"audit entry {r.id} is in no link of the chain")
            )
        elif chain.audit_digest(r._mapping) != found[1].payload:
            report.problems.append(
                Problem("audit-altered", found[0], f"audit:{r.id}", f"audit entry {r.id} (link {found[0]}) was altered")
            )
    for ref, (seq, _) in by_ref.items():
        report.problems.append(
            Problem("audit-deleted", seq, f"audit:{ref}", f"audit entry {ref} (link {seq}) was deleted")
        )


def _check_anchor(anchor: dict[str, Any], conn: Connection, report: Report) -> None:
    seq, expected = int(anchor["seq"]), str(anchor["hash"])
    if seq == 0:
        return
    stored = conn.execute(select(archive_links.c.hash).where(archive_links.c.seq == seq)).scalar()
    if stored is None:
        report.problems.append(
            Problem("anchor", seq, f"link:{seq}", f"the anchored head, link {seq}, is no longer in the chain")
        )
    elif stored != expected:
        report.problems.append(
            Problem(
                "anchor", seq, f"link:{seq}", f"link {seq} differs from the anchored head (the chain was rewritten)"
            )
        )
