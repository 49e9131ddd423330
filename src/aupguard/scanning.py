"""The scan pipeline: records -> items -> signals -> findings -> store, on every core.

The main process reads records (streaming, so memory stays flat), hands them to worker processes
in batches, and stores what comes back in order. Workers parse, run every detector, judge the
signals with the engine and write the original bytes to the archive. At most `window` batches
are in flight, which bounds memory however large the input.
"""

from __future__ import annotations

import fnmatch
import gc
import logging
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from aupguard.archive import chain
from aupguard.archive.blobs import BlobStore
from aupguard.detectors import registry
from aupguard.detectors.anchors import consolidate_shared_pass
from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.recent import RECENT_TEXTS, forget_texts
from aupguard.directory.addresses import normalize_email
from aupguard.directory.index import Directory
from aupguard.engine import CompiledRule, EngineContext, RuleSet, evaluate, is_external, may_apply
from aupguard.interrupt import StopBetweenSteps, exit_with_parent
from aupguard.model import Channel, Finding, Item, Person, ReadError, Signal, content_id
from aupguard.sources import iter_records, parse_record
from aupguard.sources.base import RawRecord
from aupguard.store import findings_repo, permissions_repo
from aupguard.store.tables import scans
from aupguard.workspace import Workspace

log = logging.getLogger(__name__)

BATCH = 200


@dataclass
class Counts:
    read: int = 0
    items: int = 0
    errors: int = 0
    skipped: int = 0  # outside --since/--until
    findings: int = 0
    covered: int = 0
    bytes: int = 0
    # Loading the directory, the policy pack and the detectors' models before the first record
    # is read: a fixed cost per scan, which dominates the time of a scan of a few files.
    start_seconds: float = 0.0
    # read and store (database rows) run in the main process; parse, detect and archive (pack
    # files) in the workers
    stage_seconds: dict[str, float] = field(
        default_factory=lambda: {"read": 0.0, "parse": 0.0, "detect": 0.0, "archive": 0.0, "store": 0.0}
    )


@dataclass
class BatchResult:
    items: list[tuple[Mapping[str, Any], str, str]]  # (encoded item row, source, position)
    digests: dict[str, str]  # item id -> chain digest of its row, computed in the worker
    item_times: dict[str, datetime | None]
    errors: list[ReadError]
    findings: list[Finding]
    skipped: int
    nbytes: int
    seconds: dict[str, float]


# --------------------------------------------------------------------------- worker side


# Each active rule with the detectors (indices into the scan's list) that emit a kind it wants.
Plan = list[tuple[CompiledRule, frozenset[int]]]


@dataclass
class _WorkerState:
    detectors: list[Detector]
    detect_ctx: DetectContext
    engine_ctx: EngineContext
    blobs: BlobStore
    since: datetime | None
    until: datetime | None
    # False runs every detector on every item (for measurements and the equivalence test);
    # True runs a detector only where some rule could use its signals (see `detector_plan`).
    only_where_rules_apply: bool = True
    plans: dict[int, Plan] = field(default_factory=dict)  # id(rule set) -> its plan
    # (id(plan), channel, sender kind, sender roles) -> `_needed_by_kind`; a few dozen at most
    needed_by_kind: dict[tuple[Any, ...], tuple[frozenset[int], frozenset[int]]] = field(default_factory=dict)


_STATE: _WorkerState | None = None


def detector_plan(rulesets: Iterable[RuleSet], detectors: list[Detector]) -> dict[int, Plan]:
    """Per rule set (by id): each rule with the detectors (indices) that emit a kind it wants."""
    plans: dict[int, Plan] = {}
    for ruleset in rulesets:
        plans[id(ruleset)] = [
            (
                rule,
                frozenset(
                    i
                    for i, det in enumerate(detectors)
                    if any(fnmatch.fnmatchcase(kind, pattern) for kind in det.kinds for pattern in rule.signals)
                ),
            )
            for rule in ruleset.rules
        ]
    return plans


