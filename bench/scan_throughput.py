"""Scan throughput: items/s, MB/s, peak memory and the share of time per stage.

    python bench/scan_throughput.py                     # the dev-data email corpus, as files
    python bench/scan_throughput.py --mbox-mb 1024      # plus a 1 GB mbox built from that corpus
    python bench/scan_throughput.py --workers 1         # one process
    python bench/scan_throughput.py --senders-as-staff  # the corpus's senders are district staff
    python bench/scan_throughput.py --every-detector    # every detector on every message

Reads ../shared/dev-data/email_rfc5322_corpus (or --corpus); skips when it is absent. Each run
is a new Python process, as `aupguard scan` is, with a fresh temporary workspace on SQLite unless
AUPGUARD_DATABASE_URL is set, loaded with the bundled sample district's directory (249 people)
so that roster-aware detectors do real work.

A scan runs a detector only where a rule could use its signals (most rules judge staff and
volunteers' conduct, some only mail that leaves the district). With the sample directory alone
the corpus's senders are outsiders and many detectors have nothing to do, so the figures that
matter are `--senders-as-staff` (every sender of the corpus imported as a staff member, their
domains the district's: the district scanning its own staff's mail, mostly internal) and
`--every-detector` (the bound: every detector on every message, as if all of it were staff mail
leaving the district). `--senders-as-staff` makes every sender staff, vendors and list servers
included, so its findings (vendor newsletters as "commercial activity") measure nothing about
false alarms: bench/eval_language.py does that.

On a shared host the wall clock varies with what the neighbours do; each run also prints its
CPU time per message and, on Linux, the machine's steal, idle and I/O-wait shares during the scan
(/proc/stat), so a slow figure can be told from a slow machine. The host's speed itself varies
too, by a third or more within an hour with no steal to show for it, so each run also times the
standard library's compat32 parser on the corpus messages just before and just after the scan:
the yardstick the target was set against (about 9,700 messages/s on the reference machine).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "dev-data" / "email_rfc5322_corpus"


def corpus_messages(corpus: Path) -> list[bytes]:
    """RFC 5322 files of the corpus (not .msg, not the manifest), for building an mbox."""
    out = []
    for path in sorted(corpus.rglob("*")):
        if (
            path.is_file()
            and path.suffix.lower() not in (".msg", ".csv", ".md", ".txt", ".mbox")
            and path.stat().st_size < 200_000
        ):
            data = path.read_bytes()
            if b"\nFrom:" in data or data.startswith(b"From:") or b"\nSubject:" in data:
                out.append(data)
    return out


def build_mbox(messages: list[bytes], target: Path, megabytes: int) -> int:
    """Write an mbox of about `megabytes` MB; each copy gets a unique header so ids differ."""
    limit = megabytes * 1024 * 1024
    written = n = 0
    with open(target, "wb") as fh:
        while written < limit:
            for raw in messages:
                body = raw.replace(b"\r\n", b"\n")
                # mboxrd escaping of body lines that look like separators
                body = b"\n".join(b">" + ln if ln.startswith(b"From ") else ln for ln in body.split(b"\n"))
                chunk = b"From bench@example Thu Jan  1 00:00:00 2026\nX-Bench-Copy: %d\n" % n + body + b"\n\n"
                fh.write(chunk)
                written += len(chunk)
                n += 1
                if written >= limit:
                    break
    return n


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


class PssSampler(threading.Thread):
    """Peak total PSS of this process and its workers: shared pages (the model, libraries
    inherited by fork) counted once, unlike a sum of RSS figures."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.done.wait(0.25):
            total = _pss_kb(me) + sum(_pss_kb(k) for k in _children(me))
            self.peak_kb = max(self.peak_kb, total)


