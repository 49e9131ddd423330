"""Commercial activity: sales pitches, MLM recruiting, price lists, shop links (401.13R1).

Cues are regular expressions kept as data (data/commercial_cues.yaml), grouped in categories.
To keep precision high a message is flagged only on

* one STRONG cue ("DM me to order", "join my team", a link to the sender's own shop), or
* WEAK cues from at least two different categories (a price plus an order deadline, an MLM
  brand plus "free shipping", ...), not counting price + payment alone, which is how staff
  collect money for a shared lunch or a colleague's gift; or three different weak cues.

School-group fundraisers (band, team, club, PTO: "fundraiser", "boosters", "proceeds go to")
are not flagged on weak cues: the policy's clause is about "commercial activity, including
advertising, or personal gain", and a district activity raising money for students is none of
those. A fundraiser that comes with a personal cue (the sender's own shop, an MLM brand,
recruiting) is still flagged - "Scentsy fundraiser for band" is the sender's business. A district
that wants fundraisers reviewed too sets `fundraisers_are_commercial: true`.

Quoted reply lines (`>`) are skipped: they are someone else's words.

Settings (`settings.detectors.commercial`):
  allow: phrases inside which a cue is ignored (e.g. a vendor the district contracts with).
  fundraisers_are_commercial: bool, default false.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aupguard.detectors.anchors import LexiconScan, LexiconScanner
from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.data import read_yaml
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.model import Item, Signal

MAX_EXPLAINED = 6  # cues spelled out in the explanation; `data["cues"]` has them all
MAX_TEXT = 50_000  # characters scanned per item; sales pitches come first, not after 50 kB
PERSONAL = frozenset({"order_request", "recruiting", "own_shop", "mlm_brand"})
MONEY_ONLY = frozenset({"price", "payment"})
QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?!\w)", re.IGNORECASE)


CUES: dict[str, Any] = read_yaml("commercial_cues.yaml")
# (strong?, category, patterns) in file order: the order decides which cue claims a wording.
TABLES: tuple[tuple[bool, str, tuple[str, ...]], ...] = tuple(
    (strong, category, tuple(patterns))
    for strong, section in ((True, "strong"), (False, "weak"))
    for category, patterns in CUES[section].items()
)
FUNDRAISER_PATTERNS = tuple(CUES["fundraiser"])
# Speed: one Aho-Corasick pass over the text finds where a cue can start (each cue's start words
# are derived from its regex, see anchors.py), and each category's regex is tried only there.
# The matches are exactly those of the category regex run over the whole text.
SCANNER = LexiconScanner(
    {category: patterns for _, category, patterns in TABLES} | {"fundraiser": FUNDRAISER_PATTERNS},
    _compile,
)


@dataclass(frozen=True)
class Cue:
    category: str
    strong: bool
    start: int
    end: int
    text: str


def find_cues(text: str, allow: re.Pattern[str] | None = None) -> list[Cue]:
    """Cues in `text` outside quoted lines and allowed phrases: each distinct wording once."""
    return _find_cues(SCANNER.scan(text[:MAX_TEXT]), allow)


def _find_cues(scan: LexiconScan, allow: re.Pattern[str] | None) -> list[Cue]:
    text = scan.text
    skipped = [(m.start(), m.end()) for m in QUOTED_LINE.finditer(text)] if ">" in text else []
    if allow is not None:
        skipped += [(m.start(), m.end()) for m in allow.finditer(text)]

    cues: list[Cue] = []
    seen: set[str] = set()
    for strong, category, _ in TABLES:
        for m in scan.finditer(category):
            wording = " ".join(m.group().lower().split())
            if wording in seen or any(a <= m.start() < b for a, b in skipped):
                continue
            seen.add(wording)
            # "for only $379" and "only $379" are one cue, not two.
            skipped.append((m.start(), m.end()))
            cues.append(Cue(category, strong, m.start(), m.end(), m.group()))
    return cues


def _is_fundraiser(scan: LexiconScan) -> bool:
    return next(scan.finditer("fundraiser"), None) is not None


class CommercialDetector(Detector):
    name = "commercial"
    version = "1.0"
    kinds = SIGNAL_KINDS["commercial"]  # the one list, shared with the pack checker
    description = (
        "Sales pitches, MLM recruiting, price lists with order deadlines, links to personal shops: "
        "one strong cue or weak cues from two categories (lexicon: commercial_cues.yaml)."
    )
    text_only = True

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        settings = ctx.settings_for(self.name)
        allowed = [re.escape(str(p).strip()) for p in settings.get("allow", []) if str(p).strip()]
        allow = re.compile(r"\b(?:" + "|".join(allowed) + r")\b", re.IGNORECASE) if allowed else None
        scan = SCANNER.scan(item.text[:MAX_TEXT])
        cues = _find_cues(scan, allow)
        if not cues:
            return []

        strong = [c for c in cues if c.strong]
        weak = [c for c in cues if not c.strong]
        weak_categories = {c.category for c in weak}
        enough_weak = (len(weak_categories) >= 2 and not weak_categories <= MONEY_ONLY) or len(weak) >= 3
        if not strong and not enough_weak:
            return []
        personal = any(c.category in PERSONAL for c in cues)
        if not personal and not settings.get("fundraisers_are_commercial", False) and _is_fundraiser(scan):
            return []

        score = 0.85 if strong else 0.6
        score = min(0.95, score + 0.05 * max(0, len(cues) - (1 if strong else 2)))
        lead = strong[0] if strong else min(cues, key=lambda c: c.start)
        ordered = sorted(cues, key=lambda c: (not c.strong, c.start))
        listed = "; ".join(
            f"{'strong' if c.strong else 'weak'} {c.category.replace('_', ' ')} {' '.join(c.text.split())!r}"
            for c in ordered[:MAX_EXPLAINED]
        ) + (f"; and {len(ordered) - MAX_EXPLAINED} more" if len(ordered) > MAX_EXPLAINED else "")
        return [
            self.signal(
                "content.commercial", lead.start, lead.end, lead.text, round(score, 2),
                f"Commercial cues: {listed}.",
                cues=[{"category": c.category, "strong": c.strong, "start": c.start, "end": c.end,
                       "text": c.text} for c in cues],
            )
        ]  # fmt: skip
