"""Posture log throughput on one core: Squid lines/s (parse + categorize, and the whole personal
web use check) and Reports API sign-in events/s (read + sign-in checks).

    python bench/logs_throughput.py [--lines 500000] [--events 200000] [--repeat 3]

Squid lines are synthetic native-format lines over real hosts: the dev-data Squid logs' URLs
mixed with domains of the UT1 lists (../shared/dev-data/url_categories_ut1_toulouse, all its
categories loaded, as a district with full UT1 lists would), or the bundled social list when the
dev data is absent. Target: at least 100,000 lines/s for parse + categorize. Times are CPU
seconds of this process (`time.process_time`), best of --repeat; figures to read, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aupguard.directory.index import Directory
from aupguard.model import ReadError
from aupguard.posture.checks.context import CheckContext
from aupguard.posture.checks.signins import check_mailbox, check_signins
from aupguard.posture.checks.web import check_web
from aupguard.posture.readers.activity import read_google_activity
from aupguard.posture.readers.categories import BUNDLED, Categorizer
from aupguard.posture.readers.squid import parse_line, read_squid
from aupguard.posture.settings import PostureSettings

DEV = Path(os.environ.get("AUPGUARD_DEV_DATA", Path(__file__).resolve().parents[2] / "shared" / "dev-data"))
UT1 = DEV / "url_categories_ut1_toulouse"
SQUID = DEV / "squid_access_logs"
START = datetime(2026, 10, 5, 13, 0, tzinfo=UTC).timestamp()


def categorizer() -> tuple[Categorizer, str]:
    if UT1.is_dir():
        names = sorted(p.name for p in UT1.iterdir() if p.is_dir())
        return Categorizer.load(names, [BUNDLED, UT1]), f"UT1 dev data, {len(names)} categories"
    return Categorizer.load(["social_networks"], [BUNDLED]), "bundled social list only"


def sample_hosts(cat: Categorizer, rng: random.Random) -> list[str]:
    hosts = [f"www.{d}" for d in rng.sample(sorted(cat.domains), min(2000, len(cat.domains)))]
    for log in sorted(SQUID.rglob("*.log")) if SQUID.is_dir() else []:
        for line in log.read_text(errors="replace").splitlines():
            r = parse_line(line, 0)
            if r is not None and r.host:
                hosts.append(r.host)
    hosts += [f"host{i}.example.org" for i in range(2000)]  # uncategorized work traffic
    return hosts


def write_squid(path: Path, n: int, hosts: list[str], rng: random.Random) -> None:
    users = [f"user{i:03d}" for i in range(300)]
    with path.open("w") as fh:
        for i in range(n):
            host = rng.choice(hosts)
            fh.write(
                f"{START + i * 0.05:.3f}    {rng.randint(5, 900)} 10.1.{i % 250}.{i % 200} TCP_MISS/200 "
                f"{rng.randint(200, 90000)} GET http://{host}/p/{i % 97} {rng.choice(users)} "
                "HIER_DIRECT/93.184.216.34 text/html\n"
            )


def write_events(path: Path, n: int, rng: random.Random) -> None:
    with path.open("w") as fh:
        for i in range(n):
            at = datetime.fromtimestamp(START + i * 2, UTC).isoformat().replace("+00:00", "Z")
            ip = f"198.51.100.{i % 250}" if rng.random() < 0.8 else f"203.0.{i % 250}.{i % 200}"
            fh.write(
                json.dumps(
                    {
                        "kind": "admin#reports#activity",
                        "id": {"time": at, "uniqueQualifier": str(i), "applicationName": "login", "customerId": "C1"},
                        "actor": {"email": f"user{i % 500:03d}@district.example"},
                        "ipAddress": ip,
                        "events": [
                            {
                                "type": "login",
                                "name": "login_success",
                                "parameters": [{"name": "login_type", "value": "google_password"}],
                            }
                        ],
                    }
                )
                + "\n"
            )


def best(repeat: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=500_000)
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(401)
    t = time.process_time()
    cat, label = categorizer()
    print(f"categorizer: {len(cat):,} entries ({label}), loaded in {time.process_time() - t:.2f}s CPU")
    ctx = CheckContext(
        Directory(),
        PostureSettings(district_networks=["198.51.100.0/24"]),
        datetime.now(UTC),
        ZoneInfo("America/Chicago"),
    )
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "access.log"
        write_squid(log, args.lines, sample_hosts(cat, rng), rng)
        lines = log.read_text().splitlines()

        def parse_and_categorize() -> None:
            categorize = cat.categorize
            for n, line in enumerate(lines, 1):
                r = parse_line(line, n)
                if r is not None:
                    categorize(r.host, r.path)

        secs = best(args.repeat, parse_and_categorize)
        print(f"squid parse + categorize: {args.lines / secs:,.0f} lines/s ({args.lines:,} lines, {secs:.2f}s CPU)")
        errors: list[ReadError] = []
        flagged: list[int] = []

        def web_check() -> None:
            errors.clear()
            flagged.append(len(check_web(read_squid(log, errors), str(log), cat, ctx)))

        secs = best(args.repeat, web_check)
        print(
            f"squid personal-use check (read file + aggregate): {args.lines / secs:,.0f} lines/s; "
            f"{flagged[-1]} person-days flagged, {len(errors)} errors"
        )

        events = Path(tmp) / "events.ndjson"
        write_events(events, args.events, rng)
        secs = best(args.repeat, lambda: read_google_activity(events, []))
        print(f"reports API read: {args.events / secs:,.0f} events/s ({args.events:,} events)")
        read = read_google_activity(events, [])
        secs = best(args.repeat, lambda: (check_signins(read, ctx), check_mailbox(read, ctx)))
        print(f"sign-in + mailbox checks: {args.events / secs:,.0f} events/s")


if __name__ == "__main__":
    main()