def _needed(item: Item, state: _WorkerState) -> frozenset[int] | None:
    """The detectors whose signals some rule could use on `item` (None: all of them).

    Exact: `evaluate` drops every signal of a rule whose `may_apply` is false, so a detector
    no applicable rule listens to cannot change the findings."""
    if not state.only_where_rules_apply:
        return None
    ctx = state.engine_ctx
    plan = state.plans[id(ctx.ruleset_at(item.sent_at))]
    sender = ctx.directory.person_at(item.sender)
    # `may_apply` reads only the channel, the sender's kind and roles, and whether the item
    # leaves the district; so the answer for each such kind of item is worked out once.
    key = (id(plan), item.channel, sender.kind if sender else None, frozenset(sender.roles) if sender else None)
    split = state.needed_by_kind.get(key)
    if split is None:
        split = state.needed_by_kind[key] = _needed_by_kind(plan, item, sender, ctx.directory)
    inside, leaving = split
    # The recipients are walked only when it matters ("leaves" is asked only then).
    return leaving if leaving != inside and is_external(item, None, ctx.directory) else inside


def _needed_by_kind(
    plan: Plan, item: Item, sender: Person | None, directory: Directory
) -> tuple[frozenset[int], frozenset[int]]:
    """The detectors `_needed` for items like `item` (channel, sender): when the item stays in
    the district, and when it leaves."""
    inside: set[int] = set()
    leaving: set[int] = set()
    for rule, emitters in plan:
        if may_apply(rule, item, sender, directory, leaves=False):
            inside |= emitters
        if may_apply(rule, item, sender, directory, leaves=True):
            leaving |= emitters
    return frozenset(inside), frozenset(leaving)


# The items the detectors read at a time (see `_detect`): at most this many, and no more text
# than this in all (a single longer item is a chunk of its own). What the detectors remember of
# a chunk's texts (detectors/recent.py: folded copies, word lists, ...) is some ten times its
# text, so this bounds it to a few MB per worker however long the mail.
DETECT_CHUNK_ITEMS = RECENT_TEXTS // 2
DETECT_CHUNK_CHARS = 400_000


def _detect(items: list[Item], state: _WorkerState) -> list[list[Signal]]:
    out: list[list[Signal]] = [[] for _ in items]
    needed = [_needed(item, state) for item in items]
    per_item: list[tuple[int, Detector]] = []
    for d, det in enumerate(state.detectors):
        many = getattr(det, "detect_many", None)
        if many is None:
            per_item.append((d, det))
            continue
        # a model that scores a whole batch at once: the items that need it
        chosen = [i for i, want in enumerate(needed) if want is None or d in want]
        for i, sigs in zip(chosen, many([items[i] for i in chosen], state.detect_ctx), strict=True):
            out[i].extend(sigs)
    # Detector by detector over a chunk of items, not item by item: one detector's code and
    # data stay in the CPU's caches over the chunk, where switching among eleven detectors on
    # every item evicted them (about 15% of detection CPU, docs/benchmarks.md). The per-text
    # work the detectors share (folded text, words, the automaton pass) is remembered for the
    # whole chunk, then forgotten. Each item's signals come in the same order either way.
    ctx = state.detect_ctx
    for chunk in _chunks(items):
        try:
            for d, det in per_item:
                for i in chunk:
                    want = needed[i]
                    if want is None or d in want:
                        out[i].extend(det.detect(items[i], ctx))
        finally:
            forget_texts()
    return out


def _chunks(items: list[Item]) -> Iterator[range]:
    """Consecutive index ranges of `items` of at most DETECT_CHUNK_ITEMS items and, but for a
    single long item, DETECT_CHUNK_CHARS characters of subject and body."""
    start, chars = 0, 0
    for i, item in enumerate(items):
        size = len(item.body) + len(item.subject or "")
        if i > start and (i - start >= DETECT_CHUNK_ITEMS or chars + size > DETECT_CHUNK_CHARS):
            yield range(start, i)
            start, chars = i, 0
        chars += size
    if start < len(items):
        yield range(start, len(items))


def add_envelope(item: Item, envelope: Iterable[str]) -> None:
    """Add to `item` the envelope recipients its headers do not name (Bcc, list expansion), and
    keep the whole envelope in `meta` so a reviewer sees which recipients only it shows."""
    named = {normalize_email(a) for a in item.recipients}
    envelope = list(dict.fromkeys(normalize_email(a) for a in envelope if a.strip()))
    hidden = [a for a in envelope if a not in named]
    item.recipients = [*item.recipients, *hidden]
    item.meta["envelope_recipients"] = envelope
    if hidden:
        item.meta["bcc"] = hidden


def _in_window(item: Item, state: _WorkerState) -> bool:
    # Undated items are kept: a window cannot exclude what it cannot place.
    if item.sent_at is None:
        return True
    if state.since and item.sent_at < state.since:
        return False
    return not (state.until and item.sent_at >= state.until)


