"""Exact matching of roster names in free text, fast enough for a 100,000-student roster.

Text and names are *folded* the same way: accents stripped (unidecode), casefolded, and every
run of punctuation/whitespace collapsed to a token break. `FoldedText` keeps, for each folded
token, the original character offsets, so a match points at the exact characters the writer
typed ("Núñez, José" in the original, even though the match ran on "nunez jose").

Index shape (why not one automaton key per full-name variant): a student has up to ~15 written
forms (given/preferred/nicknames x optional middle x "Last, First"); 100k students would need
~1.5M trie keys. Instead the Aho-Corasick automaton holds *surnames* only (a few tens of thousands
of keys), and each surname hit is confirmed by a dictionary lookup of the neighbouring tokens
against that surname's first-name forms. Nicknames are expanded at lookup time through the
`nicknames` package, so they cost no memory per student. A surname alone never fires.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from operator import add

import ahocorasick
from nicknames import NickNamer
from unidecode import unidecode

from aupguard.model import Person

# Word characters plus combining accents, so a decomposed "Nu\u0301n\u0303ez" stays one token.
_TOKEN = re.compile(r"[\w\u0300-\u036f]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_ASCII_TOKEN = re.compile(r"[a-z0-9]+")


def fold(value: str) -> list[str]:
    """The folded tokens of `value`: ascii, lowercase, split on anything not a letter or digit."""
    lowered = value.lower() if value.isascii() else unidecode(value).casefold()
    return _NOT_ALNUM.sub(" ", lowered).split()


@lru_cache(maxsize=1 << 16)
def fold_phrase(value: str) -> str:
    """Folded tokens joined by single spaces. Cached: a roster repeats the same names many times."""
    return " ".join(fold(value))


@dataclass(slots=True)
class FoldedText:
    """`text` as folded tokens joined by single spaces, with each token's original offsets."""

    text: str
    tokens: list[str]
    starts: list[int]  # original offset where token i begins
    ends: list[int]  # original offset where token i ends
    joined: str
    offsets: list[int]  # offset of token i inside `joined`

    @classmethod
    def of(cls, text: str) -> FoldedText:
        tokens: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        if text.isascii():
            # Fast path (most mail): tokens are the runs of ASCII letters and digits.
            lowered = text.lower()
            tokens = _ASCII_TOKEN.findall(lowered)
            spans = [m.span() for m in _ASCII_TOKEN.finditer(lowered)]
            starts = [a for a, _ in spans]
            ends = [b for _, b in spans]
        else:
            for m in _TOKEN.finditer(text):
                word = m.group()
                if word.isascii() and "_" not in word:
                    tokens.append(word.lower())
                    starts.append(m.start())
                    ends.append(m.end())
                    continue
                # One original word can fold to several tokens ("北京" -> "bei jing"): each keeps
                # the whole word's span.
                for part in fold(word):
                    tokens.append(part)
                    starts.append(m.start())
                    ends.append(m.end())
        # offset of token i in `joined` = lengths of the tokens before it + one space each
        offsets = list(map(add, accumulate(map(len, tokens[:-1]), initial=0), range(len(tokens))))
        return cls(text, tokens, starts, ends, " ".join(tokens), offsets)

    def token_range(self, joined_end: int, length: int) -> tuple[int, int] | None:
        """Tokens [i, j) covered by the automaton hit ending at `joined_end` (inclusive), when the
        hit starts and ends on token boundaries; None for a hit inside a longer word."""
        start = joined_end - length + 1
        i = bisect_right(self.offsets, start) - 1
        j = bisect_right(self.offsets, joined_end) - 1
        if i < 0 or self.offsets[i] != start:
            return None
        if self.offsets[j] + len(self.tokens[j]) != joined_end + 1:
            return None
        return i, j + 1

    def capitalized(self, i: int) -> bool:
        return self.text[self.starts[i]].isupper()

    def gap(self, i: int) -> str:
        """Original characters between token i and token i+1."""
        return self.text[self.ends[i] : self.starts[i + 1]]


def load_word_list(name: str) -> frozenset[str]:
    data = resources.files("aupguard.detectors").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(fold_phrase(line) for line in data.splitlines() if line.strip() and not line.startswith("#"))


_nick_namer: NickNamer | None = None


@lru_cache(maxsize=65536)
def canonical_names(nickname: str) -> frozenset[str]:
    """Given names that `nickname` is a nickname of ("bob" -> robert, ...), folded."""
    global _nick_namer
    if _nick_namer is None:
        _nick_namer = NickNamer()
    return frozenset(fold_phrase(n) for n in _nick_namer.canonicals_of(nickname))


# How each written form of a name is described to the reviewer, and how sure a match of it is.
VARIANT_SCORES = {
    "given name": 0.9,
    "preferred name": 0.9,
    "given and middle name": 0.92,
    "given name and middle initial": 0.9,
    "nickname": 0.75,
}
LAST_FIRST_PENALTY = 0.05


@dataclass(frozen=True, slots=True)
class NameHit:
    person_id: str
    start: int
    end: int
    form: str  # the first-name form that matched, as folded ("jose")
    variant: str  # a VARIANT_SCORES key
    last_first: bool

    @property
    def score(self) -> float:
        return VARIANT_SCORES[self.variant] - (LAST_FIRST_PENALTY if self.last_first else 0.0)


