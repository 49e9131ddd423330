"""Offensive language: vulgarities, swear words and abusive phrasing (401.13R1 network etiquette).

A thin wrapper around alt-profanity-check, a linear model over word n-grams shipped inside its
PyPI package (no download). The model was trained on short texts (tweets), so we score one
sentence at a time, never a whole message: a long e-mail would otherwise dilute a single
vulgar line, and a reviewer needs the offending sentence as the span anyway.

What is scored is the author's own words: quoted reply lines (`>`), header blocks of quoted
mail (From:/Sent:/To: lines) and, in a reply, everything below the reply divider are skipped.
Forwarded text is kept - forwarding a crude joke is the sender's own act.

Speed: scoring every sentence costs ~1 ms per e-mail, mostly scikit-learn's per-call overhead
and vectorizing. Two things keep the results identical while avoiding that: the model's
arithmetic is done directly (profanity_bound.linear_scorer, bit-identical to predict_prob), and
only sentences that profanity_bound.ScoreBound cannot prove to score below the threshold are
scored at all (about one e-mail in ten has any; tests and bench/eval_content_detectors.py show
no flag changes on the OLID tweets and the Enron mail).

Settings (`settings.detectors.offensive_language`):
  threshold: probability at or above which a sentence is reported (default 0.95; measured on
      Enron mail by bench/eval_content_detectors.py).
  allow: words/phrases removed before scoring (adds to data/offensive_allow.txt).
  max_sentences: sentences scored per item (default 300); the rest are not read.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from typing import Any

from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.data import read_list
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.detectors.profanity_bound import ScoreBound, linear_scorer
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
MASK_WORDS = frozenset({"name"})  # what NAME_MASK puts into a sentence, as the vectorizer reads it
NAME_MASK = re.compile(rf"\b({'|'.join(map(re.escape, NAME_WORDS))})(?='s\b|\s+[A-Z][a-z])")


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = sorted({p.strip() for p in phrases if p and p.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in cleaned) + r")\b", re.IGNORECASE)


DEFAULT_ALLOW = _phrase_pattern(read_list("offensive_allow.txt"))


def own_sentences(
    item: Item, wanted: Callable[[int, int], bool] | None = None, until: int | None = None
) -> Iterator[tuple[int, int]]:
    """(start, end) spans in `item.text` of the sentences the sender wrote, in order.

    Speed-ups for callers that need only some sentences: `wanted(start, end)` picks the
    paragraphs to split into sentences (the others are passed over), and `until` stops at the
    first paragraph that starts after that offset.
    """
    text = item.text
    is_reply = bool(item.subject and REPLY_SUBJECT.match(item.subject))
    para: list[int] = []  # [start, end] of the paragraph being collected

    def split(para: list[int]) -> Iterator[tuple[int, int]]:
        if para and (wanted is None or wanted(para[0], para[1])):
            yield from _split_paragraph(text, para)

    offset = 0
    for line in text.splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        if until is not None and start > until and not para:
            break
        content = line.rstrip("\r\n")
        stripped = content.strip()
        if is_reply and start > 0 and REPLY_DIVIDER.match(stripped):
            break
        if not stripped or stripped.startswith(">") or QUOTED_HEADER.match(stripped):
            yield from split(para)
            para = []
            continue
        first = start + len(content) - len(content.lstrip())
        last = start + len(content.rstrip())
        para = [para[0] if para else first, last]
        if start == 0 and item.subject:
            yield from split(para)  # the subject is a paragraph of its own
            para = []
    yield from split(para)


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


def _overlaps(start: int, end: int, chunks: list[tuple[int, int]], starts: list[int]) -> bool:
    """Whether [start, end) meets one of `chunks` (sorted, disjoint; `starts` their starts)."""
    i = bisect_right(starts, end - 1) - 1
    return i >= 0 and chunks[i][1] > start


def _most_sentences(text: str) -> int:
    """More than the sentences that end in `text` (or in a text it begins)."""
    # Every sentence ends at a run of .!? or at a paragraph end (at most one per line), and a
    # long one is cut at its "\n"s: at most punctuation + lines + newlines sentences.
    lines = len(text.splitlines()) + 1
    return text.count(".") + text.count("!") + text.count("?") + lines + text.count("\n")


@dataclass(frozen=True)
class _Model:
    predict: Callable[[list[str]], Any]
    vectorizer: Any
    classifier: Any


def _load_model() -> _Model:
    # Imported on first use: loading the pickled model takes about a second and most commands
    # (`aupguard --help`, `policy check`) never need it.
    from profanity_check import profanity_check

    vectorizer, classifier = profanity_check.vectorizer, profanity_check.model
    predict = linear_scorer(vectorizer, classifier) or profanity_check.predict_prob
    return _Model(predict, vectorizer, classifier)


class OffensiveLanguageDetector(Detector):
    name = "offensive_language"
    version = "1.0"
    kinds = SIGNAL_KINDS["offensive_language"]  # the one list, shared with the pack checker
    description = (
        f"Sentences that alt-profanity-check {MODEL_VERSION} scores as offensive (vulgarities, swear "
        "words, abusive phrasing); quoted replies are skipped."
    )
    text_only = True

    def __init__(self) -> None:
        self._model: _Model | None = None
        self._bounds: dict[float, ScoreBound | None] = {}
        self.use_bound = True  # False scores every sentence (bench/tests compare the two)

    def _bound(self, model: _Model, threshold: float) -> ScoreBound | None:
        if threshold not in self._bounds:
            self._bounds[threshold] = ScoreBound.from_model(model.vectorizer, model.classifier, threshold, MASK_WORDS)
        return self._bounds[threshold] if self.use_bound else None

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        return self.detect_many([item], ctx)[0]

    def detect_many(self, items: Sequence[Item], ctx: DetectContext) -> list[list[Signal]]:
        """Signals for each item, scoring every sentence of every item in one model call.

        Speed: sentences that provably cannot reach the threshold (profanity_bound.py) are not
        scored; the signals are the same as scoring them all.
        """
        settings = ctx.settings_for(self.name)
        threshold = float(settings.get("threshold", DEFAULT_THRESHOLD))
        max_sentences = int(settings.get("max_sentences", DEFAULT_MAX_SENTENCES))
        allow = _phrase_pattern([str(x) for x in settings.get("allow", [])])
        if self._model is None:
            self._model = _load_model()
        bound = self._bound(self._model, threshold)

        where: list[tuple[int, int, int]] = []  # (item index, start, end) per scored sentence
        inputs: list[str] = []
        for index, item in enumerate(items):
            text = item.text
            hot = bound.hot_chunks(text) if bound is not None else None
            if hot == []:
                continue  # no sentence of this item can reach the threshold
            hot_starts = [a for a, _ in hot] if hot is not None else []
            # Sentences after the last hot chunk are neither scored nor counted before a hot
            # one: reading stops there. The cap counts the sentences the bound rules out too;
            # when the text before the last hot chunk cannot hold as many sentences as the cap,
            # the cap cannot stop the loop before a hot one, so sentences away from every hot
            # chunk need no model input and paragraphs away from them no splitting.
            sentences: Iterable[tuple[int, int]]
            if hot is None:
                sentences, uncapped = own_sentences(item), False
            elif _most_sentences(text[: hot[-1][1]]) < max_sentences:
                wanted = partial(_overlaps, chunks=hot, starts=hot_starts)
                sentences, uncapped = own_sentences(item, wanted, until=hot[-1][1]), True
            else:
                sentences = list(own_sentences(item, until=hot[-1][1]))
                uncapped = len(sentences) <= max_sentences
            count = 0
            for start, end in sentences:
                if count >= max_sentences:
                    break
                is_hot = hot is None or _overlaps(start, start + 1, hot, hot_starts)
                if uncapped and not is_hot:
                    continue
                model_text = _model_input(text[start:end], allow)
                if not HAS_LETTERS.search(model_text):
                    continue
                count += 1  # counted whether scored or not: the cap stays where it was
                if not is_hot:
                    continue  # no chunk of it may reach the threshold
                where.append((index, start, end))
                inputs.append(model_text)

        results: list[list[Signal]] = [[] for _ in items]
        if not inputs:
            return results
        probabilities = self._model.predict(inputs)
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