def process_batch(records: list[RawRecord], state: _WorkerState | None = None) -> BatchResult:
    state = state or _STATE
    assert state is not None, "worker not initialised"
    t0 = time.perf_counter()
    parsed: list[Item] = []
    errors: list[ReadError] = []
    skipped = 0
    for rec in records:
        result = parse_record(rec)
        if rec.envelope and isinstance(result, Item):
            add_envelope(result, rec.envelope)
        if isinstance(result, ReadError):
            errors.append(result)
        elif _in_window(result, state):
            parsed.append(result)
        else:
            skipped += 1
    t1 = time.perf_counter()
    try:
        signals = _detect(parsed, state)
    except Exception as exc:  # noqa: BLE001 - a detector bug must not lose the batch
        signals = [[] for _ in parsed]
        errors.extend(ReadError(i.source, i.position, f"detector failed: {exc!r}") for i in parsed)
        parsed, signals = [], []
    findings: list[Finding] = []
    for item, sigs in zip(parsed, signals, strict=True):
        findings.extend(evaluate(item, sigs, state.engine_ctx))
    t2 = time.perf_counter()
    now = datetime.now(UTC)
    rows = []
    digests = {}
    # The batch's originals in one append to this worker's pack (archive/packs.py), written and
    # flushed before the main process stores their rows: a stored item always has its bytes.
    state.blobs.put_many((item.raw, item.id) for item in parsed)
    for item in parsed:
        row = findings_repo.item_row(item, now)
        # The hash chain's digest of the row and the JSON text of its JSON columns, here in
        # parallel rather than on the single writer (which then passes the row straight on).
        digests[item.id] = chain.item_digest(row)
        rows.append((findings_repo.encoded_item_row(row), item.source, item.position))
    t3 = time.perf_counter()
    return BatchResult(
        items=rows,
        digests=digests,
        item_times={i.id: i.sent_at for i in parsed},
        errors=errors,
        findings=findings,
        skipped=skipped,
        nbytes=sum(r.nbytes for r in records),
        seconds={"parse": t1 - t0, "detect": t2 - t1, "archive": t3 - t2},
    )


# Touches every lazily loaded resource (phone metadata, the address model, the profanity model's
# arrays) so that they load once in the main process and fork shares them with the workers,
# instead of each worker loading a private copy (about 70 MB each).
_WARM_UP_TEXT = (
    "Call my cell (515) 555-0100 or +44 20 7946 0958; I live at 12 Main St, Ames, IA 50010. "
    "DOB 01/02/2003, SSN 219-09-9999. You are an idiot. DM me to order, $5 each. "
    "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"
)


# The cyclic collector's thresholds while a scan runs (Python's default: 700, 10, 10).
# Each message makes and drops thousands of container objects (the parsed message, header
# lists, rows), nearly none in cycles, and at the default the collector ran every 700 of them
# and walked the older generations often; that took 10-15% of a worker's CPU. Garbage in
# cycles is still collected, in larger steps (a few MB at most waits for it).
SCAN_GC_THRESHOLD = (20_000, 20, 20)


def _warm_up(state: _WorkerState) -> None:
    raw = _WARM_UP_TEXT.encode()
    item = Item(content_id(raw), Channel.EMAIL, "warm-up", "", raw, sender="a@warm-up.invalid",
                recipients=["b@warm-up.invalid"], subject="warm-up", body=_WARM_UP_TEXT)  # fmt: skip
    _detect([item], replace(state, only_where_rules_apply=False))  # every detector loads
    # ... and makes its literal readers; the automaton they share is built once with them all,
    # here, so that the forked workers share it instead of each building its own.
    consolidate_shared_pass()


def _init_worker(state: _WorkerState) -> None:
    global _STATE
    _STATE = state
    # Ctrl-C reaches every process of the terminal's group. A worker interrupted mid-task can
    # die holding the pool's queue lock and leave the scan hung, so the workers ignore it and
    # the main process stops the pool (see _scan_in_pool). SIGTERM gets its default back (the
    # fork copied the main process's StopBetweenSteps handler): the pool ends the other workers
    # with it when one dies, and a worker ended so holds no Python lock.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    exit_with_parent(os.getppid())  # the main process killed outright: do not wait for work forever


# --------------------------------------------------------------------------- main side


