"""Messages per second for parse_record on real workplace mail (the Enron sample in dev-data).

    python bench/email_parse_rate.py [folder]

Reads every message once into memory, then times parse_record alone (CPU time of this
process, so other load on the machine does not skew it; the reader's caches of recent address
values are emptied before each round, so repeating the messages does not flatter it), and for
comparison the bare stdlib compat32 parser. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import sys
import time
from email import message_from_bytes
from pathlib import Path

from aupguard.model import Item
from aupguard.sources import RawRecord, iter_records, parse_record
from aupguard.sources.headers import forget_recent_addresses

DEFAULT = Path(__file__).resolve().parents[1] / ".." / "shared" / "dev-data" / "email_rfc5322_corpus"


def main() -> None:
    base = Path(os.environ.get("AUPGUARD_DEV_DATA", DEFAULT.parent)) / "email_rfc5322_corpus"
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else base / "enron_inbox_sample"
    if not folder.exists():
        print(f"no corpus at {folder}; nothing to measure")
        return
    records = [r for r in iter_records([folder]) if isinstance(r, RawRecord)]
    size = sum(len(r.raw) for r in records)
    print(f"{len(records)} messages, mean {size / len(records):,.0f} bytes, from {folder}")
    rounds = max(1, 20_000 // len(records))
    for label, parse in (
        ("parse_record", parse_record),
        ("compat32 only", lambda r: message_from_bytes(r.raw)),
    ):
        start = time.process_time()
        items = 0
        for _ in range(rounds):
            forget_recent_addresses()  # each round as if the messages were new to the process
            for record in records:
                items += isinstance(parse(record), Item)
        elapsed = time.process_time() - start
        print(f"{label:>14}: {rounds * len(records) / elapsed:,.0f} messages per CPU-second")


if __name__ == "__main__":
    main()
