"""Offensive language: vulgarities, swear words and abusive phrasing (401.13R1 network etiquette).

A thin wrapper around alt-profanity-check, a linear model over word n-grams shipped inside its
PyPI package (no download). The model was trained on short texts (tweets), so we score one
sentence at a time, never a whole message: a long e-mail would otherwise dilute a single
vulgar line, and a reviewer needs the offending sentence as the span anyway.

What is scored is the author's own words: quoted reply lines (`>`), header blocks of quoted
mail (From:/Sent:/To: lines) and, in a reply, everything below the reply divider are skipped.
Forwarded text is kept - forwarding a crude joke is the sender's own act.

Settings (`settings.detectors.offensive_language`):
  threshold: probability at or above which a sentence is reported (default 0.95; measured on
      Enron mail by bench/eval_content_detectors.py).
  allow: words/phrases removed before scoring (adds to data/offensive_allow.txt).
  max_sentences: sentences scored per item (default 300); the rest are not read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from typing import Any

from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.data import read_list
from aupguard.model import Item, Signal

DEFAULT_THRESHOLD = 0.95
DEFAULT_MAX_SENTENCES = 300
LONG_SENTENCE = 400  # characters; longer "sentences" are tables or unpunctuated text: use lines

try:
    MODEL_VERSION = metadata.version("alt-profanity-check")
except metadata.PackageNotFoundError:  # pragma: no cover - a dependency of the package
    MODEL_VERSION = "unknown"

REPLY_SUBJECT = re.compile(r"^\s*(re|aw|sv|antw)\s*(\[\d+\])?\s*:", re.IGNORECASE)
REPLY_DIVIDER = re.compile(
    r"^(-{2,}\s*original message\s*-{2,}|_{10,}|on\s.{4,200}\swrote:|.{0,80}\s(wrote|writes):)$",
    re.IGNORECASE,
)
QUOTED_HEADER = re.compile(r"^(from|sent|to|cc|bcc|date|subject|importance)\s*:", re.IGNORECASE)
SENTENCE = re.compile(r"[^.!?\s][^.!?]*(?:[.!?]+[\"')\]]*|$)")
HAS_LETTERS = re.compile(r"[A-Za-z].*[A-Za-z]", re.DOTALL)
NAME_WORDS = read_list("offensive_name_words.txt")
NAME_MASK = re.compile(rf"\b({'|'.join(map(re.escape, NAME_WORDS))})(?='s\b|\s+[A-Z][a-z])")


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = sorted({p.strip() for p in phrases if p and p.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in cleaned) + r")\b", re.IGNORECASE)


DEFAULT_ALLOW = _phrase_pattern(read_list("offensive_allow.txt"))


def own_sentences(item: Item) -> Iterator[tuple[int, int]]:
    """(start, end) spans in `item.text` of the sentences the sender wrote, in order."""
    text = item.text
    is_reply = bool(item.subject and REPLY_SUBJECT.match(item.subject))
    para: list[int] = []  # [start, end] of the paragraph being collected
    offset = 0
    for line in text.splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        content = line.rstrip("\r\n")
        stripped = content.strip()
        if is_reply and start > 0 and REPLY_DIVIDER.match(stripped):
            break
        if not stripped or stripped.startswith(">") or QUOTED_HEADER.match(stripped):
            yield from _split_paragraph(text, para)
            para = []
            continue
        first = start + len(content) - len(content.lstrip())
        last = start + len(content.rstrip())
        para = [para[0] if para else first, last]
        if start == 0 and item.subject:
            yield from _split_paragraph(text, para)  # the subject is a paragraph of its own
            para = []
    yield from _split_paragraph(text, para)


def _split_paragraph(text: str, para: list[int]) -> Iterator[tuple[int, int]]:
    if not para:
        return
    for m in SENTENCE.finditer(text, para[0], para[1]):
        start, end = m.start(), m.end()
        if end - start <= LONG_SENTENCE:
            yield start, end
            continue
        offset = start
        for line in text[start:end].split("\n"):
            if line.strip():
                lead = len(line) - len(line.lstrip())
                yield offset + lead, offset + len(line.rstrip())
            offset += len(line) + 1


def _model_input(sentence: str, allow: re.Pattern[str] | None) -> str:
    sentence = NAME_MASK.sub("Name", " ".join(sentence.split()))
    for pattern in (DEFAULT_ALLOW, allow):
        if pattern is not None:
            sentence = pattern.sub(" ", sentence)
    return " ".join(sentence.split())


def _load_model() -> Callable[[list[str]], Any]:
    # Imported on first use: loading the pickled model takes about a second and most commands
    # (`aupguard --help`, `policy check`) never need it.
    from profanity_check import predict_prob

    return predict_prob


class OffensiveLanguageDetector(Detector):
    name = "offensive_language"
    version = "1.0"
    kinds = ("language.offensive",)
    description = (
        f"Sentences that alt-profanity-check {MODEL_VERSION} scores as offensive (vulgarities, swear "
        "words, abusive phrasing); quoted replies are skipped."
    )
    text_only = True

    def __init__(self) -> None:
        self._predict: Callable[[list[str]], Any] | None = None

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        return self.detect_many([item], ctx)[0]

    def detect_many(self, items: Sequence[Item], ctx: DetectContext) -> list[list[Signal]]:
        """Signals for each item, scoring every sentence of every item in one model call."""
        settings = ctx.settings_for(self.name)
        threshold = float(settings.get("threshold", DEFAULT_THRESHOLD))
        max_sentences = int(settings.get("max_sentences", DEFAULT_MAX_SENTENCES))
        allow = _phrase_pattern([str(x) for x in settings.get("allow", [])])

        where: list[tuple[int, int, int]] = []  # (item index, start, end) per scored sentence
        inputs: list[str] = []
        for index, item in enumerate(items):
            text = item.text
            count = 0
            for start, end in own_sentences(item):
                if count >= max_sentences:
                    break
                model_text = _model_input(text[start:end], allow)
                if not HAS_LETTERS.search(model_text):
                    continue
                where.append((index, start, end))
                inputs.append(model_text)
                count += 1

        results: list[list[Signal]] = [[] for _ in items]
        if not inputs:
            return results
        if self._predict is None:
            self._predict = _load_model()
        probabilities = self._predict(inputs)
        for (index, start, end), p in zip(where, probabilities, strict=True):
            p = float(p)
            if p >= threshold:
                results[index].append(
                    self.signal(
                        "language.offensive", start, end, items[index].text[start:end], round(p, 4),
                        f"alt-profanity-check {MODEL_VERSION} scored {p:.2f} (threshold {threshold:g}).",
                        probability=p, threshold=threshold,
                    )
                )  # fmt: skip
        return results
