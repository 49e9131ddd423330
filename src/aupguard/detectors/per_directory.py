"""Derived indexes built once per Directory and dropped with it.

A scan hands every detector the same read-only Directory; indexes computed from it (phone keys,
home addresses) are built on first use and forgotten when the Directory is garbage-collected,
so nothing extra is pickled to the workers and a new scan never sees a stale index.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from aupguard.directory.index import Directory

T = TypeVar("T")


def per_directory(build: Callable[[Directory], T]) -> Callable[[Directory], T]:
    cache: dict[int, T] = {}

    @wraps(build)
    def cached(directory: Directory) -> T:
        key = id(directory)
        if key not in cache:
            cache[key] = build(directory)
            weakref.finalize(directory, cache.pop, key, None)
        return cache[key]

    return cached
