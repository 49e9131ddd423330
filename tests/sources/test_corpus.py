"""The whole dev e-mail corpus: every file ends as items or errors with a reason; nothing raises.

Run with `pytest -m corpus -s` to see the counts.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path

import pytest

from aupguard.model import Item, ReadError
from aupguard.sources import RawRecord, iter_records, parse_record

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("AUPGUARD_DEV_DATA", REPO.parent / "shared" / "dev-data")) / "email_rfc5322_corpus"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not (CORPUS / "manifest.csv").exists(), reason="dev corpus not present"),
]


def corpus_files() -> list[Path]:
    with (CORPUS / "manifest.csv").open(newline="") as handle:
        return [CORPUS / row["file"] for row in csv.DictReader(handle) if not row["duplicate_of"]]


def test_every_corpus_file_becomes_items_or_errors() -> None:
    files = corpus_files()
    items = 0
    reasons: Counter[str] = Counter()
    for path in files:
        records = 0
        for record in iter_records([path]):
            records += 1
            result = parse_record(record) if isinstance(record, RawRecord) else record
            if isinstance(result, Item):
                items += 1
                assert result.id and result.raw
            else:
                assert isinstance(result, ReadError) and result.reason
                reasons[result.reason.split(":")[0]] += 1
        assert records >= 1, path
    print(f"\n{len(files)} files: {items} items, {sum(reasons.values())} errors")
    for reason, count in reasons.most_common(10):
        print(f"  {count:5}  {reason}")
    # Almost all of this corpus is real mail; a reader that fails on much of it is broken.
    assert items >= 0.95 * len(files)
