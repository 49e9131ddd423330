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

Someone else's words are not the sender's pitch, so by default they are left out:

* quoted reply lines (`>`), always;
* forwarded or replied-to messages below a divider ("-----Original Message-----", "-----
  Forwarded by", "Begin forwarded message:"; see forwarded.py): a vendor's offer passed on to
  colleagues is not the sender's commercial activity. `forwarded_is_commercial: true` counts
  cues there too.
* mass mailings received from outside the district: a newsletter or vendor offer (List-Id /
  List-Unsubscribe / Precedence: bulk|list|junk headers, or a list footer such as "unsubscribe",
  "you are currently subscribed to", "removed from our mailing list") is advertising staff
  received, not staff advertising. Such a message is flagged only on a personal cue (own shop,
  order request, recruiting, MLM brand): a staff member's own pitch that ends with an
  unsubscribe footer still fires. A mailing whose sender the directory knows as a district
  address is not "received" and is judged like any message. `bulk_mail_is_commercial: true`
  judges received mass mailings like any message too (the footer then counts as a weak cue).

Settings (`settings.detectors.commercial`):
  allow: phrases inside which a cue is ignored (e.g. a vendor the district contracts with).
  fundraisers_are_commercial: bool, default false.
  bulk_mail_is_commercial: bool, default false.
  forwarded_is_commercial: bool, default false.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aupguard.detectors.allow import allow_pattern
from aupguard.detectors.anchors import LexiconScan, LexiconScanner
from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.data import read_yaml
from aupguard.detectors.forwarded import forwarded_start
from aupguard.detectors.item_text import item_text
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.detectors.quoted import quoted_lines
from aupguard.model import Item, Signal

MAX_EXPLAINED = 6  # cues spelled out in the explanation; `data["cues"]` has them all
MAX_TEXT = 50_000  # characters scanned per item; sales pitches come first, not after 50 kB
PERSONAL = frozenset({"order_request", "recruiting", "own_shop", "mlm_brand"})
MONEY_ONLY = frozenset({"price", "payment"})
MASS_MAIL_FOOTER = "bulk_mail"  # the weak-cue category of list footers ("unsubscribe", ...)
MASS_MAIL_HEADERS = ("list-id", "list-unsubscribe")  # RFC 2919 / RFC 2369: sent through a list
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})


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


def find_cues(text: str, allow: re.Pattern[str] | None = None, *, forwarded: bool = False) -> list[Cue]:
    """Cues in `text` outside quoted lines and allowed phrases, each distinct wording once;
    without those below a forward divider unless `forwarded`."""
    text = text[:MAX_TEXT]
    cues = _find_cues(SCANNER.scan(text), allow)
    return cues if forwarded else own_cues(cues, text)


def own_cues(cues: list[Cue], text: str) -> list[Cue]:
    """`cues` without those below the first forward divider: the forwarded message's words."""
    divider = forwarded_start(text)
    return cues if divider is None else [c for c in cues if c.start < divider]


def _find_cues(scan: LexiconScan, allow: re.Pattern[str] | None) -> list[Cue]:
    text = scan.text
    skipped = list(quoted_lines(text))
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


def mass_mailing(item: Item, cues: list[Cue]) -> str | None:
    """Why `item` is a mass mailing (a list header or footer), or None when nothing says so."""
    for name in MASS_MAIL_HEADERS:
        if item.headers.get(name):
            return f"{name} header"
    precedence = " ".join(item.headers.get("precedence", ())).strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    footer = next((c for c in cues if c.category == MASS_MAIL_FOOTER), None)
    return f"footer {' '.join(footer.text.split())!r}" if footer else None


