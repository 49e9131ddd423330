"""Whole-word matching of the vulgarity / insult / slur lexicon, obfuscations undone.

The lexicon is data (`data/vulgarity_lexicon.yaml`). A hit is always a whole word (or a listed
phrase of whole words) of the text, so "Scunthorpe", "cocktail" and "assistant" never fire.
Names that are also vulgar words ("Dick Smith", "Dick's Sporting Goods") are not hits.

Speed: most text has no lexicon word at all, and the token walk costs about a microsecond a
word, so `Lexicon.find` first looks for anchors with C-speed string operations only. The
lowercased text, with every character but letters, digits and leetspeak symbols turned into a
space ("#Liars", "shit-", "f.u.c.k" -> "f u c k"), is split into tokens, which are checked
against a set of every lexicon form and of the written variants of the vulgar words and slurs
that the walk reads back (one leetspeak letter "sh1t" / "@ss", every copy of one letter
"a$$hole", one letter repeated three to eight times "fuuuck"). Phrases whose first word is a
token are looked up with `in`; masks ("f***") by a regex that runs only when the text holds a
"*"; letters spaced apart ("f u c k", "f.u.c.k") by a walk over the tokens only when a
one-letter token other than "a" and "i" occurs and three one-character tokens stand in a row
(a byte search over the token lengths). Only windows around the anchors found are
walked token by token. A word obfuscated in two different ways at once ("@$$h0le") is read only
when it also shows one of these anchors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Set
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from aupguard.detectors.anchors import LiteralFinder, fold_recent
from aupguard.detectors.data import read_yaml
from aupguard.detectors.language.normalize import (
    LEET_VARIANTS,
    SPACED_LETTERS,
    TOKEN,
    collapse_spaced,
    is_mask,
    mask_matches,
    readings,
)

SEVERITIES = ("mild", "moderate", "strong")
CATEGORIES = ("vulgar", "insult", "slur")
PLAIN_WORD = re.compile(r"[a-z]+")
# A star after a letter: "f***", "sh*t", "a**hole" (the literal first lets `re` skip fast).
MASK = re.compile(r"\*(?<=[a-z@$]\*)")
# One-letter tokens other than the words "a" and "i": "f u c k" has several of them.
SPACED_CANDIDATES = frozenset("bcdefghjklmnopqrstuvwxyz")
# The anchor check reads the text with every character but letters, digits and the leetspeak
# symbols turned into spaces ("#Liars", "Tool&amp;Fool", "shit-", "idiot's" give plain words).
ANCHOR_SPACES = str.maketrans(
    {c: " " for c in "\"#%&'(),-./:;<=>?[\\]^_`{}~"}
    # General punctuation (typographic quotes, dashes, zero-width joiner), arrows and symbols,
    # variation selectors, emoji: "bitch😂" is the word "bitch".
    | {chr(c): " " for block in ((0x2000, 0x206F), (0x2190, 0x2BFF), (0xFE00, 0xFE0F), (0x1F000, 0x1FAFF))
       for c in range(block[0], block[1] + 1)}
)  # fmt: skip
# ANCHOR_SPACES for ASCII text as a byte table (the same mapping: its other entries are not ASCII).
_ASCII_ANCHOR_SPACES = bytes(ord(chr(c).translate(ANCHOR_SPACES)) for c in range(128)) + bytes(range(128, 256))
WINDOW_AFTER = 80  # characters read after an anchor: a token, or the longest listed phrase
FORMS = re.compile(r"^([^\[\]]+)(?:\[([^\[\]]*)\])?$")
NAME_AFTER = re.compile(r"(?:['’]s\b|\s+[A-Z][a-z])")


@dataclass(frozen=True)
class Entry:
    """One lexicon form: the word or phrase, its category and severity."""

    form: str
    category: str  # vulgar | insult | slur
    severity: str  # mild | moderate | strong for vulgar; "insult" / "slur" otherwise
    source: str  # the line of the lexicon it comes from, e.g. "fuck[s,ed,...]"


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    text: str  # as written
    entry: Entry
    how: str  # "" when written plainly, else the obfuscation undone

    def describe(self) -> str:
        read = f" (read as '{self.entry.form}', {self.how})" if self.how else ""
        return f"'{self.text}'{read}: lexicon {self.entry.category} {self.entry.severity} entry '{self.entry.source}'"


def expand(line: str) -> list[str]:
    """'fuck[s,ed]' -> ['fuck', 'fucks', 'fucked']: forms are listed, never guessed."""
    m = FORMS.match(line.strip())
    if not m:
        raise ValueError(f"lexicon entry {line!r} is not 'word' or 'word[suffix,...]'")
    base, suffixes = m.group(1).strip().lower(), m.group(2)
    forms = [base]
    if suffixes:
        forms += [base + s.strip().lower() for s in suffixes.split(",") if s.strip()]
    return forms


def entries_from(data: Mapping[str, Any]) -> list[Entry]:
    """Entries of a lexicon mapping shaped like the data file (also used for pack settings)."""
    out: list[Entry] = []
    for severity, lines in (data.get("vulgar") or {}).items():
        for line in lines or []:
            out += [Entry(f, "vulgar", str(severity), str(line)) for f in expand(str(line))]
    for category in ("insult", "slur"):
        for line in data.get(category) or []:
            out += [Entry(f, category, category, str(line)) for f in expand(str(line))]
    return out


class Lexicon:
    def __init__(self, entries: Iterable[Entry], name_words: Iterable[str] = (), allow: Iterable[str] = ()) -> None:
        allowed = {" ".join(a.lower().split()) for a in allow if a and a.strip()}
        self.words: dict[str, Entry] = {}
        self.phrases: dict[tuple[str, ...], Entry] = {}
        for e in entries:
            if e.form in allowed:
                continue
            parts = tuple(e.form.split())
            if len(parts) == 1:
                self.words.setdefault(e.form, e)
            else:
                self.phrases.setdefault(parts, e)
        self.phrase_starts = {p[0] for p in self.phrases}
        self.anchor_tokens = _anchor_tokens(self.words)
        self.phrases_by_first: dict[str, list[str]] = {}
        for p in self.phrases:
            self.phrases_by_first.setdefault(p[0], []).append(" ".join(p))
        self.phrase_firsts = frozenset(self.phrases_by_first)
        # The anchors without their trailing "!" variant, found in the detectors' shared
        # automaton pass (see `_present_tokens`).
        self._token_finder = LiteralFinder(
            {token[:-1] if token.endswith("!") and token[:-1] in self.anchor_tokens else token
             for token in self.anchor_tokens} | self.phrase_firsts,
        )  # fmt: skip
        self.longest_phrase = max((len(p) for p in self.phrases), default=1)
        self.name_words = frozenset(w.lower() for w in name_words)
        phrases = sorted((a for a in allowed if " " in a or a not in self.words), key=len, reverse=True)
        self.allow = re.compile(r"\b(?:" + "|".join(re.escape(a) for a in phrases) + r")\b") if phrases else None

    def find(self, text: str, exhaustive: bool = False) -> list[Hit]:
        """Lexicon hits in `text`, in order, each a whole word or phrase of it.

        `exhaustive` walks every token instead of the windows around anchors (tests and the
        bench check that both give the same hits).
        """
        # An ASCII text's lowercase is its `fold`, which the detectors' shared pass has made.
        lower = fold_recent(text) if text.isascii() else _lower(text)
        windows = [(0, len(lower))] if exhaustive else self.windows(lower, text)
        if not windows:
            return []
        allowed = [m.span() for m in self.allow.finditer(lower)] if self.allow else []
        hits: list[Hit] = []
        for w_start, w_end in windows:
            tokens = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(lower, w_start, w_end)]
            i = 0
            while i < len(tokens):
                hit, used = self._match_at(text, tokens, i)
                if hit is not None and not any(a <= hit.start and hit.end <= b for a, b in allowed):
                    hits.append(hit)
                i += used
            hits += self._spaced(text, lower, w_start, w_end, hits, allowed)
        return sorted(hits, key=lambda h: h.start)

    def windows(self, lower: str, text: str | None = None) -> list[tuple[int, int]]:
        """Merged stretches of `lower` around every possible hit; [] when there is none.
        `text`: the text `lower` was made from, when the caller has it (an ASCII one is then
        read in the detectors' shared automaton pass instead of token by token)."""
        places: list[tuple[int, int]] = []
        # Same length as `lower`, so offsets agree; "!!" is emphasis, a lone "!" may be an "i".
        # ASCII text through the byte table (the same spaces, ~10x faster than the dict).
        table = lower.encode("ascii").translate(_ASCII_ANCHOR_SPACES).decode("ascii") if lower.isascii() else None
        spaced = (lower.translate(ANCHOR_SPACES) if table is None else table).replace("!!", "  ")
        words: list[str] | None = None
        anchors: Set[str]
        firsts: Set[str]
        if text is not None and table is not None and len(text) == len(lower):
            anchors, firsts = self._present_tokens(self._token_finder.occurrences(text), spaced)
        else:
            words = spaced.split()
            # Speed: isdisjoint walks the token list once and stops at the first anchor; nearly
            # all text has none, and then no set of its tokens is ever built.
            anchors = self.anchor_tokens.intersection(words) if not self.anchor_tokens.isdisjoint(words) else set()
            firsts = self.phrase_firsts.intersection(words) if not self.phrase_firsts.isdisjoint(words) else set()
        for anchor in anchors:
            places += _occurrences(spaced, anchor)
        for first in firsts:
            for phrase in self.phrases_by_first[first]:
                if phrase in spaced:
                    places += _occurrences(spaced, phrase)
        if "*" in lower:
            places += [(m.start() - 1, m.end()) for m in MASK.finditer(lower)]
        # Letters spaced apart ("f u c k"): only when some token is such a letter.
        if words is None:
            runs = _ascii_letter_runs(spaced)
        else:
            runs = _letter_runs(words) if not SPACED_CANDIDATES.isdisjoint(words) else []
        for run in runs:
            places += _occurrences(spaced, run)
        return _merged(lower, places)

    def _present_tokens(self, occurrences: list[tuple[int, str]], spaced: str) -> tuple[set[str], set[str]]:
        """The anchor tokens and the phrase first words that are tokens of `spaced` (the anchor
        view of an ASCII text, in which `occurrences` are those of `_token_finder`):
        `anchor_tokens` and `phrase_firsts` intersected with `spaced.split()`, without splitting.

        Speed: splitting a long mail into words and looking each up costs ~30 us; the automaton
        pass the text detectors share over the item (anchors.py, a few us) reports where the
        literals occur, and the few occurrences are checked here. Exact: a token of
        `spaced` is a maximal run of non-whitespace characters, and each character of it is that
        of `text.lower()` (`spaced` only turns characters into spaces), which the pass reads
        (`fold` of an ASCII text is its `lower()`). So every anchor token T that is a token
        occurs as a literal there: T itself, or T without its final "!" followed by a "!".
        An occurrence counts when `spaced` shows it whole, with whitespace or an edge around."""
        anchors: set[str] = set()
        firsts: set[str] = set()
        n = len(spaced)
        for start, literal in occurrences:
            end = start + len(literal)
            if (start and not spaced[start - 1].isspace()) or spaced[start:end] != literal:
                continue
            if end == n or spaced[end].isspace():
                token = literal
            elif spaced[end] == "!" and (end + 1 == n or spaced[end + 1].isspace()):
                token = literal + "!"
            else:
                continue
            if token in self.anchor_tokens:
                anchors.add(token)
            if token in self.phrase_firsts:
                firsts.add(token)
        return anchors, firsts

    def _match_at(self, text: str, tokens: list[tuple[int, int, str]], i: int) -> tuple[Hit | None, int]:
        start, end, token = tokens[i]
        if token.endswith("'s") and len(token) > 2:  # possessive: "Dick's" is "Dick" + 's
            token, end = token[:-2], end - 2
        if token in self.phrase_starts:
            for n in range(min(self.longest_phrase, len(tokens) - i), 1, -1):
                words = tuple(t[2] for t in tokens[i : i + n])
                entry = self.phrases.get(words)
                if entry is not None and _one_line(text, start, tokens[i + n - 1][1]):
                    end = tokens[i + n - 1][1]
                    return Hit(start, end, text[start:end], entry, ""), n
        for reading, how in self._readings(token):
            entry = self.words.get(reading)
            if entry is None:
                continue
            if entry.form in self.name_words and _is_name(text, start, end):
                return None, 1
            while end > start + 1 and text[end - 1] == "!" and not reading.endswith("i"):
                end -= 1  # "dick!": the span is the word, not its exclamation marks
            return Hit(start, end, text[start:end], entry, how), 1
        return None, 1

    def _readings(self, token: str) -> Iterator[tuple[str, str]]:
        yield from _plain_readings(token)
        if is_mask(token):
            for word in mask_matches(token.rstrip("!"), self.words):
                yield word, "masked"

    def _spaced(
        self, text: str, lower: str, w_start: int, w_end: int, hits: list[Hit], allowed: list[tuple[int, int]]
    ) -> list[Hit]:
        out = []
        for m in SPACED_LETTERS.finditer(lower, w_start, w_end):
            entry = self.words.get(collapse_spaced(m.group()))
            if entry is None or any(h.start < m.end() and m.start() < h.end for h in hits):
                continue
            if not any(a <= m.start() and m.end() <= b for a, b in allowed):
                out.append(Hit(m.start(), m.end(), text[m.start() : m.end()], entry, "letters spaced apart"))
        return out


def _merged(lower: str, places: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The windows around `places` (spans of possible hits in `lower`), merged; [] for none."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(places):
        # Whole tokens around the anchor: back to a space, on past the longest phrase.
        w_start = max(lower.rfind(" ", 0, max(0, start - 1)), lower.rfind("\n", 0, max(0, start - 1))) + 1
        w_end = min(len(lower), end + WINDOW_AFTER)
        if merged and w_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], w_end))
        else:
            merged.append((w_start, w_end))
    return merged


