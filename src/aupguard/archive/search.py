"""Full-text search over the archive, one interface on SQLite (FTS5) and PostgreSQL (tsvector).

The indexes are kept by triggers on `items` (migration 0002), so nothing here runs at scan time.
Query words are ANDed; "a phrase" in double quotes, OR between two words, -word to exclude
(the web-search syntax PostgreSQL's websearch_to_tsquery reads; translated to FTS5 for SQLite).
Both index with an English stemmer, so `meeting` also finds `meetings`.

Filters: person (their addresses as sender or recipient), building (the addresses of everyone
in it), date range, channel, clause (a finding citing it or a clause under it), has-finding.
Every search made through `audited_search` is written to the audit log: who, why, the query and
what was found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Integer, String, bindparam, column, exists, literal_column, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY

from aupguard.store import audit_repo
from aupguard.store.tables import accounts, findings, items, people

# Keep in step with migration 0002 (the indexes are on exactly these expressions).
PG_DOCUMENT = "to_tsvector('english', coalesce(subject, '') || ' ' || coalesce(sender_name, '') || ' ' || body)"


_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_WORD = re.compile(r"[^\W_]+")  # what unicode61 keeps as a token: letters and digits


class SearchError(ValueError):
    """A query that cannot be run (e.g. only exclusions)."""


@dataclass
class SearchQuery:
    text: str = ""
    addresses: list[str] | None = None  # resolved person / building filter; [] matches nothing
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    channel: str | None = None
    clause: str | None = None
    has_finding: bool | None = None
    limit: int = 50
    # What the user asked for, kept in the audit entry (person id, building id).
    described: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("addresses")
        data["since"] = self.since.isoformat() if self.since else None
        data["until"] = self.until.isoformat() if self.until else None
        return data


@dataclass(frozen=True)
class Hit:
    item_id: str
    sent_at: datetime | None
    channel: str
    sender: str | None
    subject: str | None
    snippet: str


def fts5_query(query: str) -> str:
    """The web-search syntax as an FTS5 expression; every word quoted, so no input is a syntax error."""
    groups: list[list[str]] = []  # AND of OR-groups
    negatives: list[str] = []
    pending_or = False
    for m in _TOKEN.finditer(query):
        negate, phrase, word = m.group(1), m.group(2), m.group(3)
        if word is not None and word == "OR" and groups:
            pending_or = True
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            negate, word = "-", word[1:]
        term = (phrase if phrase is not None else word or "").replace('"', " ").strip()
        if not term:
            continue
        quoted = f'"{term}"'
        if negate:
            negatives.append(quoted)
        elif pending_or:
            groups[-1].append(quoted)
        else:
            groups.append([quoted])
        pending_or = False
    if not groups:
        if negatives:
            raise SearchError("a query needs at least one word to look for, not only exclusions")
        return ""
    expr = " AND ".join(g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in groups)
    for neg in negatives:
        expr = f"({expr}) NOT {neg}"
    return expr


_SPELLED = (("@", "0at0"), (".", "0dot0"), ("+", "0plus0"), ("-", "0dash0"), ("_", "0us0"), (":", "0col0"))


def address_tokens(address: str) -> list[str]:
    """The tokens an address is indexed as (SQLite): "a" + the address with @ . + - _ : spelled
    out, which is one token unless the address holds other punctuation. Keep in step with
    migration 0002's address_token."""
    for char, spelled in _SPELLED:
        address = address.replace(char, spelled)
    return _WORD.findall("a" + address)


def people_query(addresses: Sequence[str]) -> str:
    """An FTS5 expression matching items sent from or to any of the addresses."""
    parts = []
    for address in addresses:
        tokens = [f'"{t}"' for t in address_tokens(address)]
        if tokens:
            parts.append("(" + " AND ".join(tokens) + ")")
    return " OR ".join(parts) if parts else '""'


