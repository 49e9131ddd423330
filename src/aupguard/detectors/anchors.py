"""Fixed words of lexicon regexes, to run a big alternation only where it can match.

Python's `re` tries every alternative of a big `(?:a|b|...)` at every position of the text, so
a lexicon of a hundred cues costs far more than reading the text. Nearly every cue, though,
starts with or contains some fixed word ("order", "shop", "$"). This module derives those words
from each regex itself - from the syntax tree of the standard library's own regex parser, so
they can never drift from the patterns - and uses them two ways:

* `start_literals` / `LexiconScanner`: the strings every match starts with; one Aho-Corasick
  pass finds where they occur and the regex is tried only there (commercial, sexual_content).
* `required_literals` / `required_clauses` / `may_match`: strings every match contains; a text
  without them cannot match (software_transfer's link patterns).

Exactness: a literal set is returned only when *every* match of the regex starts with (or
contains) one of its strings, lowercased; otherwise None, and the regex runs as before. Texts
are folded the same way (`fold`, which keeps offsets), including the four non-ASCII letters
that `re.IGNORECASE` equates with ASCII ones. Tests compare against the plain regexes.
"""

from __future__ import annotations

import importlib
import itertools
import re
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence, Set
from functools import lru_cache
from typing import Any

import ahocorasick_rs

from aupguard.detectors.recent import Recent, per_text

# The stdlib parser `re.compile` itself uses (re/_parser.py). Private, but it is what defines
# the syntax; imported by name because typeshed does not describe it.
# Should a future Python move them, every function below answers "no literals" and the
# detectors simply run their regexes everywhere: slower, never wrong.
try:
    _parser: Any = importlib.import_module("re._parser")
    _c: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - Python 3.11-3.13 have both
    _parser = _c = None

# Non-ASCII letters that `re.IGNORECASE` matches to an ASCII letter whose `lower()` is not that
# letter (found by trying every code point; the test suite re-checks the table).
_ODD_LETTERS = "İıſK"
_IGNORECASE_EXTRAS = str.maketrans({"İ": "i", "ı": "i", "ſ": "s", "K": "k"})

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)} if _c else set()


def fold(text: str) -> str:
    """`text` as the anchors see it: lowercase, IGNORECASE's odd letters mapped to ASCII."""
    if text.isascii() or not any(char in text for char in _ODD_LETTERS):
        return text.lower()
    return text.translate(_IGNORECASE_EXTRAS).lower()


@per_text()
def fold_recent(text: str) -> str:
    """`fold(text)`, remembered for the recent texts (detectors/recent.py): most detectors fold
    an item's whole text (the scanners' shared pass,
    software_transfer, personal_info, the offensive-language lexicon)."""
    return fold(text)


def _ascii_literal(op: Any, av: Any) -> bool:
    # Only ASCII characters are used as literals: `fold` maps every character IGNORECASE
    # equates with an ASCII one, but not the non-ASCII pairs it equates (Greek sigmas, ...).
    return op is _c.LITERAL and av < 128


def required_literals(pattern: str) -> frozenset[str] | None:
    """Lowercase strings at least one of which every match of `pattern` contains, or None.

    Two kinds qualify: a fixed part of the pattern (`_sequence`), and the strings every match
    starts with (`start_literals`), which keep a shared first letter with what follows it:
    "s(?:sn|s#|ocial security)" gives {"ssn", "ss#", "social security"}, not {"sn", "s#", ...}.
    The more selective of the two is returned (`_best`)."""
    if _parser is None:
        return None
    parsed = list(_parser.parse(pattern))
    starts = _prefixes(parsed)
    start_set = {literal for literal, _ in starts} if starts and all(literal for literal, _ in starts) else None
    found = _best([_shortest(candidate) for candidate in (_sequence(parsed), start_set) if candidate])
    return frozenset(found) if found else None


def _shortest(literals: set[str]) -> set[str]:
    """`literals` without those that contain another one: a text holds one of them exactly when
    it holds one of the rest ("social security" stands for "social security number")."""
    return {literal for literal in literals if not any(other != literal and other in literal for other in literals)}


def required_clauses(pattern: str) -> tuple[frozenset[str], ...]:
    """Sets of lowercase strings such that every match of `pattern` contains one string of
    each set (all the fixed parts of the pattern's top level; empty when there are none)."""
    if _parser is None:
        return ()
    clauses: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in list(_parser.parse(pattern)) + [(None, None)]:
        if _ascii_literal(op, av):
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
    for clause in clauses:  # loops, not all(any(...)): no generator per call (~1 us)
        for literal in clause:
            if literal in folded:
                break
        else:
            return False
    return True


