"""Measure the commercial and sexual_content detectors on real mail (prints figures).

    python bench/eval_content_detectors.py [--dev-data PATH]

* commercial: flag rate per 1,000 Enron messages (real workplace mail, unlabelled; nearly all
  of it is not commercial, so the flag rate is an upper bound on the false-alarm rate), with
  every flag listed for reading; precision and recall on the SpamAssassin ham/spam files of the
  e-mail corpus (spam = positive; spam is mostly advertising, but not all of it is).
* speed-ups lose nothing: commercial/sexual_content with and without the literal-anchor
  scanner on all of the mail; prints how many signals differ (must be 0).

The language detectors (offensive_language and all four together) are measured by
bench/eval_language.py. This file also holds the stdlib mail reader both benches use.

Reads ../shared/dev-data (or $AUPGUARD_DEV_DATA); prints a note and exits 0 when it is absent.
E-mail is parsed with the stdlib `email` package (text/plain parts only) so this bench does not
depend on aupguard's own readers.
"""

from __future__ import annotations

import argparse
import csv
import email
import email.policy
import email.utils
import os
import sys
from collections.abc import Iterable
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

from aupguard.detectors.anchors import LexiconScanner
from aupguard.detectors.base import DetectContext
from aupguard.detectors.commercial import CommercialDetector
from aupguard.detectors.sexual_content import SexualContentDetector
from aupguard.model import Channel, Item, Signal, content_id

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DEV_DATA = Path(os.environ.get("AUPGUARD_DEV_DATA", REPO.parent / "shared" / "dev-data"))
# Most SpamAssassin "spam" files are filter test fixtures (GTUBE strings, whitelist and URL
# tests) with no advertising in them. These are the ones that are real advertisements, by
# reading them (aupguard's own judgement, not a label of the corpus).
ADVERTISEMENTS = {"spam/005", "spam/006", "spam/007", "spam/009", "spam/011"}


class _HTMLText(HTMLParser):
    """Visible text of an HTML part (for HTML-only mail), via the stdlib parser."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("style", "script", "head")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "script", "head") and self._hidden > 0

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.chunks.append(data)


def _part_text(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError, AssertionError):  # unknown/garbled charset
        payload = part.get_payload(decode=True)
        return payload.decode("latin-1") if isinstance(payload, bytes) else ""


def _body_text(msg: EmailMessage) -> str:
    """text/plain parts; for HTML-only mail the visible text of the text/html parts."""
    plain, html = [], []
    for part in msg.walk():
        if part.is_multipart() or part.is_attachment():
            continue
        if part.get_content_type() == "text/plain":
            plain.append(_part_text(part))
        elif part.get_content_type() == "text/html":
            parser = _HTMLText()
            parser.feed(_part_text(part))
            html.append(" ".join(parser.chunks))
    return "\n".join(plain if any(p.strip() for p in plain) else html)


def read_item(path: Path) -> Item:
    raw = path.read_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        headers.setdefault(name.lower(), []).append(str(value))
    sender_name, sender = email.utils.parseaddr(str(msg.get("from", "")))
    return Item(
        id=content_id(raw),
        channel=Channel.EMAIL,
        source=str(path),
        position="",
        raw=raw,
        sender=sender.lower() or None,
        sender_name=sender_name or None,
        subject=str(msg.get("subject", "") or "") or None,
        body=_body_text(msg),
        headers=headers,
    )


def corpus_items(root: Path, categories: Iterable[str]) -> dict[str, list[Item]]:
    wanted = set(categories)
    out: dict[str, list[Item]] = {c: [] for c in wanted}
    with (root / "manifest.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["category"] in wanted and not row["duplicate_of"]:
                out[row["category"]].append(read_item(root / row["file"]))
    return out


def _short(item: Item) -> str:
    return item.source.split("email_rfc5322_corpus/", 1)[-1]


def _one_line(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _commercial_flags(items: list[Item]) -> list[list[Signal]]:
    detector, ctx = CommercialDetector(), DetectContext()
    return [detector.detect(item, ctx) for item in items]


def report_commercial(enron: list[Item], ham: list[Item], spam: list[Item]) -> None:
    detector = CommercialDetector()
    print(f"\n== commercial {detector.version}")
    flags = _commercial_flags(enron)
    flagged = [(item, sigs) for item, sigs in zip(enron, flags, strict=True) if sigs]
    print(f"Enron: {len(flagged)} of {len(enron)} messages flagged = {1000 * len(flagged) / len(enron):.1f} per 1,000")
    for item, sigs in flagged:
        for s in sigs:
            print(f"  {_short(item)}: {_one_line(s.explanation, 160)}")

    ham_hits = [bool(s) for s in _commercial_flags(ham)]
    spam_hits = [bool(s) for s in _commercial_flags(spam)]
    tp, fp = sum(spam_hits), sum(ham_hits)
    fn = len(spam) - tp
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / len(spam) if spam else float("nan")
    print(f"SpamAssassin ({len(ham)} ham, {len(spam)} spam; spam = positive):")
    print(f"  TP {tp}  FP {fp}  FN {fn}  precision {precision:.2f}  recall {recall:.2f}")
    ads = [hit for item, hit in zip(spam, spam_hits, strict=True) if _short(item).split("/", 1)[1] in ADVERTISEMENTS]
    print(f"  recall on the {len(ads)} spam files that are real advertisements: {sum(ads)}/{len(ads)}")
    for item, hit in zip(ham, ham_hits, strict=True):
        if hit:
            print(f"  false alarm (ham): {_short(item)}  {_one_line(item.subject or '', 80)}")
    for item, hit in zip(spam, spam_hits, strict=True):
        if not hit:
            print(f"  missed (spam): {_short(item)}  {_one_line(item.subject or '', 80)}")


def _flags(per_item: list[list[Signal]]) -> set[tuple[int, str, int, int, float]]:
    return {(i, s.kind, s.start, s.end, s.score) for i, sigs in enumerate(per_item) for s in sigs}


def report_anchor_equivalence(mail: list[Item]) -> None:
    print("\n== speed-ups lose nothing (signals with vs without the literal-anchor scanner; differing must be 0)")
    ctx = DetectContext()
    for lexical in (CommercialDetector(), SexualContentDetector()):
        fast = [lexical.detect(i, ctx) for i in mail]
        LexiconScanner.use_anchors = False
        try:
            plain = [lexical.detect(i, ctx) for i in mail]
        finally:
            LexiconScanner.use_anchors = True
        a, b = _flags(fast), _flags(plain)
        print(
            f"  {lexical.name} on {len(mail)} messages: {len(b)} signals with the plain regexes, "
            f"{len(a)} with the scanner; differing {len(a ^ b)}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dev-data", type=Path, default=DEFAULT_DEV_DATA)
    args = parser.parse_args(argv)
    root = args.dev_data / "email_rfc5322_corpus"
    if not (root / "manifest.csv").is_file():
        print(f"dev data not found at {root}; nothing to measure", file=sys.stderr)
        return 0
    items = corpus_items(root, ["enron_workplace_inbox", "ham", "spam"])
    report_commercial(items["enron_workplace_inbox"], items["ham"], items["spam"])
    report_anchor_equivalence([i for batch in items.values() for i in batch])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