def _fts_rowids(expr: str) -> Any:
    return (
        text("SELECT rowid FROM items_fts WHERE items_fts MATCH :fts")
        .bindparams(fts=expr)
        .columns(column("rowid", Integer))
    )


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def statement(conn: Connection, q: SearchQuery) -> Any:
    stmt = select(items.c.id, items.c.sent_at, items.c.channel, items.c.sender, items.c.subject, items.c.body)
    sqlite = conn.dialect.name == "sqlite"
    if conn.dialect.name not in ("sqlite", "postgresql"):  # pragma: no cover - the two supported databases
        raise SearchError(f"full-text search is not available on {conn.dialect.name}")
    wanted = sorted({a.lower() for a in q.addresses if a.strip()}) if q.addresses is not None else None
    # Read the query on both databases, so one that is refused (only exclusions) is refused on
    # PostgreSQL too, whose websearch syntax would otherwise return every item without the word.
    words = fts5_query(q.text) if q.text.strip() else ""
    if wanted == []:
        return stmt.where(literal_column("1") == 0)
    if sqlite:
        # Words and people in one MATCH: FTS5 intersects the posting lists itself.
        parts = []
        if words:
            parts.append(f"{{subject body sender_name}} : ({words})")
        if wanted:
            parts.append(f"people : ({people_query(wanted)})")
        if parts:
            rowid: Any = literal_column("items.rowid")
            stmt = stmt.where(rowid.in_(_fts_rowids(" AND ".join(parts))))
    else:
        if q.text.strip():
            stmt = stmt.where(text(f"{PG_DOCUMENT} @@ websearch_to_tsquery('english', :pgq)").bindparams(pgq=q.text))
        if wanted:
            people = bindparam("people", wanted, type_=ARRAY(String))
            stmt = stmt.where(text("(recipients ?| :people OR sender = ANY(:people))").bindparams(people))
    if q.since:
        stmt = stmt.where(items.c.sent_at >= _utc(q.since))
    if q.until:
        stmt = stmt.where(items.c.sent_at < _utc(q.until))
    if q.channel:
        stmt = stmt.where(items.c.channel == q.channel)
    if q.clause:
        stmt = stmt.where(
            exists().where(
                findings.c.item_id == items.c.id,
                or_(findings.c.clause_id == q.clause, findings.c.clause_id.like(f"{q.clause}/%")),
            )
        )
    if q.has_finding is not None:
        any_finding = exists().where(findings.c.item_id == items.c.id)
        stmt = stmt.where(any_finding if q.has_finding else ~any_finding)
    return stmt


