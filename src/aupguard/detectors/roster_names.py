"""Exact matching of roster names in free text, fast enough for a 100,000-student roster.

Text and names are *folded* the same way: accents stripped (unidecode), casefolded, and every
run of punctuation/whitespace collapsed to a token break. `FoldedText` keeps, for each folded
token, the original character offsets, so a match points at the exact characters the writer
typed ("Núñez, José" in the original, even though the match ran on "nunez jose").

Index shape (why not one key per full-name variant): a student has up to ~15 written forms
(given/preferred/nicknames x optional middle x "Last, First"); 100k students would need ~1.5M
keys. Instead a `PhraseIndex` holds *surnames* only (a few tens of thousands of keys), and each
surname found is confirmed by a dictionary lookup of the neighbouring tokens against that
surname's first-name forms. Nicknames are expanded at lookup time through the
`nicknames` package, so they cost no memory per student. A surname alone never fires.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Generic, TypeVar

from nicknames import NickNamer
from unidecode import unidecode

from aupguard.detectors.recent import per_text
from aupguard.model import Person

# Word characters plus combining accents, so a decomposed "Nu\u0301n\u0303ez" stays one token.
_TOKEN = re.compile(r"[\w\u0300-\u036f]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_ASCII_TOKEN = re.compile(r"[a-z0-9]+")
# ASCII folding as one byte table: capitals to lowercase, letters and digits kept, everything
# else a token break. `bytes.translate` + `split` tokenizes a text ~3x faster than a regex.
_ASCII_FOLD = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256))


def fold(value: str) -> list[str]:
    """The folded tokens of `value`: ascii, lowercase, split on anything not a letter or digit."""
    lowered = value.lower() if value.isascii() else unidecode(value).casefold()
    return _NOT_ALNUM.sub(" ", lowered).split()


@per_text()
def ascii_words(text: str) -> tuple[str, ...]:
    """The folded tokens of an ASCII `text` (the runs of [a-z0-9] of `text.lower()`). Cached for
    the recent texts: both detectors and the address finder read the words of the same item."""
    return tuple(text.encode("ascii").translate(_ASCII_FOLD).decode("ascii").split())


# Every word some reader looks for among an item's words (roster surnames, building and group
# names, student numbers, house numbers, street suffixes): see `look_for`. It only grows, by
# the words of each set made, so it holds every set made so far.
_looked_for: frozenset[str] = frozenset()
_joining = threading.Lock()


def look_for(words: Iterable[str]) -> frozenset[str]:
    """`words` as a set to intersect with items' words: they join the words looked for, which
    `ascii_words_looked_for` finds in a text. Every set so intersected must be made here."""
    global _looked_for
    wanted = frozenset(words)
    if not wanted <= _looked_for:
        with _joining:
            _looked_for = _looked_for | wanted
    return wanted


def ascii_words_looked_for(text: str) -> frozenset[str]:
    """The `ascii_words` of an ASCII `text` that some reader looks for: for every set `wanted`
    made by `look_for`, `wanted & ascii_words_looked_for(text)` is `wanted & set(ascii_words(text))`.

    Speed: a set of all of a mail's words cost ~30 us a mail (hashing and storing each word);
    looking each up in the one set of words looked for costs a third of that, and each reader
    then intersects with the few words found."""
    return _words_among(text, _looked_for)


@per_text()
def _words_among(text: str, wanted: frozenset[str]) -> frozenset[str]:
    # Cached by the set as well as the text: a set that grew since gives a new entry.
    return wanted.intersection(ascii_words(text))


# A non-ASCII character of a word: a letter or digit (what \w adds to ASCII) or an accent.
_NON_ASCII_WORD_CHAR = re.compile(r"[^\W\x00-\x7f]|[\u0300-\u036f]")


def _is_word_char(char: str) -> bool:
    """A character of a `_TOKEN` word: what `\\w` matches (isalnum or "_"), or a combining accent."""
    return char.isalnum() or char == "_" or "\u0300" <= char <= "\u036f"


def _unicode_words(text: str) -> list[str]:
    """The folded tokens of a non-ASCII `text`, as `_TOKEN` words each folded on its own.

    Most such mail is ASCII but for a few accented names or curly quotes: only the words that
    hold a non-ASCII character go through unidecode (`fold`); the stretches between them are
    read by the byte table, non-ASCII punctuation there becoming "?" (a token break, as it is
    outside any word)."""
    tokens: list[str] = []
    at, size = 0, len(text)
    for char in _NON_ASCII_WORD_CHAR.finditer(text):
        if char.start() < at:
            continue  # in the word just read
        start, end = char.start(), char.end()  # widen to the whole word (text[at] is no word char)
        while start > at and _is_word_char(text[start - 1]):
            start -= 1
        while end < size and _is_word_char(text[end]):
            end += 1
        tokens += _ascii_piece(text[at:start])
        tokens += fold(text[start:end])
        at = end
    tokens += _ascii_piece(text[at:])
    return tokens


def _ascii_piece(piece: str) -> list[str]:
    return piece.encode("ascii", "replace").translate(_ASCII_FOLD).decode("ascii").split()


@lru_cache(maxsize=1 << 16)
def fold_phrase(value: str) -> str:
    """Folded tokens joined by single spaces. Cached: a roster repeats the same names many times."""
    return " ".join(fold(value))


class FoldedText:
    """`text` as folded tokens, with each token's original offsets.

    Token offsets (`starts`, `ends`) are needed only around a name or place found in the text,
    so for ASCII text (most mail) they are computed on first use: most texts name no student
    and never pay for them.
    """

    __slots__ = ("text", "tokens", "_starts", "_ends", "_looked_for")

    def __init__(
        self, text: str, tokens: Sequence[str], starts: list[int] | None = None, ends: list[int] | None = None
    ) -> None:
        self.text = text
        self.tokens = tokens
        self._starts = starts
        self._ends = ends
        self._looked_for: frozenset[str] | None = None

    @property
    def words_looked_for(self) -> frozenset[str]:
        """The distinct tokens, or those of them some reader looks for (`look_for`): intersected
        with a set made by `look_for`, the same as the set of all tokens."""
        if self._looked_for is None:
            # ASCII text: the tokens are `ascii_words(text)` (see `of`), so the shared set is theirs.
            ascii_tokens = self.text.isascii() and self.tokens is ascii_words(self.text)
            self._looked_for = ascii_words_looked_for(self.text) if ascii_tokens else frozenset(self.tokens)
        return self._looked_for

    @classmethod
    def of(cls, text: str) -> FoldedText:
        return cls(text, ascii_words(text) if text.isascii() else _unicode_words(text))

    @property
    def starts(self) -> list[int]:
        """Original offset where token i begins."""
        if self._starts is None:
            self._spans()
        assert self._starts is not None
        return self._starts

    @property
    def ends(self) -> list[int]:
        """Original offset where token i ends."""
        if self._ends is None:
            self._spans()
        assert self._ends is not None
        return self._ends

    def _spans(self) -> None:
        starts: list[int] = []
        ends: list[int] = []
        if self.text.isascii():
            for m in _ASCII_TOKEN.finditer(self.text.lower()):  # lower() moves no ASCII offset
                starts.append(m.start())
                ends.append(m.end())
        else:
            for m in _TOKEN.finditer(self.text):
                # One original word can fold to several tokens ("北京" -> "bei jing"): each keeps
                # the whole word's span.
                word = m.group()
                for _ in [word] if word.isascii() and "_" not in word else fold(word):
                    starts.append(m.start())
                    ends.append(m.end())
        self._starts, self._ends = starts, ends

    def capitalized(self, i: int) -> bool:
        return self.text[self.starts[i]].isupper()

    def gap(self, i: int) -> str:
        """Original characters between token i and token i+1."""
        return self.text[self.ends[i] : self.starts[i + 1]]


V = TypeVar("V")


class PhraseIndex(Generic[V]):
    """Folded phrases ("nunez", "lincoln elementary") found as runs of whole tokens of a text.

    Keyed by each phrase's first token: one set intersection with the text's tokens (in C)
    clears most texts, and only the tokens that begin some phrase are compared further.
    """

    def __init__(self, phrases: Mapping[str, V]) -> None:
        # One-token phrases (most surnames) in a flat dict, for memory; longer ones by first
        # token -> length in tokens -> tokens -> value: one lookup per length (not per phrase)
        # where a first token occurs ("varsity" begins hundreds of group names).
        self._single: dict[str, V] = {}
        self._longer: dict[str, dict[int, dict[tuple[str, ...], V]]] = {}
        for phrase, value in phrases.items():
            tokens = tuple(phrase.split(" "))
            if len(tokens) == 1:
                self._single[phrase] = value
            else:
                self._longer.setdefault(tokens[0], {}).setdefault(len(tokens), {})[tokens] = value
        # Every token a phrase starts with, as a set: intersecting two sets walks the smaller one
        # with stored hashes, ~5x faster than a dict's keys view against the text's token set.
        self._firsts = look_for(frozenset(self._single) | frozenset(self._longer))

    def __len__(self) -> int:
        return len(self._single) + sum(len(same) for lengths in self._longer.values() for same in lengths.values())

    def find(self, ft: FoldedText) -> list[tuple[int, int, V]]:
        """(first token, end token, value) of every occurrence, ordered by where it ends, then
        longest first (the order an Aho-Corasick automaton reports matches in)."""
        present = self._firsts & ft.words_looked_for
        if not present:
            return []
        tokens = ft.tokens
        found = []
        for first in present:
            lengths = self._longer.get(first, {})
            i = tokens.index(first)
            while True:
                if first in self._single:
                    found.append((i, i + 1, self._single[first]))
                for length, phrases in lengths.items():
                    key = tuple(tokens[i : i + length])
                    if key in phrases:
                        found.append((i, i + length, phrases[key]))
                try:
                    i = tokens.index(first, i + 1)
                except ValueError:
                    break
        found.sort(key=lambda hit: (hit[1], hit[0]))
        return found


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
        for person in students:
            self._add(person)
        self._surnames = PhraseIndex({surname: surname for surname in self._forms})

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
        for s_i, s_j, surname in self._surnames.find(ft):
            if not self._may_have_first_name(ft, surname, s_i, s_j):
                continue  # most surname hits are everyday words ("Brown", "Young"): no offsets needed
            for hit in self._first_last(ft, surname, s_i, s_j) + self._last_first(ft, surname, s_i, s_j):
                key = (hit.person_id, hit.start, hit.end)
                if key not in hits or hits[key].score < hit.score:
                    hits[key] = hit
        return _longest(list(hits.values()))

    def _may_have_first_name(self, ft: FoldedText, surname: str, s_i: int, s_j: int) -> bool:
        """Is any form `_first_last` or `_last_first` would look up next to this surname on record?
        Tokens only: their punctuation and capitals checks (which need offsets) run only then."""
        tokens = ft.tokens
        for k in range(1, min(self.MAX_FIRST_TOKENS, s_i) + 1):
            if self._lookup(surname, " ".join(tokens[s_i - k : s_i])):
                return True
            if k >= 2 and len(tokens[s_i - 1]) == 1 and self._lookup(surname, " ".join(tokens[s_i - k : s_i - 1])):
                return True
        for k in range(1, min(self.MAX_FIRST_TOKENS, len(tokens) - s_j) + 1):
            if self._lookup(surname, " ".join(tokens[s_j : s_j + k])):
                return True
        return False

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