class RosterNames:
    """Finds students named by first + last name, in any of their written forms."""

    MAX_FIRST_TOKENS = 4  # "mary ann m" + surname

    def __init__(self, students: Iterable[Person], common_words: frozenset[str]) -> None:
        self.common_words = common_words
        # surname -> first-name form -> [(person id, variant)]
        self._forms: dict[str, dict[str, list[tuple[str, str]]]] = {}
        # Only students with a recorded middle name: "Jose X. Nunez" is not Jose Maria Nunez.
        self._middle_initial: dict[str, str] = {}
        self._automaton = ahocorasick.Automaton()
        for person in students:
            self._add(person)
        for surname in self._forms:
            self._automaton.add_word(surname, surname)
        if self._forms:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self._forms)

    def _add(self, person: Person) -> None:
        surname = fold_phrase(person.family_name)
        given = fold_phrase(person.given_name)
        if not surname or not given:
            return
        forms = self._forms.setdefault(surname, {})
        firsts = [(given, "given name")]
        preferred = fold_phrase(person.preferred_name or "")
        if preferred and preferred != given:
            firsts.append((preferred, "preferred name"))
        middle = fold_phrase(person.middle_name or "")
        if middle:
            self._middle_initial[person.id] = middle[0]
            firsts.append((f"{given} {middle}", "given and middle name"))
            firsts.append((f"{given} {middle[0]}", "given name and middle initial"))
        for form, variant in firsts:
            entries = forms.setdefault(form, [])
            if (person.id, variant) not in entries:
                entries.append((person.id, variant))

    def _lookup(self, surname: str, form: str) -> list[tuple[str, str]]:
        forms = self._forms[surname]
        hits = list(forms.get(form, ()))
        known = {pid for pid, _ in hits}
        for canonical in canonical_names(form):
            for pid, variant in forms.get(canonical, ()):
                if variant == "given name" and pid not in known:
                    hits.append((pid, "nickname"))
                    known.add(pid)
        return hits

    def _shows_as_name(self, ft: FoldedText, i: int, j: int) -> bool:
        """Tokens that are also common words ("Will", "Best") count only when capitalized."""
        return all(ft.capitalized(k) or ft.tokens[k] not in self.common_words for k in range(i, j))

    def find(self, ft: FoldedText) -> list[NameHit]:
        if not self._forms or not ft.tokens:
            return []
        hits: dict[tuple[str, int, int], NameHit] = {}
        for joined_end, surname in self._automaton.iter(ft.joined):
            rng = ft.token_range(joined_end, len(surname))
            if rng is None:
                continue
            s_i, s_j = rng
            for hit in self._first_last(ft, surname, s_i, s_j) + self._last_first(ft, surname, s_i, s_j):
                key = (hit.person_id, hit.start, hit.end)
                if key not in hits or hits[key].score < hit.score:
                    hits[key] = hit
        return _longest(list(hits.values()))

    def _first_last(self, ft: FoldedText, surname: str, s_i: int, s_j: int) -> list[NameHit]:
        out = []
        for k in range(1, min(self.MAX_FIRST_TOKENS, s_i) + 1):
            f_i = s_i - k
            if any("," in ft.gap(x) or "\n" in ft.gap(x) for x in range(f_i, s_i)):
                break  # a name does not run across a comma or line break
            form = " ".join(ft.tokens[f_i:s_i])
            if not self._shows_as_name(ft, f_i, s_j):
                continue
            for pid, variant in self._lookup(surname, form):
                out.append(NameHit(pid, ft.starts[f_i], ft.ends[s_j - 1], form, variant, False))
            if k >= 2 and len(ft.tokens[s_i - 1]) == 1:
                out.extend(self._skipping_initial(ft, surname, f_i, s_i, s_j))
        return out

    def _skipping_initial(self, ft: FoldedText, surname: str, f_i: int, s_i: int, s_j: int) -> list[NameHit]:
        """Matches of First X. Last for a student whose middle name is not on record (or starts with X)."""
        initial = ft.tokens[s_i - 1]
        form = " ".join(ft.tokens[f_i : s_i - 1])
        out = []
        for pid, variant in self._lookup(surname, form):
            if (
                variant in ("given name", "preferred name", "nickname")
                and self._middle_initial.get(pid, initial) == initial
            ):
                out.append(NameHit(pid, ft.starts[f_i], ft.ends[s_j - 1], form, variant, False))
        return out

    def _last_first(self, ft: FoldedText, surname: str, s_i: int, s_j: int) -> list[NameHit]:
        if s_j >= len(ft.tokens) or ft.gap(s_j - 1).strip() != ",":
            return []
        out = []
        for k in range(1, min(self.MAX_FIRST_TOKENS, len(ft.tokens) - s_j) + 1):
            f_j = s_j + k
            if k > 1 and ("," in ft.gap(f_j - 2) or "\n" in ft.gap(f_j - 2)):
                break
            form = " ".join(ft.tokens[s_j:f_j])
            if not self._shows_as_name(ft, s_i, f_j):
                continue
            for pid, variant in self._lookup(surname, form):
                out.append(NameHit(pid, ft.starts[s_i], ft.ends[f_j - 1], form, variant, True))
        return out


def _longest(hits: list[NameHit]) -> list[NameHit]:
    """Drop hits inside a longer hit: "Jose Nunez" inside "Jose M. Nunez", and "Ann Smith" inside
    "Mary Ann Smith" (the writer named Mary Ann, even if an Ann Smith is also on the roster)."""
    kept = []
    for h in hits:
        inside = any(o.start <= h.start and h.end <= o.end and (o.end - o.start) > (h.end - h.start) for o in hits)
        if not inside:
            kept.append(h)
    return sorted(kept, key=lambda h: (h.start, h.end, h.person_id))