def _anchor_tokens(words: Mapping[str, Entry]) -> frozenset[str]:
    """Every form and written variant the token walk reads back, as the anchor check sees it
    (punctuation other than leetspeak symbols turned into spaces, so "f.u.c.k" is a run of
    letters), bare and with one trailing "!" (pairs of them are spaces by then)."""
    bare = set(words)
    for word, entry in words.items():
        if entry.category == "insult" or len(word) < 3:
            continue  # insults are plain words; obfuscated ones are the vulgar words and slurs
        for i, letter in enumerate(word):
            alts = LEET_VARIANTS.get(letter, "")
            bare.update(word[:i] + alt + word[i + 1 :] for alt in alts)
            bare.update(word.replace(letter, alt) for alt in alts)  # "a$$hole"
            bare.update(word[:i] + letter * n + word[i + 1 :] for n in range(3, 9))  # "fuuuck"
    return frozenset(token + bang for token in bare for bang in ("", "!"))


# What `_letter_runs` reads, seen in an ASCII `spaced` text: whitespace as " " (str.split's ASCII
# whitespace), any other character as "x"; padded with a space at both ends, a one-character
# token is " x ". `_ONE_CHARACTER_STRETCH` matches a maximal stretch of three or more of them in a
# row (greedy, and each "x" must have a space after it), written so that the pattern starts with
# the fixed " x " the regex engine looks for before trying the rest (" x" + " +" = " x " + " *").
_TOKEN_SHAPE = bytes(32 if c in b" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f" else 120 for c in range(256))
_ONE_CHARACTER_STRETCH = re.compile(rb" x  *x(?: +x)+(?= )")
# The same shape with the letters of SPACED_CANDIDATES as "c": a text has such a one-letter
# token exactly when " c " occurs in it.
_CANDIDATE_SHAPE = bytes(99 if chr(c) in SPACED_CANDIDATES else b for c, b in enumerate(_TOKEN_SHAPE))


