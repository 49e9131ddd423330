"""The scan runs each detector over a chunk of items before the next detector (scanning._detect),
with the per-text work the detectors share remembered for the chunk and forgotten after it
(detectors/recent.py). The signals are those of running every detector item by item."""

from __future__ import annotations

from typing import Any

import pytest

from aupguard import scanning
from aupguard.cli.demo_cmd import demo_district_dir, load_demo_district
from aupguard.detectors import anchors, item_text, recent
from aupguard.detectors.anchors import fold_recent
from aupguard.detectors.roster_names import ascii_words
from aupguard.model import Channel, Item, Signal, content_id
from aupguard.sources import RawRecord, iter_records, parse_record
from aupguard.workspace import Workspace


def demo_items() -> list[Item]:
    records = [r for r in iter_records([demo_district_dir() / "messages"]) if isinstance(r, RawRecord)]
    return [i for i in map(parse_record, records) if isinstance(i, Item)]


def item_by_item(items: list[Item], state: scanning._WorkerState) -> list[list[Signal]]:
    """Every detector on one item, then the next item: the order the scan used to run them in."""
    out = []
    for item in items:
        sigs: list[Signal] = []
        for det in state.detectors:
            many = getattr(det, "detect_many", None)
            sigs.extend(many([item], state.detect_ctx)[0] if many else det.detect(item, state.detect_ctx))
        out.append(sigs)
        recent.forget_texts()
    return out


def as_tuples(signals: list[list[Signal]]) -> list[list[tuple[Any, ...]]]:
    return [[(s.detector, s.kind, s.start, s.end, s.text, round(s.score, 6), s.explanation) for s in sigs]
            for sigs in signals]  # fmt: skip


@pytest.fixture
def every_detector(workspace: Workspace) -> scanning._WorkerState:
    load_demo_district(workspace, demo_district_dir())
    return scanning._prepare_state(workspace, None, None, only_where_rules_apply=False)


@pytest.mark.parametrize(("chunk_items", "chunk_chars"), [(128, 400_000), (3, 400_000), (50, 2_000), (1, 1)])
def test_detector_by_detector_gives_the_signals_of_item_by_item(
    every_detector: scanning._WorkerState, monkeypatch: pytest.MonkeyPatch, chunk_items: int, chunk_chars: int
) -> None:
    items = demo_items()
    expected = as_tuples(item_by_item(items, every_detector))
    assert sum(map(len, expected)) >= 50  # the sample district's planted violations
    monkeypatch.setattr(scanning, "DETECT_CHUNK_ITEMS", chunk_items)
    monkeypatch.setattr(scanning, "DETECT_CHUNK_CHARS", chunk_chars)
    assert as_tuples(scanning._detect(items, every_detector)) == expected


def body_item(body: str, subject: str | None = None) -> Item:
    raw = f"{subject}|{body}".encode()
    return Item(content_id(raw), Channel.EMAIL, "t", "", raw, subject=subject, body=body)


def test_chunks_hold_at_most_so_many_items_and_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scanning, "DETECT_CHUNK_ITEMS", 4)
    monkeypatch.setattr(scanning, "DETECT_CHUNK_CHARS", 100)
    sizes = [10, 10, 10, 10, 10, 95, 250, 5, 60, 60, 30]
    items = [body_item("x" * n) for n in sizes]
    items[1] = body_item("x" * 6, subject="abcd")  # subject and body count: 10 characters
    chunks = list(scanning._chunks(items))
    assert [list(c) for c in chunks] == [[0, 1, 2, 3], [4], [5], [6], [7, 8], [9, 10]]
    for chunk in chunks:
        assert len(chunk) <= 4
        assert len(chunk) == 1 or sum(sizes[i] for i in chunk) <= 100  # a longer item is alone
    assert list(scanning._chunks([])) == []


def test_the_shared_pass_reads_each_text_of_a_chunk_once_and_forgets_it_after(
    every_detector: scanning._WorkerState, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = demo_items()[:100]
    scanning._detect(items[:1], every_detector)  # every detector has made its literal readers
    anchors.consolidate_shared_pass()
    reads: list[str] = []
    read = anchors._Automaton.read

    def counted(self: anchors._Automaton, text: str, found: dict[int, Any]) -> None:
        reads.append(text)
        read(self, text, found)

    monkeypatch.setattr(anchors._Automaton, "read", counted)
    scanning._detect(items, every_detector)
    # Five detectors read the automaton's hits of each text; the recent texts' caches hold a
    # whole chunk, so each text was walked once, however many detectors came between.
    assert len(reads) == len(set(reads)) == len({i.text for i in items})
    # ... and nothing of the chunk is held once it is read
    assert fold_recent.cache_info().currsize == 0
    assert ascii_words.cache_info().currsize == 0
    assert len(anchors._SHARED_PASS._recent) == 0
    assert len(item_text._recent) == 0


def test_forget_texts_empties_every_per_text_cache() -> None:
    text = "Call 515-555-0100 at 12 Main St. > quoted"
    item = body_item(text)
    assert item_text.item_text(item) is item_text.item_text(item)
    fold_recent(text)
    ascii_words(text)
    assert fold_recent.cache_info().currsize and ascii_words.cache_info().currsize and item_text._recent
    recent.forget_texts()
    assert not fold_recent.cache_info().currsize and not ascii_words.cache_info().currsize
    assert len(item_text._recent) == 0
    assert fold_recent(text) == text.lower()  # forgetting changes no answer