def snippet(body: str, query: str, width: int = 160) -> str:
    """A piece of the body around the first query word found (case-insensitive)."""
    flat = " ".join(body.split())
    lower = flat.lower()
    positions = [lower.find(w.lower().strip('"-')) for w in query.split() if w not in ("OR",)]
    hits = [p for p in positions if p >= 0]
    start = max(0, min(hits) - width // 3) if hits else 0
    return flat[start : start + width]


def search(engine_or_conn: Engine | Connection, q: SearchQuery) -> list[Hit]:
    """Items matching the query and filters, newest first (undated last). Given a connection, the
    caller has run `catch_up` (given an engine, this does)."""
    if isinstance(engine_or_conn, Engine):
        catch_up(engine_or_conn)
        with engine_or_conn.connect() as conn:
            return search(conn, q)
    conn = engine_or_conn
    stmt = statement(conn, q).order_by(items.c.sent_at.desc().nulls_last(), items.c.id).limit(q.limit)
    return [
        Hit(r.id, _utc(r.sent_at), r.channel, r.sender, r.subject, snippet(r.body or "", q.text))
        for r in conn.execute(stmt)
    ]


def matching_ids(conn: Connection, q: SearchQuery) -> list[str]:
    """Every matching item id, unlimited (records-request scope, legal holds); run `catch_up` first."""
    stmt = statement(conn, q).with_only_columns(items.c.id).order_by(items.c.id)
    return list(conn.scalars(stmt))


def audited_search(engine: Engine, q: SearchQuery, *, actor: str, reason: str) -> list[Hit]:
    """Search, and record who searched, why, for what, and which items were found."""
    if not reason.strip():
        raise SearchError("a search of the archive needs a reason (it is recorded in the audit log)")
    hits = search(engine, q)
    audit_repo.record(
        engine,
        "archive.search",
        target="archive",
        reason=reason,
        actor=actor,
        query=q.as_dict(),
        found=len(hits),
        item_ids=[h.item_id for h in hits],
    )
    return hits


# ----------------------------------------------------------------------------- filter resolution


def addresses_of_people(conn: Connection, person_ids: Sequence[str]) -> list[str]:
    if not person_ids:
        return []
    rows = conn.scalars(select(accounts.c.address).where(accounts.c.person_id.in_(list(person_ids))))
    return sorted({a.lower() for a in rows})


def people_in_building(conn: Connection, building_id: str) -> list[str]:
    # building_ids is a JSON list; the people table is small, so filter in Python on both databases.
    return [
        r.id for r in conn.execute(select(people.c.id, people.c.building_ids)) if building_id in (r.building_ids or [])
    ]


# Items indexed per transaction. Each commit writes FTS5's buffered terms out as a new segment
# that later writes merge again, so larger chunks index faster (after a 257,000-message scan:
# 5,200 items/s at 5,000 a chunk, 7,500 at 20,000, and 10,000 with migration 0006's 8 MB buffer);
# a chunk holds the write lock for about 2 s, well inside the 30 s every connection waits for it
# (store/db.py).
CATCH_UP_CHUNK = 20_000


def catch_up(engine: Engine, chunk: int = CATCH_UP_CHUNK) -> int:
    """SQLite: index the items stored since the last search (the scan only queues their rowids),
    a chunk per transaction so a running scan or the mail gateway is never blocked for long.
    Returns how many were indexed. PostgreSQL indexes on insert: nothing to do."""
    if engine.dialect.name != "sqlite":
        return 0
    done = 0
    while True:
        with engine.begin() as conn:
            last = conn.exec_driver_sql(
                "SELECT doc FROM search_pending ORDER BY doc LIMIT 1 OFFSET ?", (chunk - 1,)
            ).scalar()
            limit = "" if last is None else f" WHERE p.doc <= {int(last)}"
            conn.exec_driver_sql(
                "INSERT INTO items_fts(rowid, subject, body, sender_name, people) "
                "SELECT s.doc, coalesce(s.subject, ''), s.body, coalesce(s.sender_name, ''), s.people "
                f"FROM search_pending p JOIN items_search s ON s.doc = p.doc{limit}"
            )
            removed = conn.exec_driver_sql(
                "DELETE FROM search_pending" + ("" if last is None else f" WHERE doc <= {int(last)}")
            ).rowcount
        done += max(removed, 0)
        if last is None:
            return done


def rebuild_index(engine: Engine) -> None:
    """Rebuild the search indexes from the items (after a database tool rewrote the items table:
    a VACUUM or a table rebuild may renumber SQLite rowids, which the FTS5 indexes are keyed by)."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
            conn.exec_driver_sql("DELETE FROM search_pending")
        else:
            conn.exec_driver_sql("REINDEX INDEX ix_items_fulltext")
            conn.exec_driver_sql("REINDEX INDEX ix_items_recipients")


def index_problem(engine: Engine) -> str | None:
    """SQLite: whether the full-text index still matches the items (FTS5's integrity check); None if so."""
    if engine.dialect.name != "sqlite":
        return None  # PostgreSQL's GIN indexes are maintained by the server itself
    catch_up(engine)
    with engine.connect() as conn:
        try:
            conn.exec_driver_sql("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")
        except Exception as exc:  # noqa: BLE001 - reported, with the remedy
            return (
                f"the search index does not match the items ({exc.__class__.__name__}); run `aupguard archive reindex`"
            )
        finally:
            conn.rollback()
    return None