def _ascii_letter_runs(spaced: str) -> list[str]:
    """`_letter_runs(words)` if some word is a letter of SPACED_CANDIDATES, else [], for the words
    of an ASCII `spaced` (what `windows` reads), without splitting it into words.

    Speed: a byte translation and one search for stretches of one-character tokens, ~10 us on
    mail, instead of splitting a long text into thousands of words and walking their lengths.
    Exact: the stretches are those `_letter_runs` finds (maximal, three or more tokens of one
    character), and each is split at its non-letters the same way.

    The text is read once for the stretches (most mail has none), and the second reading - is
    any one-character token a letter of SPACED_CANDIDATES? - is made only when the stretches
    hold runs: most stretches in mail give none (digits and symbols, or fewer than three
    letters in a row), and without runs the answer is [] whatever that check says."""
    shape = b" " + spaced.encode("ascii").translate(_TOKEN_SHAPE) + b" "
    runs = _stretch_runs(spaced, shape)
    if not runs or b" c " not in b" " + spaced.encode("ascii").translate(_CANDIDATE_SHAPE) + b" ":
        return []
    return runs


def _stretch_runs(spaced: str, shape: bytes) -> list[str]:
    """The runs of three or more one-letter tokens in the stretches of one-character tokens of
    `spaced` (`shape`: its token shape, see `_ONE_CHARACTER_STRETCH`), in text order."""
    runs: list[str] = []
    for stretch in _ONE_CHARACTER_STRETCH.finditer(shape):
        # Offset i of the padded shape is offset i - 1 of `spaced`: the stretch's tokens.
        runs += _runs_in_stretch(spaced[max(0, stretch.start() - 1) : stretch.end() - 1].split())
    return runs


