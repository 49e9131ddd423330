"""The features the trained language models read: one definition for training and run time.

A text becomes a list of feature strings: words ("w:"), word pairs ("b:"), letter n-grams of
each word with its boundaries ("c:", 3 to 5 letters: they carry misspellings and word forms the
words alone miss) and lexicon facts ("lex:": a vulgar word of some severity, an insult, a slur,
a second-person word). Obfuscated words are read as the lexicon word they stand for ("f***ing"
-> "fucking") before anything else. Mentions and links become "@user" and "url" as in OLID.
"""

from __future__ import annotations

import re
from functools import lru_cache

from aupguard.detectors.language.lexicon import Hit, Lexicon

MENTION = re.compile(r"@\w+")
LINK = re.compile(r"(?:https?://|www\.)\S+|\bURL\b")
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[!?]")
SECOND_PERSON = frozenset({"you", "your", "you're", "youre", "yours", "yourself", "u", "ur", "ya", "thou"})
CHAR_SIZES = (3, 4, 5)


def model_words(text: str, hits: list[Hit]) -> list[str]:
    """Lowercase words of `text`, each lexicon hit replaced by the word it stands for."""
    if hits:
        parts, last = [], 0
        for h in hits:
            parts += [text[last : h.start], " " + h.entry.form.replace(" ", "_") + " "]
            last = h.end
        parts.append(text[last:])
        text = "".join(parts)
    text = LINK.sub(" url ", MENTION.sub(" @user ", text))
    words = WORD.findall(text.lower().replace("@user", " xuserx "))
    return ["@user" if w == "xuserx" else w for w in words]


@lru_cache(maxsize=50_000)
def letter_ngrams(word: str) -> tuple[str, ...]:
    """The "c:" features of one word (cached: words repeat, n-grams are the costly part)."""
    if len(word) < 2 or word == "@user":
        return ()
    padded = f"<{word}>"
    return tuple("c:" + padded[i : i + n] for n in CHAR_SIZES for i in range(len(padded) - n + 1))


def features(text: str, lexicon: Lexicon, hits: list[Hit] | None = None) -> list[str]:
    """Feature strings of `text` (repeated features repeat: counts matter)."""
    if hits is None:
        hits = lexicon.find(text)
    words = model_words(text, hits)
    out = ["w:" + w for w in words]
    out += ["b:" + a + "_" + b for a, b in zip(words, words[1:], strict=False)]
    for w in set(words):
        out += letter_ngrams(w)
    for h in hits:
        out.append(f"lex:{h.entry.category}:{h.entry.severity}")
        out.append(f"lex:{h.entry.category}")
    if SECOND_PERSON.intersection(words):
        out.append("lex:second_person")
        if any(h.entry.category in ("insult", "slur") or h.entry.severity == "strong" for h in hits):
            out.append("lex:second_person+abuse")
    return out