def _batches(
    records: Iterable[RawRecord | ReadError], counts: Counts
) -> Iterator[tuple[list[RawRecord], list[ReadError]]]:
    batch: list[RawRecord] = []
    errors: list[ReadError] = []
    t = time.perf_counter()
    for rec in records:
        counts.read += 1
        if isinstance(rec, ReadError):
            errors.append(rec)
        else:
            batch.append(rec)
        if len(batch) + len(errors) >= BATCH:
            counts.stage_seconds["read"] += time.perf_counter() - t
            yield batch, errors
            batch, errors = [], []
            t = time.perf_counter()
    counts.stage_seconds["read"] += time.perf_counter() - t
    if batch or errors:
        yield batch, errors


def _with_envelopes(
    records: Iterable[RawRecord | ReadError], envelopes: Mapping[str, Sequence[str]]
) -> Iterator[RawRecord | ReadError]:
    for rec in records:
        if isinstance(rec, RawRecord) and rec.source in envelopes:
            rec.envelope = tuple(envelopes[rec.source])
        yield rec


def _prepare_state(
    ws: Workspace, since: datetime | None, until: datetime | None, only_where_rules_apply: bool = True
) -> _WorkerState:
    pack = ws.current_pack()
    directory = ws.directory()
    settings = pack.detector_settings()
    detectors = registry.all_detectors()
    rulesets = ws.rulesets()
    return _WorkerState(
        detectors=detectors,
        detect_ctx=DetectContext(directory=directory, settings=settings),
        engine_ctx=EngineContext(directory, rulesets, permissions_repo.all_permissions(ws.engine)),
        blobs=ws.blobs,
        since=since,
        until=until,
        only_where_rules_apply=only_where_rules_apply,
        plans=detector_plan(rulesets, detectors),
    )


FindingSink = Callable[[list[dict[str, Any]]], None]
# Stored findings are read back for `on_findings` once this many are waiting, or this long after
# the last time: a user watching `aupguard scan` sees them within a second or so.
REPORT_FINDINGS_AFTER = 50
REPORT_FINDINGS_SECONDS = 1.0
ProgressSink = Callable[[int, int], None]  # (bytes done, items done)


