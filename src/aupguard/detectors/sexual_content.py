"""Sexual content: sexually explicit words in text and in attachment names (401.13R1 obscene).

A small curated lexicon (data/sexual_explicit_terms.txt) matched on word boundaries, so
"sex education", "Middlesex" and "Essex" never fire: "sex" alone is not in the lexicon. Images
are never flagged by their type alone - a JPEG from the science fair is a JPEG - only when the
file name (or an archive member's name) carries an explicit term.

Settings (`settings.detectors.sexual_content`):
  allow: phrases that exempt a match inside them (e.g. a book title the district teaches).
  extra_terms: terms added to the lexicon.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from aupguard.detectors.allow import allow_pattern
from aupguard.detectors.anchors import LexiconScanner
from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.data import read_list
from aupguard.detectors.item_text import item_text
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.model import Item, Signal

LEXICON = read_list("sexual_explicit_terms.txt")
MAX_SIGNALS = 20  # per item; one explicit message does not need a hundred signals
CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
FILENAME_SEPARATORS = re.compile(r"[\W_]+")


def _term_regex(term: str) -> str:
    # Spaces in a phrase match any run of whitespace (a phrase may wrap across lines).
    return r"\s+".join(re.escape(word) for word in term.lower().split())


def _alternatives(terms: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({_term_regex(t) for t in terms if t.strip()}, key=len, reverse=True))


def _compile(alternatives: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")(?:e?s)?\b", re.IGNORECASE)


@lru_cache(maxsize=32)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    return _compile(_alternatives(terms))


@lru_cache(maxsize=32)
def _scanner(terms: tuple[str, ...]) -> LexiconScanner:
    """Speed: finds where a term can start (its first word) in one Aho-Corasick pass and tries
    the lexicon regex only there; the matches are exactly those of `_pattern(terms).finditer`."""
    return LexiconScanner({"lexicon": _alternatives(terms)}, _compile)


@lru_cache(maxsize=32)
def _lexicon_with(extra: tuple[str, ...]) -> tuple[re.Pattern[str], LexiconScanner]:
    """`_pattern` and `_scanner` of the lexicon plus a pack's `extra_terms`, looked up by the few
    extra terms (usually none) instead of hashing the whole term tuple twice per item."""
    terms = LEXICON + extra
    return _pattern(terms), _scanner(terms)


def filename_words(name: str) -> str:
    """'SendNudes_2024.jpg' -> 'send nudes 2024 jpg': file names have no spaces to match on."""
    return " ".join(FILENAME_SEPARATORS.split(CAMEL.sub(" ", name))).strip().lower()


class SexualContentDetector(Detector):
    name = "sexual_content"
    version = "1.0"
    kinds = SIGNAL_KINDS["sexual_content"]  # the one list, shared with the pack checker
    description = (
        "Sexually explicit terms (a small curated lexicon, word-boundary matches) in the text, and "
        "in the names of attachments and archive members."
    )

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        settings = ctx.settings_for(self.name)
        if "extra_terms" in settings or "allow" in settings:
            extra = tuple(str(t) for t in settings.get("extra_terms", []))
            pattern, scanner = _lexicon_with(extra)
            allow = allow_pattern(tuple(str(p) for p in settings.get("allow", []) if str(p).strip()), _term_regex)
        else:  # the usual pack sets neither: the shipped lexicon, nothing allowed (as above)
            (pattern, scanner), allow = _lexicon_with(()), None

        text = item_text(item)
        signals: list[Signal] = []
        scan = scanner.scan(text)
        may_match = scan.may_match("lexicon")
        allowed = [(m.start(), m.end()) for m in allow.finditer(text)] if allow and may_match else []
        for m in scan.finditer("lexicon"):
            if any(a <= m.start() and m.end() <= b for a, b in allowed):
                continue
            signals.append(
                self.signal(
                    "content.sexual", m.start(), m.end(), m.group(), 0.9,
                    f"Sexually explicit term {m.group().lower()!r} (sexual_content lexicon).",
                    term=m.group().lower(),
                )
            )  # fmt: skip
            if len(signals) >= MAX_SIGNALS:
                return signals

        for attachment in item.attachments:
            names = [attachment.filename or "", *attachment.members]
            hit = self._first_hit(names, pattern, allow)
            if hit is not None:
                name, term = hit
                shown = attachment.filename or f"(unnamed {attachment.content_type})"
                where = "" if name == attachment.filename else f" (archive member {name!r})"
                signals.append(
                    self.signal(
                        "content.sexual_attachment", -1, -1, shown, 0.85,
                        f"The attachment name{where} contains the sexually explicit term {term!r}.",
                        filename=attachment.filename, term=term, sha256=attachment.sha256,
                    )
                )  # fmt: skip
        return signals

    @staticmethod
    def _first_hit(
        names: Sequence[str], pattern: re.Pattern[str], allow: re.Pattern[str] | None
    ) -> tuple[str, str] | None:
        for name in (n for n in names if n):
            words = filename_words(name)
            if allow is not None:
                words = allow.sub(" ", words)
            m = pattern.search(words)
            if m:
                return name, m.group().lower()
        return None
