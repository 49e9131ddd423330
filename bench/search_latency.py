"""Search latency on a large archive: p50 / p95 of keyword + person + date-range queries, and the
size of the search index.

The archive is built by replicating the dev-data mail (../shared/dev-data/email_rfc5322_corpus,
parsed by aupguard's own readers) with varied dates (2021-2026), senders and recipients (a pool
of district and outside addresses) and an added topic word, inserted the way a scan stores rows
(one transaction per batch, the hash-chain hook, the search index kept by the database's
triggers). Blobs are not written: this measures the database.

    python bench/search_latency.py                      # 1,000,000 messages, SQLite, in a temp folder
    python bench/search_latency.py --count 100000 --queries 300
    AUPGUARD_DATABASE_URL=postgresql+psycopg://... python bench/search_latency.py --count 200000

Target: p95 under 200 ms on SQLite for keyword + person + date range.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("AUPGUARD_DEV_DATA", REPO.parent / "shared" / "dev-data")) / "email_rfc5322_corpus"
START = datetime(2021, 1, 1, tzinfo=UTC)
SPAN_DAYS = 5 * 365 + 180
BODY_LIMIT = 4000  # long newsletters are cut, as a reader's preview would be


def load_corpus() -> list[dict]:
    import csv

    from aupguard.model import Item
    from aupguard.sources import iter_records, parse_record

    files = []
    with (CORPUS / "manifest.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if not row["duplicate_of"]:
                files.append(CORPUS / row["file"])
    out = []
    for rec in iter_records([p for p in files if p.is_file()]):
        parsed = parse_record(rec) if not hasattr(rec, "reason") else rec
        if isinstance(parsed, Item) and parsed.body.strip():
            out.append({"subject": parsed.subject or "", "body": parsed.body[:BODY_LIMIT]})
    return out


def vocabulary() -> list[str]:
    words = (REPO / "src/aupguard/detectors/data/common_words.txt").read_text(encoding="utf-8").split()
    return sorted({w.lower() for w in words if w.isalpha() and 5 <= len(w) <= 10})[:800]


def build(ws, count: int, seed: int) -> tuple[list[str], list[str], float]:  # type: ignore[no-untyped-def]
    from aupguard.store import findings_repo

    rng = random.Random(seed)
    corpus = load_corpus()
    words = vocabulary()
    staff = [f"staff{n:04d}@district.example" for n in range(600)]
    outside = [f"person{n:05d}@mail.example" for n in range(3000)]
    now = datetime.now(UTC)
    started = time.perf_counter()
    batch = 2000
    for start in range(0, count, batch):
        rows = []
        for n in range(start, min(count, start + batch)):
            src = corpus[n % len(corpus)]
            topic = rng.choice(words)
            sender = rng.choice(staff)
            recipients = rng.sample(staff, 1) + rng.sample(outside, rng.randint(0, 2))
            rows.append(
                {
                    "id": f"{n:064x}",
                    "channel": "email",
                    "sent_at": START + timedelta(seconds=rng.randrange(SPAN_DAYS * 86400)),
                    "sender": sender,
                    "sender_name": sender.split("@")[0],
                    "recipients": recipients,
                    "subject": f"{src['subject']} {topic}",
                    "body": f"{src['body']}\n{topic} {rng.choice(words)}",
                    "platform": None,
                    "meta": {},
                    "attachments": [],
                    "size": len(src["body"]),
                    "first_seen_at": now,
                }
            )
        with ws.engine.begin() as conn:
            findings_repo.store_batch(conn, 0, [(r, "bench", str(i)) for i, r in enumerate(rows)], [], [], {})
        if (start // batch) % 25 == 0:
            done = start + len(rows)
            rate = done / (time.perf_counter() - started)
            print(f"  {done:>9,} messages stored ({rate:,.0f}/s)", file=sys.stderr)
    return staff, words, time.perf_counter() - started


def index_size(ws) -> str:  # type: ignore[no-untyped-def]
    with ws.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            try:
                fts = conn.scalar(text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'items_fts%'"))
                total = conn.scalar(text("SELECT sum(pgsize) FROM dbstat"))
                return f"FTS5 (text and addresses) {fts / 2**20:,.0f} MiB (database {total / 2**20:,.0f} MiB)"
            except Exception:  # noqa: BLE001 - dbstat is an optional SQLite module
                db = Path(str(ws.engine.url.database))
                return f"database file {db.stat().st_size / 2**20:,.0f} MiB (dbstat not available)"
        fts = conn.scalar(text("SELECT pg_relation_size('ix_items_fulltext')"))
        rcpt = conn.scalar(text("SELECT pg_relation_size('ix_items_recipients')"))
        return f"GIN text {fts / 2**20:,.0f} MiB, GIN recipients {rcpt / 2**20:,.0f} MiB"


def measure(ws, staff: list[str], words: list[str], queries: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    from aupguard.archive.search import SearchQuery, search

    rng = random.Random(seed + 1)
    kinds = {
        "keyword + person + date range": lambda: SearchQuery(
            text=rng.choice(words), addresses=[rng.choice(staff)], **window(rng)
        ),
        "keyword only": lambda: SearchQuery(text=rng.choice(words)),
        "person + date range": lambda: SearchQuery(addresses=[rng.choice(staff)], **window(rng)),
    }
    with ws.engine.connect() as conn:
        for label, make in kinds.items():
            times, found = [], []
            for _ in range(queries):
                q = make()
                t = time.perf_counter()
                hits = search(conn, q)
                times.append((time.perf_counter() - t) * 1000)
                found.append(len(hits))
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            print(
                f"{label:32} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
                f"max {times[-1]:7.1f} ms   mean hits {statistics.mean(found):5.1f} (limit 50)"
            )


def window(rng: random.Random) -> dict:
    since = START + timedelta(days=rng.randrange(SPAN_DAYS - 90))
    return {"since": since, "until": since + timedelta(days=90)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000, help="messages to build (default 1,000,000)")
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    parser.add_argument("--home", type=Path, help="workspace folder (default: a temporary one, removed after)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not (CORPUS / "manifest.csv").exists():
        print(f"dev data not present: {CORPUS}; nothing to measure", file=sys.stderr)
        return
    from aupguard.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(args.home or Path(tmp) / "ws")
        with ws.engine.connect() as conn:
            existing = conn.scalar(select(func.count()).select_from(text("items")))
        if existing:
            print(f"using the {existing:,} items already in {ws.root}", file=sys.stderr)
            staff = [f"staff{n:04d}@district.example" for n in range(600)]
            from_words = vocabulary()
            words, seconds = from_words, 0.0
        else:
            staff, words, seconds = build(ws, args.count, args.seed)
        from aupguard.archive.search import catch_up

        t = time.perf_counter()
        indexed = catch_up(ws.engine)  # SQLite indexes what the stores queued, before the first search
        indexing = time.perf_counter() - t
        with ws.engine.connect() as conn:
            total = conn.scalar(select(func.count()).select_from(text("items")))
        print(
            f"archive: {total:,} messages on {ws.engine.dialect.name}"
            + (f", stored in {seconds:,.0f} s" if seconds else "")
            + (f", {indexed:,} indexed in {indexing:,.0f} s" if indexed else "")
        )
        print(f"index size: {index_size(ws)}")
        measure(ws, staff, words, args.queries, args.seed)
        ws.close()


if __name__ == "__main__":
    main()