def cpu_seconds() -> tuple[float, float]:
    """CPU time (user + system) of this process and of its finished children (the workers,
    which the scan's pool has joined by the time it returns)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def host_ticks() -> list[int] | None:
    """The machine's CPU time so far by state (/proc/stat: user, nice, system, idle, iowait,
    irq, softirq, steal), or None where there is no /proc."""
    try:
        with open("/proc/stat") as fh:
            return [int(x) for x in fh.readline().split()[1:9]]
    except (OSError, ValueError):
        return None


def host_shares(before: list[int] | None, after: list[int] | None) -> str | None:
    """What the machine's CPUs did between two `host_ticks`: steal (time the hypervisor gave
    to other machines while this one wanted it), idle and I/O wait, as shares of all of it."""
    if before is None or after is None:
        return None
    spent = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(spent) or 1
    idle, iowait, steal = spent[3], spent[4], spent[7]
    return f"steal {steal / total:.0%}, idle {idle / total:.0%}, I/O wait {iowait / total:.0%}"


def peak_rss_mb() -> tuple[float, float]:
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return self_kb / 1024, child_kb / 1024


def senders_as_staff(ws: object, messages: list[bytes]) -> int:
    """Import every From address of the corpus as a staff member (a people CSV through the same
    importer as `aupguard import people`), and their domains as the district's."""
    import csv
    from email.parser import BytesHeaderParser
    from email.policy import compat32
    from email.utils import parseaddr

    from aupguard.directory.people_csv import read_people_csv
    from aupguard.store import directory_repo

    senders = set()
    for raw in messages:
        _, address = parseaddr(str(BytesHeaderParser(policy=compat32).parsebytes(raw).get("From", "")))
        if "@" in address and "," not in address:
            senders.add(address.lower())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "staff.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "kind", "given_name", "family_name", "roles", "district_email"])
            for n, address in enumerate(sorted(senders)):
                writer.writerow([f"bench-{n:05d}", "staff", "Staff", f"Member {n}", "teacher", address])
        batch = read_people_csv(path)
        batch.district_domains = {a.rsplit("@", 1)[1] for a in senders}
        directory_repo.upsert(ws.engine, batch, "bench")  # type: ignore[attr-defined]
    return len(senders)


# compat32 on the corpus messages, messages per CPU-second, on the machine the target was set on.
REFERENCE_COMPAT32_RATE = 9_700


def compat32_rate(messages: list[bytes], cpu_seconds: float = 3.0) -> float:
    """Messages per CPU-second the bare stdlib parser reads `messages` at, over about `cpu_seconds`
    (the host's speed swings from second to second: a shorter run says little)."""
    from email import message_from_bytes

    done, start = 0, time.process_time()
    while True:
        for raw in messages:
            message_from_bytes(raw)
        done += len(messages)
        spent = time.process_time() - start
        if spent >= cpu_seconds:
            return done / spent


def run_fresh(paths: list[Path], workers: int, label: str, district: bool, staff: bool, every_detector: bool) -> None:
    """`run` in a new Python process, as `aupguard scan` runs: a process that had already
    scanned and indexed would hand its grown heap to the workers it forks, and the figures,
    memory above all, would depend on what ran before."""
    job = {"paths": [str(p) for p in paths], "workers": workers, "label": label, "district": district,
           "staff": staff, "every_detector": every_detector}  # fmt: skip
    done = subprocess.run([sys.executable, __file__, "--one", json.dumps(job)], check=False)
    if done.returncode:
        raise SystemExit(f"the run {label!r} failed (exit code {done.returncode})")


def run_one(job: dict[str, Any], corpus: Path) -> None:
    messages = corpus_messages(corpus)
    staff = messages if job["staff"] else None
    paths = [Path(p) for p in job["paths"]]
    run(paths, job["workers"], job["label"], job["district"], staff, job["every_detector"], messages)


