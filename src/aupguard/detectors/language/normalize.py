"""Undo the obfuscations people use to get swear words past a filter.

Each function maps one written token to the plain words it may stand for; the lexicon then
decides whether one of those words is listed. Nothing here guesses a word on its own: "sh1t"
becomes "shit" only because "shit" is in the lexicon, and a masked "f***" is read only as a
lexicon word of the same length and visible letters.

Handled: leetspeak digits and symbols (`sh1t`, `@ss`, `a$$`, `b!tch`), letters repeated for
emphasis (`fuuuuck`, `shiiit`), punctuation inserted between letters (`f.u.c.k`, `f-u-c-k`,
`s_h_i_t`), letters spaced apart (`f u c k`, found by `SPACED_LETTERS`) and masks (`f***`,
`sh*t`, `a**hole`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# Leetspeak substitutions; "1" and "|" may stand for i or l, so both readings are tried.
LEET = str.maketrans(
    {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s", "!": "i", "+": "t"}
)
LEET_ONE = ("i", "l")
# The other way round: what a letter may be written as (lexicon.py derives anchors from it).
LEET_VARIANTS = {"a": "4@", "e": "3", "i": "1!|", "o": "0", "s": "5$", "t": "7+", "b": "8", "l": "1|"}
SEPARATORS = re.compile(r"[.\-_~]+")  # not "'": "he'll" is not "hell"
RUNS_OF_THREE = re.compile(r"(.)\1{2,}")
RUNS_OF_TWO = re.compile(r"(.)\1+")
# A token as it may be written obfuscated: letters, digits, leet symbols and masks, joined by
# single separators. Ordinary words match too; they are simply looked up as they are.
TOKEN = re.compile(r"[a-z0-9@$!|+*]+(?:[.\-_'~][a-z0-9@$!|+*]+)*")
# Single letters spaced apart: "f u c k" (three or more letters).
SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z](?:[ .][a-z]){2,}(?![a-z0-9])")


def readings(token: str) -> Iterator[str]:
    """Plain words `token` (lowercase) may stand for, the token itself first."""
    yield token
    core = token.strip("*").rstrip("!") if not token.strip("*!").count("*") else token.rstrip("!")
    core = core or token
    if core != token:
        yield core
    joined = SEPARATORS.sub("", core)
    if joined != core:
        yield joined
    if not joined.isalpha() and "*" not in joined and any(c.isalpha() for c in joined):
        plain = joined.translate(LEET)
        if "1" in plain or "|" in plain:
            for letter in LEET_ONE:
                yield plain.replace("1", letter).replace("|", letter)
        else:
            yield plain
        joined = plain
    if RUNS_OF_THREE.search(joined):
        yield RUNS_OF_THREE.sub(r"\1\1", joined)
        yield RUNS_OF_TWO.sub(r"\1", joined)


def is_mask(token: str) -> bool:
    """'f***', 'sh*t', 'a**hole': some letters, some stars standing for letters."""
    return "*" in token and any(c.isalpha() for c in token) and token[0] != "*" and len(token) >= 3


def mask_matches(token: str, words: Iterable[str]) -> list[str]:
    """The words of `words` that `token`'s mask can stand for (same length, same letters)."""
    masked = token.translate(LEET)
    pattern = re.compile("".join("[a-z]" if c == "*" else re.escape(c) for c in masked) + r"\Z")
    return [w for w in words if len(w) == len(masked) and pattern.match(w)]


def collapse_spaced(text: str) -> str:
    """'f u c k' -> 'fuck' (only the letters of a spaced run)."""
    return re.sub(r"[ .]", "", text)
