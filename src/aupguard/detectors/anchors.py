"""Literal prefilters for lexicon regexes: skip a regex when the text cannot hold a match.

Python's `re` tries every alternative of a big `(?:a|b|...)` at every position of the text, so
a lexicon of a hundred cues costs far more than reading the text. Nearly every cue, though,
contains some fixed word ("order", "shop", "$"), and a text that contains none of a regex's
words cannot match it. `required_literals` derives such a set of words from the regex itself
(from the syntax tree of the standard library's own regex parser), so the set can never drift
from the patterns; `AnchorFilter` checks every set against a text in one Aho-Corasick pass.

Exactness: a set is returned only when *every* match of the regex contains one of its strings
(lowercased); otherwise None, and the regex always runs. The text is folded the same way
(`fold`), including the four non-ASCII letters that `re.IGNORECASE` equates with ASCII ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import ahocorasick

# The stdlib parser `re.compile` itself uses (re/_parser.py). Private, but it is what defines
# the syntax; imported by name because typeshed does not describe it.
_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

# Non-ASCII letters that `re.IGNORECASE` matches to an ASCII letter whose `lower()` is not that
# letter (found by trying every code point; the test suite re-checks the table).
_IGNORECASE_EXTRAS = str.maketrans({"İ": "i", "ı": "i", "ſ": "s", "K": "k"})

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}


def fold(text: str) -> str:
    """`text` as the anchors see it: lowercase, IGNORECASE's odd letters mapped to ASCII."""
    return text.lower() if text.isascii() else text.translate(_IGNORECASE_EXTRAS).lower()


def required_literals(pattern: str) -> frozenset[str] | None:
    """Lowercase strings at least one of which every match of `pattern` contains, or None."""
    found = _sequence(_parser.parse(pattern))
    return frozenset(found) if found else None


def _selectivity(literal: str) -> float:
    # Rough rarity in mail: symbols ("$", "%", "/") are rarer than letters, spaces commoner.
    return sum(0.5 if ch.isspace() else 1.0 if ch.isalnum() else 5.0 for ch in literal)


def _best(candidates: list[set[str]]) -> set[str] | None:
    # The most selective requirement: rarest least-rare string, then fewest strings. Any
    # candidate is correct (each element of a sequence is required); this only picks the one
    # that lets the fewest texts through.
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(map(_selectivity, s)), -len(s)))


def _sequence(items: Iterable[Any]) -> set[str] | None:
    """Every match of the concatenation contains a match of each element: keep the best one."""
    candidates: list[set[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av).lower())
            continue
        if run:
            candidates.append({"".join(run)})
            run = []
        child = _element(op, av)
        if child:
            candidates.append(child)
    if run:
        candidates.append({"".join(run)})
    return _best(candidates)


def _element(op: Any, av: Any) -> set[str] | None:
    if op is _c.SUBPATTERN:
        return _sequence(av[-1])
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _sequence(av)
    if op is _c.BRANCH:
        union: set[str] = set()
        for alternative in av[1]:
            needed = _sequence(alternative)
            if not needed:  # an alternative without a fixed word: the branch requires nothing
                return None
            union |= needed
        return union
    if op in _REPEATS and av[0] >= 1:
        return _sequence(av[2])
    # Character classes, `.`, anchors, lookarounds, optional parts: nothing is required.
    return None


class AnchorFilter:
    """Which of several keyed regexes can match a text, by their required literals.

    Keys whose patterns yield no literal set are always reported as possible.
    """

    def __init__(self, patterns: Mapping[Hashable, Iterable[str]]) -> None:
        self.always: set[Hashable] = set()
        self.anchors: dict[Hashable, frozenset[str]] = {}
        by_anchor: dict[str, set[Hashable]] = {}
        for key, alternatives in patterns.items():
            needed: set[str] = set()
            for pattern in alternatives:
                literals = required_literals(pattern)
                if literals is None:
                    self.always.add(key)
                    break
                needed |= literals
            else:
                self.anchors[key] = frozenset(needed)
                for anchor in needed:
                    by_anchor.setdefault(anchor, set()).add(key)
        self._automaton: Any = None
        if by_anchor:
            self._automaton = ahocorasick.Automaton()
            for anchor, keys in by_anchor.items():
                self._automaton.add_word(anchor, frozenset(keys))
            self._automaton.make_automaton()

    def possible(self, text: str) -> set[Hashable]:
        """Keys whose regex may match `text` (a superset of those that do)."""
        keys = set(self.always)
        if self._automaton is not None:
            for _, found in self._automaton.iter(fold(text)):
                keys |= found
        return keys