def run(
    paths: list[Path],
    workers: int,
    label: str,
    district: bool,
    staff: list[bytes] | None,
    every_detector: bool,
    yardstick: list[bytes],
) -> None:
    from aupguard.archive.search import catch_up
    from aupguard.cli.demo_cmd import demo_district_dir, load_demo_district
    from aupguard.scanning import scan
    from aupguard.workspace import Workspace

    size = sum(p.stat().st_size if p.is_file() else sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
               for p in paths)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        if district:
            # The sample district's directory, so roster-aware detectors do real work.
            load_demo_district(ws, demo_district_dir())
        if staff is not None:
            print(f"\n(corpus senders imported as district staff: {senders_as_staff(ws, staff)})")
        speed_before = compat32_rate(yardstick)
        sampler = PssSampler()
        sampler.start()
        cpu_before = cpu_seconds()
        ticks_before = host_ticks()
        t = time.perf_counter()
        counts = scan(ws, paths, workers=workers, every_detector=every_detector)
        seconds = time.perf_counter() - t
        host = host_shares(ticks_before, host_ticks())
        cpu_main, cpu_workers = (after - before for after, before in zip(cpu_seconds(), cpu_before, strict=True))
        sampler.done.set()
        speed_after = compat32_rate(yardstick)
        # `aupguard scan` then indexes the new items for search in bulk (archive/search.catch_up)
        t = time.perf_counter()
        indexed = catch_up(ws.engine)
        index_seconds = time.perf_counter() - t
        ws.close()
    main_mb, child_mb = peak_rss_mb()
    total_stage = sum(v for k, v in counts.stage_seconds.items() if k != "total") or 1.0
    mode = "every detector on every message" if every_detector else "detectors where rules apply"
    print(f"\n== {label} ({workers} worker process{'es' if workers > 1 else ''}; {mode})")
    print(
        f"records read      {counts.read}  (items {counts.items}, errors {counts.errors}, findings {counts.findings})"
    )
    print(f"wall time         {seconds:.2f} s")
    print(f"throughput        {counts.read / seconds:,.0f} messages/s, {size / seconds / 1e6:.1f} MB/s")
    start = counts.start_seconds
    print(
        f"start-up          {start:.2f} s of that (directory, policy pack and models loaded once per scan); "
        f"after it {counts.read / max(seconds - start, 1e-9):,.0f} messages/s"
    )
    n = max(counts.read, 1)
    cpu_total = (cpu_main + cpu_workers) / n
    print(
        f"CPU per message   main {cpu_main / n * 1e3:.3f} ms, workers {cpu_workers / n * 1e3:.3f} ms, "
        f"{cpu_total * 1e3:.3f} ms in all, start-up included: {os.cpu_count()} fully used cores would scan "
        f"{(os.cpu_count() or 1) / cpu_total:,.0f} messages/s (steadier than the wall clock on a shared host)"
    )
    if host:
        print(
            f"machine           {host} of all CPU time during the scan (a shared host: the wall clock loses the steal)"
        )
    speed = (speed_before + speed_after) / 2
    print(
        f"host speed        compat32 parses the corpus messages at {speed_before:,.0f} messages/CPU-s before the scan, "
        f"{speed_after:,.0f} after (reference machine: about {REFERENCE_COMPAT32_RATE:,}); at the reference speed "
        f"this scan would do about {counts.read / seconds * REFERENCE_COMPAT32_RATE / speed:,.0f} messages/s"
    )
    print(f"peak RSS          main {main_mb:.0f} MB, largest worker {child_mb:.0f} MB")
    print(f"peak total PSS    {sampler.peak_kb / 1024:.0f} MB (main + workers, shared pages counted once)")
    shares = ", ".join(f"{k} {v / total_stage:.0%}" for k, v in counts.stage_seconds.items() if k != "total")
    print(f"time per stage    {shares} (summed over processes; read is the main process)")
    per_msg = ", ".join(
        f"{k} {v / max(counts.read, 1) * 1e3:.3f}" for k, v in counts.stage_seconds.items() if k != "total"
    )
    print(f"ms per message    {per_msg} (stage time summed over processes)")
    if indexed:
        rate = indexed / index_seconds
        print(f"search index      {indexed} items in {index_seconds:.2f} s ({rate:,.0f} items/s, after the scan)")
        both = counts.read / (seconds + index_seconds)
        print(f"scan + index      {both:,.0f} messages/s (what `aupguard scan` takes in all on SQLite)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--mbox-mb", type=int, default=0, help="also scan an mbox of this many MB built from the corpus")
    ap.add_argument("--copies-mb", type=int, default=64, help="size of the replicated-corpus mbox for the rate figure")
    ap.add_argument("--no-district", action="store_true", help="scan with an empty directory (no roster)")
    ap.add_argument("--senders-as-staff", action="store_true", help="import the corpus's senders as district staff")
    ap.add_argument("--every-detector", action="store_true", help="run every detector on every message")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # one run, in the process run_fresh started
    args = ap.parse_args()
    if not args.corpus.exists():
        print(f"skipped: corpus not found at {args.corpus}")
        return 0
    os.environ.setdefault("AUPGUARD_WORKERS", str(args.workers))
    if args.one:
        run_one(json.loads(args.one), args.corpus)
        return 0
    district = not args.no_district
    messages = corpus_messages(args.corpus)
    staff, every = args.senders_as_staff, args.every_detector
    run_fresh([args.corpus], args.workers, f"dev-data corpus as files: {args.corpus}", district, staff, every)
    with tempfile.TemporaryDirectory() as tmp:
        mbox = Path(tmp) / "copies.mbox"
        n = build_mbox(messages, mbox, args.copies_mb)
        run_fresh([mbox], args.workers, f"mbox of {n} corpus messages ({args.copies_mb} MB)", district, staff, every)
        if args.mbox_mb:
            big = Path(tmp) / "big.mbox"
            n = build_mbox(messages, big, args.mbox_mb)
            mbox.unlink()
            run_fresh([big], args.workers, f"large mbox: {n} messages ({args.mbox_mb} MB)", district, staff, every)
    return 0


if __name__ == "__main__":
    sys.exit(main())
