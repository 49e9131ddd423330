"""Gateway speed with real mail: added latency (p50/p99) at a steady rate, and sustained msg/s.

Messages are the dev-data corpus (../shared/dev-data/email_rfc5322_corpus), sent with smtplib
over persistent connections to `aupguard gateway` running as its own process (as in production),
in a temporary workspace on SQLite (or AUPGUARD_DATABASE_URL).

* added latency: time from the end of DATA to the 250, minus the same for a do-nothing aiosmtpd
  sink on the same machine (the SMTP round trip any receiver costs). Journal: the spool write and
  fsync. Filter: spool + re-injection into a sink standing in for Postfix's 10026 smtpd.
* sustained journaling: several clients send as fast as the gateway accepts; msg/s accepted,
  and how long the background scan takes to empty the spool afterwards (scan msg/s).

    python bench/gateway_latency.py                       # 50 msg/s for 20 s, then 5,000 as fast as possible
    python bench/gateway_latency.py --rate 50 --seconds 30 --burst 10000 --clients 8

Targets (2-core machine): p99 added latency < 50 ms at 50 msg/s; >= 500 msg/s journaling.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("AUPGUARD_DEV_DATA", REPO.parent / "shared" / "dev-data")) / "email_rfc5322_corpus"
LAUNCH = "import sys; from aupguard.cli import main; sys.argv[0] = 'aupguard'; main()"
SINK = (
    "import asyncio, sys\n"
    "from aiosmtpd.smtp import SMTP\n"
    "class Big(SMTP):\n"
    "    line_length_limit = 2**20\n"
    "class H:\n"
    "    async def handle_DATA(self, server, session, envelope): return '250 OK'\n"
    "async def main():\n"
    "    loop = asyncio.get_running_loop()\n"
    "    await loop.create_server(lambda: Big(H(), data_size_limit=None), '127.0.0.1', int(sys.argv[1]))\n"
    "    await asyncio.Event().wait()\n"
    "asyncio.run(main())\n"
)


def corpus() -> list[bytes]:
    if not CORPUS.is_dir():
        sys.exit(f"dev data not present: {CORPUS}")
    out = []
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.suffix not in (".csv", ".md", ".json") and path.stat().st_size < 2**20:
            data = path.read_bytes()
            if b"\n\n" in data.replace(b"\r\n", b"\n")[:20000]:  # has a header block: a message
                out.append(data)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit(f"{args} did not start listening on {port}")


def unique(raw: bytes, n: int) -> bytes:
    # A distinct header per copy: every send is a new message (a new spool file, a new item).
    return f"X-Bench-Copy: {n}\r\n".encode() + raw


def paced_latencies(port: int, messages: list[bytes], rate: float, seconds: float, offset: int) -> list[float]:
    """Seconds from sending DATA to the 250, one message every 1/rate s on one connection."""
    out: list[float] = []
    total = int(rate * seconds)
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        smtp.ehlo()
        begin = time.perf_counter()
        for i in range(total):
            due = begin + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            raw = unique(messages[i % len(messages)], offset + i)
            smtp.mail("journal@district.example")
            smtp.rcpt("archive@district.example")
            t = time.perf_counter()
            code, reply = smtp.data(raw)
            out.append(time.perf_counter() - t)
            if code != 250:
                raise SystemExit(f"refused: {code} {reply!r}")
    return out


def burst(port: int, messages: list[bytes], count: int, clients: int, offset: int) -> float:
    """msg/s accepted with `clients` connections sending as fast as they can."""
    per = count // clients

    def client(c: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            for i in range(per):
                n = offset + c * per + i
                smtp.sendmail(
                    "journal@district.example", ["archive@district.example"], unique(messages[n % len(messages)], n)
                )

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return per * clients / (time.perf_counter() - t)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--burst", type=int, default=5000)
    ap.add_argument("--clients", type=int, default=4)
    a = ap.parse_args()
    messages = corpus()
    print(f"{len(messages)} corpus messages, {sum(map(len, messages)) / len(messages) / 1024:.1f} KiB on average")
    with tempfile.TemporaryDirectory(prefix="aupguard-gw-bench-") as tmp:
        env = {**os.environ, "AUPGUARD_HOME": str(Path(tmp) / "ws"), "AUPGUARD_WORKERS": "1"}
        subprocess.run([sys.executable, "-c", LAUNCH, "init"], env=env, check=True, capture_output=True)
        sink_port, journal_port, filter_port = free_port(), free_port(), free_port()
        procs = [start(["-c", SINK, str(sink_port)], sink_port, env)]
        try:
            procs.append(start(["-c", LAUNCH, "gateway", "journal", "--port", str(journal_port)], journal_port, env))
            procs.append(
                start(
                    [
                        "-c",
                        LAUNCH,
                        "gateway",
                        "filter",
                        "--port",
                        str(filter_port),
                        "--next-hop",
                        f"127.0.0.1:{sink_port}",
                    ],
                    filter_port,
                    env,
                )
            )
            base = paced_latencies(sink_port, messages, a.rate, a.seconds, 0)
            journal = paced_latencies(journal_port, messages, a.rate, a.seconds, 10**6)
            filt = paced_latencies(filter_port, messages, a.rate, a.seconds, 2 * 10**6)
            print(f"\nat {a.rate:g} msg/s for {a.seconds:g} s ({len(base)} messages each), DATA -> 250:")
            print(f"  {'':28} {'p50 ms':>8} {'p99 ms':>8} {'added p50':>10} {'added p99':>10}")
            for name, values in (("sink (baseline)", base), ("journal", journal), ("filter (re-inject to sink)", filt)):
                print(
                    f"  {name:28} {pct(values, 50):8.2f} {pct(values, 99):8.2f} "
                    f"{pct(values, 50) - pct(base, 50):10.2f} {pct(values, 99) - pct(base, 99):10.2f}"
                )
            procs[2].kill()  # the filter's own scans would compete with the journal burst
            spool = Path(tmp) / "ws" / "gateway-spool" / "new"
            while any(spool.glob("*.eml")):
                time.sleep(0.2)
            rate = burst(journal_port, messages, a.burst, a.clients, 3 * 10**6)
            t = time.perf_counter()
            print(f"\nsustained journaling ({a.burst} messages, {a.clients} clients): {rate:.0f} msg/s accepted")
            while any(spool.glob("*.eml")):
                time.sleep(0.2)
            print(
                f"spool scanned empty {time.perf_counter() - t:.1f} s after the burst ended "
                f"(background scan keeps up at about {a.burst / (a.burst / rate + time.perf_counter() - t):.0f} msg/s)"
            )
        finally:
            for p in procs:
                p.kill()
                p.wait()


if __name__ == "__main__":
    main()