def rarest_first(clauses: tuple[frozenset[str], ...]) -> tuple[frozenset[str], ...]:
    """`clauses` with those of the longest strings first (a longer fixed string is rarer in
    mail): `may_match` then answers most texts with one substring search ("no .torrent")
    instead of first finding "http" and "://". Every clause must hold whatever their order, so
    the answer is the same."""
    return tuple(sorted(clauses, key=lambda clause: -min(map(len, clause), default=0)))


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
        if _ascii_literal(op, av):
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
    if _parser is None:
        return None
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
    if _ascii_literal(op, av):
        length = next((i for i, (o, v) in enumerate(items) if not _ascii_literal(o, v)), len(items))
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


class _PassReader:
    """What the shared automaton pass needs of a reader: its serial number and its literals
    (lowercase string -> what the reader wants back with each of its occurrences)."""

    _serial: int
    _literals: dict[str, Any]

    def _join_shared_pass(self) -> None:
        self._serial = next(_SERIALS)
        _SHARED_PASS.add(self)


class LexiconScanner(_PassReader):
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
        self._literals = {literal: tuple(entries) for literal, entries in by_literal.items()}
        self._has_literals = bool(by_literal)
        self._join_shared_pass()

    # False: every group's full regex runs over the whole text (what the scanner replaces);
    # benches and tests switch it off to show that the matches are the same.
    use_anchors: bool = True

    def scan(self, text: str) -> LexiconScan:
        starts: dict[Hashable, dict[int, set[int]]] = {}
        unanchored: dict[Hashable, set[int]] = {}
        if not self.use_anchors:
            return LexiconScan(self, text, starts, {key: set() for key in self.groups})
        if self._has_literals:
            for start, entries in _SHARED_PASS.hits(self, text):
                for anchored, key, index in entries:
                    if anchored:
                        starts.setdefault(key, {}).setdefault(start, set()).add(index)
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

    def unbounded(self) -> set[Hashable]:
        """The groups a match of which may start anywhere in the text: an alternative of theirs
        without start literals can occur."""
        return self.scanner.always.union(self._unanchored)

    def match_starts(self) -> dict[Hashable, Set[int]]:
        """For each other group that can match, the only offsets where its matches can start
        (every match `finditer` yields starts at one of them). A group not listed here nor in
        `unbounded` has no match."""
        return {key: starts.keys() for key, starts in self._starts.items() if key not in self._unanchored}

    def finditer(self, key: Hashable) -> Iterator[re.Match[str]]:
        """The matches of the group's regex in the text, as its own `finditer` gives them."""
        starts = self._starts.get(key)
        if starts is None and key not in self._unanchored and key not in self.scanner.always:
            return  # no start literal of the group occurs: nothing can match
        alternatives = self.scanner.groups[key]
        starts = starts or {}
        if key in self._unanchored or key in self.scanner.always:
            # Some alternative can match without a start literal: scan the whole text with
            # every alternative that can occur at all.
            chosen = alternatives
            if key not in self.scanner.always and self.scanner.use_anchors:
                possible = set(self._unanchored[key]).union(*starts.values())
                chosen = tuple(a for i, a in enumerate(alternatives) if i in possible)
            yield from self.scanner._compile(chosen).finditer(self.text)
            return
        resume = 0
        for position in sorted(starts):
            if position < resume:
                continue
            # The alternatives that can start here, in the group's order (which decides the match).
            chosen = tuple(alternatives[i] for i in sorted(starts[position]))
            m = self.scanner._compile(chosen).match(self.text, position)
            if m is not None:
                yield m
                resume = m.end()


class LiteralFinder(_PassReader):
    """Every occurrence of a set of lowercase literals in the folded text (`fold`), read in the
    automaton pass the `LexiconScanner`s share over an item (one pass over the text instead of
    one more), for a detector that asks "which of these words occur?" of every item."""

    def __init__(self, literals: Iterable[str]) -> None:
        self._literals = {literal: literal for literal in literals if literal}
        self._join_shared_pass()

    def occurrences(self, text: str) -> list[tuple[int, str]]:
        """(start, literal) of every occurrence, overlapping ones included, of a literal in
        `fold(text)`, in no particular order."""
        return _SHARED_PASS.hits(self, text) if self._literals else []


_SERIALS = itertools.count()


