"""Memory and speed of streaming a large mbox through iter_records + parse_record.

    python bench/mbox_memory.py [size_mb]      (default 1024)

Builds an mbox of about `size_mb` MB in a temporary folder (Enron messages from dev-data when
present, synthetic ones otherwise), then reads it in this process, keeping nothing. Prints the
peak resident memory before and after reading and messages per second; asserts nothing.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from aupguard.model import Item
from aupguard.sources import RawRecord, iter_records, parse_record

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("AUPGUARD_DEV_DATA", REPO.parent / "shared" / "dev-data")) / "email_rfc5322_corpus"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def sample_messages() -> list[bytes]:
    folder = CORPUS / "enron_inbox_sample"
    if folder.exists():
        return [p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()]
    messages = []
    for n in range(200):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = f"staff{n}@district.org", "all@district.org", f"Note {n}"
        msg["Date"] = "Mon, 03 Jun 2024 10:00:00 -0500"
        msg.set_content(("From the desk of the principal.\n" + "Lorem ipsum dolor sit amet. " * 40) * 3)
        messages.append(msg.as_bytes())
    return messages


def build_mbox(path: Path, size: int) -> int:
    messages = [m.replace(b"\nFrom ", b"\n>From ") for m in sample_messages()]
    written = count = 0
    with path.open("wb") as out:
        while written < size:
            message = messages[count % len(messages)]
            chunk = b"From bench@example.com Mon Jun  3 10:00:00 2024\n" + message.rstrip(b"\n") + b"\n\n"
            out.write(chunk)
            written += len(chunk)
            count += 1
    return count


def main() -> None:
    size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.mbox"
        start = time.perf_counter()
        built = build_mbox(path, size_mb * 1024 * 1024)
        print(
            f"built {path.stat().st_size / 2**20:,.0f} MB mbox, {built:,} messages, {time.perf_counter() - start:.1f} s"
        )
        print(f"peak RSS before reading: {peak_rss_mb():,.0f} MB")
        records = items = errors = 0
        start, cpu_start = time.perf_counter(), time.process_time()
        for record in iter_records([path]):
            records += 1
            result = parse_record(record) if isinstance(record, RawRecord) else record
            if isinstance(result, Item):
                items += 1
            else:
                errors += 1
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        print(f"read {records:,} records: {items:,} items, {errors:,} errors in {seconds:.1f} s")
        print(f"{records / seconds:,.0f} messages/s, {size_mb / seconds:,.1f} MB/s wall time (one process)")
        print(f"{records / cpu:,.0f} messages per CPU-second ({cpu:.1f} s CPU)")
        print(f"peak RSS after reading: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
