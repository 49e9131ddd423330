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
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
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


def required_clauses(pattern: str) -> tuple[frozenset[str], ...]:
    """Sets of lowercase strings such that every match of `pattern` contains one string of
    each set (all the fixed parts of the pattern's top level; empty when there are none)."""
    clauses: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in list(_parser.parse(pattern)) + [(None, None)]:
        if op is _c.LITERAL:
            run.append(chr(av).lower())
            continue
        if run:
            clauses.append(frozenset({"".join(run)}))
            run = []
        child = _element(op, av) if op is not None else None
        if child:
            clauses.append(frozenset(child))
    return tuple(clauses)


def may_match(folded: str, clauses: tuple[frozenset[str], ...]) -> bool:
    """False only when `folded` (see `fold`) lacks every string of some clause: no match."""
    return all(any(literal in folded for literal in clause) for clause in clauses)


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


MAX_START_LITERALS = 256  # per pattern; beyond this a shorter common start is used


def start_literals(pattern: str) -> frozenset[str] | None:
    """Lowercase strings one of which every match of `pattern` starts with, or None."""
    found = _prefixes(list(_parser.parse(pattern)))
    if not found or any(not literal for literal, _ in found):
        return None
    return frozenset(literal for literal, _ in found)


# A prefix set: (literal, whole) pairs; `whole` says the literal is the entire match of the
# part, so what follows the part may be appended to it ("(i am|i'm) selling" -> "i am selling").
_Prefixes = set[tuple[str, bool]]


def _prefixes(items: list[Any]) -> _Prefixes | None:
    if not items:
        return {("", True)}
    op, av = items[0]
    if op is _c.LITERAL:
        length = next((i for i, (o, _) in enumerate(items) if o is not _c.LITERAL), len(items))
        run = "".join(chr(code).lower() for _, code in items[:length])
        return _then({(run, True)}, items[length:])
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return _prefixes(items[1:])  # zero-width: the match starts with what follows
    if op is _c.SUBPATTERN:
        return _then(_prefixes(list(av[-1])), items[1:])
    if op is _c.BRANCH:
        union: _Prefixes = set()
        for alternative in av[1]:
            found = _prefixes(list(alternative))
            if found is None:
                return None
            union |= found
        return _then(union, items[1:])
    if op in _REPEATS:
        low, high, child = av[0], av[1], list(av[2])
        taken = _prefixes(child)
        if taken is not None and high != 1:
            taken = {(literal, False) for literal, _ in taken}  # repeats: stop at one copy
        taken = _then(taken, items[1:])
        if low >= 1:
            return taken
        skipped = _prefixes(items[1:])  # an optional part: it or what follows starts the match
        return taken | skipped if taken is not None and skipped is not None else None
    return None  # a character class, `.`, a back-reference: any character may start it


def _then(found: _Prefixes | None, rest: list[Any]) -> _Prefixes | None:
    """`found` followed by the parts in `rest`."""
    if found is None or not rest or not any(whole for _, whole in found):
        return found
    after = _prefixes(rest)
    if after is None or len(found) * len(after) > MAX_START_LITERALS:
        return {(literal, False) for literal, _ in found}
    out: _Prefixes = set()
    for literal, whole in found:
        if whole:
            out |= {(literal + more, rest_whole) for more, rest_whole in after}
        else:
            out.add((literal, False))
    return out


class LexiconScanner:
    r"""`finditer` for groups of regex alternatives, jumping straight to where a match can start.

    `groups` maps a key to its alternatives (regex source strings) and `compile` turns a tuple of
    alternatives into the group's regex (adding boundaries and flags). `scan(text)` reads the
    folded text once with an Aho-Corasick automaton over the literals each alternative must
    start with; `finditer(key)` then tries the group's regex only at those positions, and only
    with the alternatives that can start there. That yields exactly the matches of
    `compile(alternatives).finditer(text)`: a match starts with one of its alternative's start
    literals, so no other position can hold one, and an alternative that cannot start at a
    position takes no part in the alternation there. The compiled regex MUST add nothing that
    consumes characters before the alternatives (lookbehinds and `\b` are fine).

    An alternative with no start literal (it begins with `\d` or `[\w-]+`) is gated instead by
    the literals it must contain anywhere (`required_literals`); when those occur, its group falls
    back to a whole-text `finditer` of the alternatives that can occur at all.
    """

    def __init__(
        self,
        groups: Mapping[Hashable, Sequence[str]],
        compile: Callable[[tuple[str, ...]], re.Pattern[str]],
    ) -> None:
        self.groups = {key: tuple(alternatives) for key, alternatives in groups.items()}
        self._compile = lru_cache(maxsize=4096)(compile)
        self.always: set[Hashable] = set()  # groups with an alternative no literal bounds
        by_literal: dict[str, set[tuple[bool, Hashable, int]]] = {}
        for key, alternatives in self.groups.items():
            for index, alternative in enumerate(alternatives):
                starts = start_literals(alternative)
                anywhere = required_literals(alternative) if starts is None else None
                if starts is None and anywhere is None:
                    self.always.add(key)
                for literal in starts or anywhere or ():
                    by_literal.setdefault(literal, set()).add((starts is not None, key, index))
        self._automaton: Any = ahocorasick.Automaton()
        for literal, entries in by_literal.items():
            self._automaton.add_word(literal, (len(literal), tuple(entries)))
        if by_literal:
            self._automaton.make_automaton()
        self._has_literals = bool(by_literal)

    def scan(self, text: str) -> LexiconScan:
        starts: dict[Hashable, dict[int, set[int]]] = {}
        unanchored: dict[Hashable, set[int]] = {}
        if self._has_literals:
            for end, (length, entries) in self._automaton.iter(fold(text)):
                for anchored, key, index in entries:
                    if anchored:
                        starts.setdefault(key, {}).setdefault(end - length + 1, set()).add(index)
                    else:
                        unanchored.setdefault(key, set()).add(index)
        return LexiconScan(self, text, starts, unanchored)


class LexiconScan:
    """One text as seen by a `LexiconScanner` (see there)."""

    def __init__(
        self,
        scanner: LexiconScanner,
        text: str,
        starts: dict[Hashable, dict[int, set[int]]],
        unanchored: dict[Hashable, set[int]],
    ) -> None:
        self.scanner, self.text, self._starts, self._unanchored = scanner, text, starts, unanchored

    def may_match(self, key: Hashable) -> bool:
        return key in self._starts or key in self._unanchored or key in self.scanner.always

    def finditer(self, key: Hashable) -> Iterator[re.Match[str]]:
        """The matches of the group's regex in the text, as its own `finditer` gives them."""
        alternatives = self.scanner.groups[key]
        starts = self._starts.get(key, {})
        if key in self._unanchored or key in self.scanner.always:
            # Some alternative can match without a start literal: scan the whole text with
            # every alternative that can occur at all.
            chosen = alternatives
            if key not in self.scanner.always:
                possible = set(self._unanchored[key]).union(*starts.values())
                chosen = tuple(a for i, a in enumerate(alternatives) if i in possible)
            yield from self.scanner._compile(chosen).finditer(self.text)
            return
        resume = 0
        for position in sorted(starts):
            if position < resume:
                continue
            chosen = tuple(a for i, a in enumerate(alternatives) if i in starts[position])
            m = self.scanner._compile(chosen).match(self.text, position)
            if m is not None:
                yield m
                resume = m.end()
