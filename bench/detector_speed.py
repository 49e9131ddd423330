"""Speed of each registered detector on real mail: messages/s and MB/s of item text, one core.

    python bench/detector_speed.py [--corpus PATH] [--repeat 5] [--only NAME ...] [--max-chars N]

Parses the dev-data e-mail corpus once with aupguard's own readers (`iter_records`,
`parse_record`), then times every detector of `aupguard.detectors.registry` over all items (best
of --repeat runs; the first, untimed pass warms lazy model loads and caches). Detectors with
`detect_many` are timed through it in batches of --batch items, which is how the scan calls them.
Times are CPU seconds of this process (`time.process_time`), so other work on a shared machine
does not skew them much. Alone, a text detector pays for the Aho-Corasick pass that commercial,
sexual_content, credentials, offensive_language and personal_info share over each item in a scan;
the last line ("item by item") runs them all on each item in turn, as the scan does. Also
prints how many signals each detector returned, so a speed change that loses findings shows.

Reads ../shared/dev-data/email_rfc5322_corpus (or --corpus / $AUPGUARD_DEV_DATA); prints a note
and exits 0 when it is absent. Timings are figures to read, not assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from aupguard.detectors import registry
from aupguard.detectors.base import DetectContext, Detector
from aupguard.model import Item, ReadError
from aupguard.sources import iter_records, parse_record

REPO = Path(__file__).resolve().parents[1]
DEV_DATA = Path(os.environ.get("AUPGUARD_DEV_DATA", REPO.parent / "shared" / "dev-data"))
DEFAULT_CORPUS = DEV_DATA / "email_rfc5322_corpus"


def load_items(corpus: Path) -> list[Item]:
    items = []
    for record in iter_records([corpus]):
        parsed = record if isinstance(record, ReadError) else parse_record(record)
        if isinstance(parsed, Item):
            items.append(parsed)
    return items


def run_once(detector: Detector, items: list[Item], ctx: DetectContext, batch: int) -> int:
    """Signals returned over all items (detect_many in batches when the detector has it)."""
    many: Any = getattr(detector, "detect_many", None)
    if many is None:
        return sum(len(detector.detect(item, ctx)) for item in items)
    return sum(len(s) for i in range(0, len(items), batch) for s in many(items[i : i + batch], ctx))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--only", nargs="*", default=None, help="detector names (default: all)")
    parser.add_argument("--max-chars", type=int, default=None, help="time only items this short (typical mail)")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: corpus not found at {args.corpus}")
        return 0

    items = load_items(args.corpus)
    if args.max_chars is not None:
        items = [i for i in items if len(i.text) <= args.max_chars]
    if not items:
        print(f"skipped: no items parsed from {args.corpus}")
        return 0
    lengths = sorted(len(i.text) for i in items)
    megabytes = sum(lengths) / 1e6
    print(
        f"{len(items)} items from {args.corpus}; text median {statistics.median(lengths):.0f} chars, "
        f"p90 {lengths[int(0.9 * (len(lengths) - 1))]}, max {lengths[-1]}, total {megabytes:.2f} MB"
    )
    ctx = DetectContext()
    names = args.only or registry.names()
    print(f"{'detector':<20}{'msg/s':>10}{'MB/s':>9}{'ms/msg':>9}{'signals':>9}")
    total_seconds = 0.0
    for name in names:
        detector = registry.get(name)
        signals = run_once(detector, items, ctx, args.batch)  # warm-up: model loads, caches
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.process_time()
            run_once(detector, items, ctx, args.batch)
            best = min(best, time.process_time() - t0)
        total_seconds += best
        print(
            f"{name:<20}{len(items) / best:>10,.0f}{megabytes / best:>9.2f}{1000 * best / len(items):>9.3f}{signals:>9}"
        )
    print(f"{'sum of the above':<20}{len(items) / total_seconds:>10,.0f}{megabytes / total_seconds:>9.2f}"
          f"{1000 * total_seconds / len(items):>9.3f}")  # fmt: skip
    together = min(run_item_by_item([registry.get(n) for n in names], items, ctx) for _ in range(args.repeat))
    print(f"{'item by item':<20}{len(items) / together:>10,.0f}{megabytes / together:>9.2f}"
          f"{1000 * together / len(items):>9.3f}")  # fmt: skip
    return 0


def run_item_by_item(detectors: list[Detector], items: list[Item], ctx: DetectContext) -> float:
    """CPU seconds of every detector on each item in turn, as `scanning._detect` runs them: the
    text detectors then share one automaton pass and the per-text caches over each item, which
    the one-detector timings above each pay for alone."""
    t0 = time.process_time()
    for item in items:
        for detector in detectors:
            many: Any = getattr(detector, "detect_many", None)
            many([item], ctx) if many is not None else detector.detect(item, ctx)
    return time.process_time() - t0


if __name__ == "__main__":
    sys.exit(main())