def scan(
    ws: Workspace,
    paths: list[Path],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    workers: int = 1,
    on_findings: FindingSink | None = None,
    on_progress: ProgressSink | None = None,
    envelopes: Mapping[str, Sequence[str]] | None = None,
    every_detector: bool = False,
) -> Counts:
    """Scan `paths` into the workspace. Calls `on_findings` with stored findings as they come
    (every `REPORT_FINDINGS_AFTER` findings or `REPORT_FINDINGS_SECONDS`), each once.

    `envelopes` maps a file path to the recipients its transport named (the mail gateway's
    spool): see `add_envelope`. `every_detector` runs every detector on every item, also where
    no rule could use its signals: the same findings, more work (for measurements and tests)."""
    started = time.perf_counter()
    counts = Counts()
    state = _prepare_state(ws, since, until, only_where_rules_apply=not every_detector)
    with ws.engine.begin() as conn:
        scan_id = conn.execute(
            scans.insert()
            .values(started_at=datetime.now(UTC), paths=[str(p) for p in paths], counts={},
                    pack_version=str(ws.current_pack().version))
            .returning(scans.c.id)
        ).scalar_one()  # fmt: skip

    # Stored findings are read back (with evidence and sources, for `on_findings` and the
    # counts) a few batches at a time: three queries per 200-message batch were a tenth of the
    # writer's CPU. Each finding is reported once per scan, however many batches hold its item.
    pending: list[tuple[str, str]] = []
    reported: set[tuple[str, str]] = set()
    last_report = time.perf_counter()

    def report_findings() -> None:
        nonlocal last_report
        keys = list(dict.fromkeys(k for k in pending if k not in reported))
        pending.clear()
        last_report = time.perf_counter()
        stored = findings_repo.query_findings(ws.engine, keys=keys) if keys else []
        reported.update(keys)
        counts.findings += len(stored)
        counts.covered += sum(1 for f in stored if f["status"] == "covered")
        if on_findings and stored:
            on_findings(stored)

    def absorb(result: BatchResult, read_errors: list[ReadError]) -> None:
        t = time.perf_counter()
        errors = read_errors + result.errors
        with writer.transaction() as conn:
            findings_repo.store_batch(
                conn, scan_id, result.items, errors, result.findings, result.item_times, result.digests
            )
        pending.extend((f.item_id, f.rule_id) for f in result.findings)
        if len(pending) >= REPORT_FINDINGS_AFTER or t - last_report >= REPORT_FINDINGS_SECONDS:
            report_findings()
        counts.items += len(result.items)
        counts.errors += len(errors)
        counts.skipped += result.skipped
        counts.bytes += result.nbytes
        for k, v in result.seconds.items():
            counts.stage_seconds[k] += v
        counts.stage_seconds["store"] += time.perf_counter() - t
        if on_progress:
            on_progress(counts.bytes, counts.items + counts.errors + counts.skipped)

    writer = _BatchWriter(ws.engine)
    records = iter_records(paths)
    if envelopes:
        records = _with_envelopes(records, envelopes)
    threshold = gc.get_threshold()
    gc.set_threshold(*SCAN_GC_THRESHOLD)  # before the pool forks: its workers inherit it
    try:
        if workers <= 1:
            counts.start_seconds = time.perf_counter() - started
            with StopBetweenSteps() as stop:
                for batch, read_errors in _batches(records, counts):
                    absorb(process_batch(batch, state), read_errors)
                    stop.check()
        else:
            # Objects made so far (detector models, the directory index) are shared with the
            # workers by fork; keeping the collector off them keeps those pages shared.
            _warm_up(state)
            state.blobs.ready()  # the archive's catalog exists before the workers write to it
            gc.freeze()
            counts.start_seconds = time.perf_counter() - started
            try:
                with StopBetweenSteps() as stop:
                    _scan_in_pool(records, counts, state, workers, absorb, stop)
            finally:
                gc.unfreeze()
    except (KeyboardInterrupt, Exception) as exc:
        # Ctrl-C, or a scan that fails (a full disk, a lost database server): each batch was
        # stored in a transaction of its own, so what was stored stays and a rerun adds only
        # what is missing. The scan's record says how far it got and why it stopped, if the
        # database still takes it; the error that stopped the scan is the one to report.
        writer.close()  # (a second Ctrl-C may have cut a transaction short: it is rolled back first)
        if isinstance(exc, KeyboardInterrupt):
            outcome: dict[str, Any] = {"interrupted": True}
        else:
            cause = getattr(exc, "orig", None) or exc  # the driver's own error, not SQLAlchemy's wrapping
            outcome = {"failed": f"{type(cause).__name__}: {cause}"[:500]}
        try:
            _record_end(ws, scan_id, summary(counts, time.perf_counter() - started) | outcome)
        except Exception:  # noqa: BLE001
            log.warning("scan %s stopped and its record could not be updated", scan_id, exc_info=True)
        raise
    finally:
        writer.close()
        gc.set_threshold(*threshold)
    t = time.perf_counter()
    report_findings()  # those still waiting
    counts.stage_seconds["store"] += time.perf_counter() - t
    seconds = time.perf_counter() - started
    _record_end(ws, scan_id, summary(counts, seconds))
    counts.stage_seconds["total"] = seconds
    return counts


def _scan_in_pool(
    records: Iterable[RawRecord | ReadError],
    counts: Counts,
    state: _WorkerState,
    workers: int,
    absorb: Callable[[BatchResult, list[ReadError]], None],
    stop: StopBetweenSteps,
) -> None:
    """Batches go to the workers; results are stored in order, at most 3 batches per worker
    in flight so memory stays bounded however large the input. Ctrl-C stops it between batches."""
    context = get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(state,)) as pool:
        window: deque[tuple[Future[BatchResult], list[ReadError]]] = deque()
        try:
            for batch, read_errors in _batches(records, counts):
                stop.check()
                window.append((pool.submit(process_batch, batch), read_errors))
                if len(window) >= workers * 3:
                    fut, errs = window.popleft()
                    absorb(_result(fut, pool, stop), errs)
            while window:
                stop.check()
                fut, errs = window.popleft()
                absorb(_result(fut, pool, stop), errs)
        except BaseException:
            # Ctrl-C, or a batch that failed (a full disk): stop at once. The batches not yet
            # begun are dropped, those running finish (their results are not stored; a rerun
            # reads them again). A pool stuck on a dead worker is freed first, or this waits.
            if _dead_workers(pool):
                _free_stuck_pool(pool)
            pool.shutdown(wait=True, cancel_futures=True)
            raise


# How often the main process, waiting for a batch, looks at the workers (and at Ctrl-C), and how
# long after a worker died it waits for the pool to notice before freeing it (`_free_stuck_pool`).
RESULT_POLL_SECONDS = 0.5
DEAD_WORKER_GRACE_SECONDS = 5.0


