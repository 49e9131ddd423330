"""What the detectors remember of the texts they read lately, shared among them, and forgotten
at once when a scan moves on (`forget_texts`).

Several detectors look for the same things in the same item: its folded text, its words, its
phone-number windows, the shared automaton pass (anchors.py). Each such piece of per-text work
is cached for the last `RECENT_TEXTS` texts, so that it is done once per item whichever detector
asks first.

Why so many texts, not just the last one: the scan hands the detectors a chunk of items and
runs each detector over the whole chunk before the next detector (scanning._detect), which
keeps one detector's code and data in the CPU's caches instead of switching between eleven
detectors on every item (about 15% less detection CPU, docs/benchmarks.md). The per-text
caches must then hold a whole chunk. `forget_texts` empties them after each chunk, so what they
hold is bounded by one chunk (scanning.DETECT_CHUNK_CHARS), not by the largest texts ever read.

Every cached function is pure: a hit gives what the call would, so forgetting changes no result.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import _lru_cache_wrapper, lru_cache
from typing import Generic, TypeVar

# At least twice the items scanning._detect hands the detectors at a time (DETECT_CHUNK_ITEMS),
# so nothing of the current chunk is evicted before every detector has read it.
RECENT_TEXTS = 256

_T = TypeVar("_T")
_K = TypeVar("_K", bound=Hashable)

_caches: list[_lru_cache_wrapper[object]] = []
_forgetters: list[Callable[[], None]] = []


def per_text(entries: int = 1) -> Callable[[Callable[..., _T]], _lru_cache_wrapper[_T]]:
    """Cache a pure function of a text (and a few small arguments) for the recent texts:
    `entries` per text, for a function called with several argument sets per text."""

    def wrap(function: Callable[..., _T]) -> _lru_cache_wrapper[_T]:
        cached = lru_cache(maxsize=entries * RECENT_TEXTS)(function)
        _caches.append(cached)
        return cached

    return wrap


def on_forget(forget: Callable[[], None]) -> None:
    """Have `forget_texts` also call `forget` (a cache that is not an lru_cache)."""
    _forgetters.append(forget)


class Recent(Generic[_K, _T]):
    """What is remembered of the recent texts or items, by key, where `per_text` does not fit:
    at most RECENT_TEXTS entries (it starts afresh when full, which a scan, forgetting after
    each chunk, never reaches), emptied by `forget_texts`. An entry is stored in one step, so a
    reader in another thread finds it whole or not at all."""

    def __init__(self) -> None:
        self._entries: dict[_K, _T] = {}
        on_forget(self.forget)

    def get(self, key: _K) -> _T | None:
        return self._entries.get(key)

    def remember(self, key: _K, value: _T) -> None:
        if len(self._entries) >= RECENT_TEXTS:
            self._entries = {}
        self._entries[key] = value

    def forget(self) -> None:
        self._entries = {}

    def __len__(self) -> int:
        return len(self._entries)


def forget_texts() -> None:
    """Empty every per-text cache: after a chunk of items (the scan), a batch of lines (`aupguard
    detect`) or a request (the console), so that no text is held longer than its reading."""
    for cached in _caches:
        cached.cache_clear()
    for forget in _forgetters:
        forget()