def _received_mass_mailing(item: Item, cues: list[Cue], ctx: DetectContext) -> str | None:
    """`mass_mailing` for mail from outside the district; None when the directory knows the
    sender as a district address (the district's own list mail is its staff's words)."""
    if item.sender and ctx.directory.is_district_address(item.sender):
        return None
    return mass_mailing(item, cues)


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
        scan = SCANNER.scan(item_text(item)[:MAX_TEXT])
        if not _may_be_enough(scan):
            return []  # exact: `_find_cues` could not find enough cues (see `_may_be_enough`)
        allowed = tuple(str(p).strip() for p in settings.get("allow", []) if str(p).strip())
        cues = _find_cues(scan, allow_pattern(allowed))
        # Speed: the forward divider is looked for only when the whole text has enough cues;
        # leaving cues out never makes `_enough` true, so this gives the same verdicts.
        if not cues or not _enough(cues):
            return []
        if not settings.get("forwarded_is_commercial", False):
            cues = own_cues(cues, scan.text)
            if not cues or not _enough(cues):
                return []
        personal = any(c.category in PERSONAL for c in cues)
        if not personal and not settings.get("fundraisers_are_commercial", False) and _is_fundraiser(scan):
            return []
        mailing = None if settings.get("bulk_mail_is_commercial", False) else _received_mass_mailing(item, cues, ctx)
        if mailing and not personal:
            return []  # advertising the sender received, not the sender's own pitch

        strong = [c for c in cues if c.strong]
        score = 0.85 if strong else 0.6
        score = min(0.95, score + 0.05 * max(0, len(cues) - (1 if strong else 2)))
        lead = strong[0] if strong else min(cues, key=lambda c: c.start)
        ordered = sorted(cues, key=lambda c: (not c.strong, c.start))
        listed = "; ".join(
            f"{'strong' if c.strong else 'weak'} {c.category.replace('_', ' ')} {' '.join(c.text.split())!r}"
            for c in ordered[:MAX_EXPLAINED]
        ) + (f"; and {len(ordered) - MAX_EXPLAINED} more" if len(ordered) > MAX_EXPLAINED else "")
        why_mailing = f" A mass mailing ({mailing}), flagged for the sender's own cues." if mailing else ""
        return [
            self.signal(
                "content.commercial", lead.start, lead.end, lead.text, round(score, 2),
                f"Commercial cues: {listed}.{why_mailing}",
                cues=[{"category": c.category, "strong": c.strong, "start": c.start, "end": c.end,
                       "text": c.text} for c in cues],
                **({"mass_mailing": mailing} if mailing else {}),
            )
        ]  # fmt: skip


STRONG_CATEGORIES = frozenset(category for strong, category, _ in TABLES if strong)
CUE_CATEGORIES = frozenset(category for _, category, _ in TABLES)


def _may_be_enough(scan: LexiconScan) -> bool:
    """False only when the cues `_find_cues` would find in `scan` cannot be `_enough`.

    Speed: most mail has a start word of a cue or two ("$", "order") and no cue, and this
    answers from the start words alone, before any cue regex runs. Exact: every cue starts
    where a start word of its category does (`match_starts`), and no two cues start at the same
    offset (a cue's span is skipped by the later ones, and cues are never empty), so there
    are no more cues than such offsets, and only of the categories that have some."""
    if not CUE_CATEGORIES.isdisjoint(scan.unbounded()):
        return True  # a cue may start anywhere: no bound
    categories: set[str] = set()
    offsets: set[int] = set()
    for category, starts in scan.match_starts().items():
        if category in CUE_CATEGORIES:
            categories.add(str(category))
            offsets.update(starts)
    if categories & STRONG_CATEGORIES:
        return True
    return (len(categories) >= 2 and not categories <= MONEY_ONLY) or len(offsets) >= 3


def _enough(cues: list[Cue]) -> bool:
    """One strong cue, or weak cues from two categories (not money alone), or three weak cues.
    Monotone: true for some cues, it is true for any list that holds them."""
    if any(c.strong for c in cues):
        return True
    weak_categories = {c.category for c in cues}
    return (len(weak_categories) >= 2 and not weak_categories <= MONEY_ONLY) or len(cues) >= 3