def _result(fut: Future[BatchResult], pool: ProcessPoolExecutor, stop: StopBetweenSteps) -> BatchResult:
    """`fut.result()`, without waiting for ever on a pool that lost a worker without noticing.

    A worker killed outright (the OOM killer's SIGKILL) while it was sending a result dies halfway
    through the message and holding the result queue's lock: the pool's manager thread then waits
    for the rest of the message, the other workers wait for the lock, and the pool never reports
    BrokenProcessPool (CPython's ProcessPoolExecutor cannot tell). So while waiting, the workers
    are looked at: one gone for DEAD_WORKER_GRACE_SECONDS with the batch still pending frees the
    pool, and the batch then fails with BrokenProcessPool like any other lost worker's. Ctrl-C
    and SIGTERM are acted on while waiting, too."""
    dead_since: float | None = None
    while True:
        try:
            return fut.result(timeout=RESULT_POLL_SECONDS)
        except FutureTimeout:
            stop.check()
            if dead_since is None and _dead_workers(pool):
                dead_since = time.monotonic()
            elif dead_since is not None and time.monotonic() - dead_since > DEAD_WORKER_GRACE_SECONDS:
                log.warning("a scan worker died and the pool did not notice: freeing it")
                _free_stuck_pool(pool)
                dead_since = float("inf")  # once


def _workers(pool: ProcessPoolExecutor) -> list[Any]:
    # The pool's own processes (a private attribute, the same from Python 3.8 to 3.13; None once
    # the pool is shut down). Workers never exit on their own during a scan (no max_tasks_per_child).
    return list((getattr(pool, "_processes", None) or {}).values())


def _dead_workers(pool: ProcessPoolExecutor) -> bool:
    return any(process.exitcode is not None for process in _workers(pool))


def _free_stuck_pool(pool: ProcessPoolExecutor) -> None:
    """End the wait of a pool stuck on a worker that died mid-message: kill the other workers and
    close this process's end of the result pipe, so that the manager thread's read of the rest of
    the message sees the end of the pipe (every writer gone) and the pool breaks as it should."""
    for process in _workers(pool):
        if process.exitcode is None:
            process.kill()
    for process in _workers(pool):
        process.join(timeout=10)
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        writer.close()


# The page cache of the scan's writer connection on SQLite, in KiB (SQLite's default: 2,000).
# Each batch inserts into indexes keyed by item id and by source, so its rows land on pages all
# over them; with the default cache a 1 GB scan read most of those pages back from the file and
# spilled dirty ones to the log mid-batch, and its writer spent about a third of its CPU in the
# kernel. With 16 MB the writer's CPU per message fell by a tenth, for 15 MB more memory
# (docs/benchmarks.md).
SCAN_PAGE_CACHE_KIB = 16 * 1024


class _BatchWriter:
    """The scan's one database connection for storing batches, each in a transaction of its own,
    opened at the first batch; on SQLite with a larger page cache (SCAN_PAGE_CACHE_KIB), set back
    to the connection's own before it returns to the pool."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._cache_before: int | None = None  # SQLite: the connection's cache_size before the scan

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        if self._conn is None:
            self._conn = self._engine.connect()
            if self._conn.dialect.name == "sqlite":
                self._cache_before = self._conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
                self._conn.exec_driver_sql(f"PRAGMA cache_size=-{SCAN_PAGE_CACHE_KIB}")
                self._conn.commit()
        with self._conn.begin():
            yield self._conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        cache_before, self._cache_before = self._cache_before, None
        if conn is None:
            return
        try:
            conn.rollback()  # an unfinished transaction (cut short by a second Ctrl-C) is undone
            if cache_before is not None:
                conn.exec_driver_sql(f"PRAGMA cache_size={int(cache_before)}")
                conn.commit()
        except Exception:
            # A connection that failed (the database went away, a disk error) is dropped, not
            # pooled; the error the scan met, if any, is the one the caller sees.
            conn.invalidate()
        finally:
            conn.close()


def _record_end(ws: Workspace, scan_id: int, counts: dict[str, Any]) -> None:
    with ws.engine.begin() as conn:
        conn.execute(scans.update().where(scans.c.id == scan_id).values(finished_at=datetime.now(UTC), counts=counts))


def summary(counts: Counts, seconds: float) -> dict[str, Any]:
    return {
        "read": counts.read,
        "items": counts.items,
        "errors": counts.errors,
        "skipped": counts.skipped,
        "findings": counts.findings,
        "covered": counts.covered,
        "seconds": round(seconds, 3),
    }