def _runs_in_stretch(tokens: list[str]) -> list[str]:
    """A stretch of one-character tokens split at those that are not letters: its runs of three
    or more letters, joined by spaces."""
    runs: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if token.isalpha():
            run.append(token)
            continue
        if len(run) >= 3:
            runs.append(" ".join(run))
        run = []
    return runs


def _letter_runs(words: list[str]) -> list[str]:
    """Runs of three or more one-letter tokens, joined by spaces ("f u c k").

    Speed: most mail has one-letter tokens ("it's" -> "it s") but seldom three in a row, and a
    walk over every token of a long newsletter in Python cost half a millisecond. The token
    lengths as bytes are searched in C for three 1s in a row, and only those stretches are
    walked. Exact: a run is three or more consecutive one-character tokens that are letters."""
    try:
        lengths = bytes(map(len, words))
    except ValueError:  # a token of 256 characters or more: lengths a byte cannot hold
        lengths = bytes(min(len(w), 255) for w in words)
    runs = []
    i = lengths.find(b"\x01\x01\x01")
    while i >= 0:
        j = i
        while j < len(lengths) and lengths[j] == 1:
            j += 1
        runs += _runs_in_stretch(words[i:j])
        i = lengths.find(b"\x01\x01\x01", j)
    return runs


def _occurrences(lower: str, anchor: str) -> list[tuple[int, int]]:
    spans = []
    i = lower.find(anchor)
    while i != -1:
        spans.append((i, i + len(anchor)))
        i = lower.find(anchor, i + 1)
    return spans