class _Automaton:
    """An Aho-Corasick automaton over some readers' literals (ahocorasick-rs), and for each
    literal (by pattern index) the readers holding it: ((reader serial, what it wants back), ...)."""

    def __init__(self, readers: Iterable[_PassReader], implementation: Any) -> None:
        by_literal: dict[str, list[tuple[int, Any]]] = {}
        serials: set[int] = set()
        for reader in readers:
            serials.add(reader._serial)
            for literal, entries in reader._literals.items():
                by_literal.setdefault(literal, []).append((reader._serial, entries))
        self.serials = frozenset(serials)
        literals = list(by_literal)
        self._owners = [tuple(by_literal[literal]) for literal in literals]
        # ahocorasick-rs refuses an empty pattern list; such an automaton finds nothing.
        self._automaton = ahocorasick_rs.AhoCorasick(literals, implementation=implementation) if literals else None

    def read(self, text: str, found: dict[int, list[tuple[int, Any]]]) -> None:
        """Add each occurrence in the folded `text` to `found[serial]` as (start, entries)."""
        if self._automaton is None:
            return
        owners = self._owners
        for index, start, _ in self._automaton.find_matches_as_indexes(fold_recent(text), overlapping=True):
            for serial, entries in owners[index]:
                found.setdefault(serial, []).append((start, entries))


# Reads by readers the shared automaton lacks, after which it is rebuilt to hold them: a
# rebuild costs about as much as 5,000 passes over a mail, and a reader is rarely added after
# the first few texts (the scan's warm-up calls `consolidate_shared_pass` itself).
REBUILD_AFTER_READS = 1000


class _SharedPass:
    """One Aho-Corasick pass over a text for all the readers (`LexiconScanner`, `LiteralFinder`).

    Speed: the detectors read the same item one after another (commercial, sexual_content,
    credentials' cues, personal_info's context words, the offensive-language lexicon), so the
    first reader to ask about a new text reads it with one automaton holding the literals of
    every reader, and the others take their hits from that pass. The automaton is a DFA
    (ahocorasick-rs): about 5 ns a character for all ~9,000 literals, where pyahocorasick's
    trie took ~25 ns and a pass for a subset of readers cost about as much as one for all.

    Building that DFA takes ~60 ms, and detectors make their readers as they first run (from
    their settings), so a reader added after the build reads with a small automaton of its own
    until `consolidate` (the scan's warm-up, before the workers fork and share the ~7 MB DFA)
    or `REBUILD_AFTER_READS` such reads rebuild the shared one with every reader's literals.

    Exact: an automaton reports every occurrence of every literal it holds (overlapping ones
    too), so a reader gets the same (start, literal) occurrences from any automaton holding its
    literals; only their order may differ, and `scan` keeps them in dicts and sets (`finditer`
    sorts the positions).
    """

    def __init__(self) -> None:
        self._readers: list[weakref.ref[_PassReader]] = []
        self._shared: _Automaton | None = None  # None until the first read
        self._own: dict[int, _Automaton] = {}  # reader serial -> its automaton, for readers `_shared` lacks
        self._reads_outside = 0  # reads with an `_own` automaton since `_shared` was built
        # The recent texts read (detectors/recent.py) and each reader's hits in each (those of
        # the readers that asked, and of every reader `_shared` holds).
        self._recent: Recent[str, dict[int, list[tuple[int, Any]]]] = Recent()

    def add(self, reader: _PassReader) -> None:
        self._readers = [ref for ref in self._readers if ref() is not None] + [weakref.ref(reader)]

    def consolidate(self) -> None:
        """Rebuild the shared automaton with the literals of every reader there is now."""
        live = [reader for ref in self._readers if (reader := ref()) is not None]
        self._shared = _Automaton(live, ahocorasick_rs.Implementation.DFA)
        self._own = {}
        self._reads_outside = 0
        self._recent.forget()

    def hits(self, reader: _PassReader, text: str) -> list[tuple[int, Any]]:
        """(start offset, the reader's entries) of each occurrence of the reader's literals in
        the folded `text`."""
        if self._shared is None or self._reads_outside >= REBUILD_AFTER_READS:
            self.consolidate()
        assert self._shared is not None
        found = self._recent.get(text)
        if found is None:
            found = {}
            self._shared.read(text, found)
            self._recent.remember(text, found)  # complete: a reader in another thread sees all of it or none
        serial = reader._serial
        if serial not in self._shared.serials and serial not in found:
            own = self._own.get(serial)
            if own is None:
                # Quick to build and read for a few literals; only until the next rebuild.
                own = self._own[serial] = _Automaton([reader], ahocorasick_rs.Implementation.ContiguousNFA)
            own_hits: dict[int, list[tuple[int, Any]]] = {}
            own.read(text, own_hits)
            # One assignment, when complete: another thread asking about the same text (the
            # console runs detectors in request threads) sees all of the reader's hits or none.
            found[serial] = own_hits.get(serial, [])
            self._reads_outside += 1
        return found.get(serial, [])


_SHARED_PASS = _SharedPass()


def consolidate_shared_pass() -> None:
    """Build the detectors' shared automaton now, with every reader made so far: the scan calls
    this after its warm-up, so that the workers share it (see `_SharedPass`)."""
    _SHARED_PASS.consolidate()