@lru_cache(maxsize=4096)
def _plain_readings(token: str) -> tuple[tuple[str, str], ...]:
    """`readings(token)`, each with how it was written, for the tokens read last: the same words
    come back around the anchors of mail after mail, and reading one takes several regex passes.
    (What a mask may stand for depends on the lexicon: `Lexicon._readings` adds it.)"""
    found = []
    for n, reading in enumerate(readings(token)):
        found.append((reading, "" if n == 0 or reading == token.strip("!.'") else _how(token, reading)))
    return tuple(found)


def _how(token: str, reading: str) -> str:
    if any(c in token for c in "0123456789@$!|+"):
        return "leetspeak"
    if any(c in token for c in ".-_'~"):
        return "punctuation inserted"
    return "repeated letters"


def _lower(text: str) -> str:
    """Lowercase with the same length, so offsets into it are offsets into `text`."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _one_line(text: str, start: int, end: int) -> bool:
    return "\n\n" not in text[start:end]


def _is_name(text: str, start: int, end: int) -> bool:
    """'Dick' in 'Dick Smith', "Dick's", 'Coach Dick': capitalized, and followed by a capitalized
    word or 's, or not at the start of a sentence (where a capital says nothing)."""
    word = text[start:end]
    if not word[:1].isupper() or word.isupper():
        return False
    before = text[:start].rstrip()
    sentence_start = not before or before[-1] in '.!?:;"\n(-'
    return bool(NAME_AFTER.match(text, end)) or not sentence_start


@cache
def default_lexicon_data() -> dict[str, Any]:
    data = read_yaml("vulgarity_lexicon.yaml")
    assert isinstance(data, dict)
    return data


def build_lexicon(
    extra: Mapping[str, Any] | None = None, allow: Iterable[str] = (), min_severity: str = "mild"
) -> Lexicon:
    """The shipped lexicon plus a pack's `extra_terms`, minus `allow`, from `min_severity` up."""
    data = default_lexicon_data()
    entries = entries_from(data) + entries_from(extra or {})
    floor = SEVERITIES.index(min_severity)
    kept = [e for e in entries if e.category != "vulgar" or SEVERITIES.index(e.severity) >= floor]
    return Lexicon(kept, [str(w) for w in data.get("name_words", [])], allow)
