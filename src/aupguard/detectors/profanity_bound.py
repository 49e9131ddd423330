"""An exact upper bound on alt-profanity-check's score, to skip text that cannot reach a threshold.

The packaged model is a TF-IDF vectorizer (single words, L2-normalised rows) feeding five
LinearSVCs, each calibrated with a sigmoid, whose probabilities are averaged. For one
classifier k with weights w_k, intercept c_k and calibration p = expit(-(a_k f + b_k)), a_k < 0,
the probability reaches threshold T only when f = w_k . x + c_k >= f*_k = (-logit(T) - b_k) / a_k.
The average reaches T only when some classifier does. Since x >= 0 and |x| = 1, Cauchy-Schwarz
gives w_k . x <= sqrt(sum over the text's words j of max(w_kj, 0)^2). With

    u_kj = (max(w_kj, 0) / (f*_k - c_k))^2

a text whose distinct words have sum_j u_kj < 1 for every k scores below T for every k, hence
on average: it can be skipped without changing any result. (The sum of max_k u_kj, at least
every per-classifier sum, is the quick first test.)

The bound holds for any subset of a set of words (u_j >= 0). A sentence never contains .!?
except at its end, so its words are among those of one stretch of text between sentence
punctuation ("chunk"; plus "name", which the detector's name masking may add): `hot_chunks`
sums u_j over the whole text, then over each chunk, and reports the chunks that reach 1. In the
Enron mail 6.5% of the text lies in such chunks and 18% of the messages have one.

`ScoreBound.from_model` checks that the model is built the way this proof assumes and returns
None otherwise (a future alt-profanity-check release): the detector then scores every sentence.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate
from typing import Any, AnyStr

import numpy as np
from scipy.special import expit

# Sums this close to 1 count as reaching it: rounding in the sums must never skip a sentence.
MARGIN = 1e-6
# The vectorizer's token pattern; on ASCII text we split on non-word characters instead, which
# yields the same words (runs of [A-Za-z0-9_]) at C speed.
TOKEN = re.compile(r"(?u)\b\w\w+\b")
CHUNK = re.compile(r"[^.!?]+")
_WORD_CHARS = frozenset(string.ascii_letters + string.digits + "_")
# Byte tables for ASCII text: lowercase word characters, other bytes -> b" " (_WORDS) or, for
# sentence punctuation, b"." (_WORDS_AND_STOPS, chunk boundaries). Lengths, so offsets, are kept.
_WORDS = bytes(ord(chr(i).lower()) if chr(i) in _WORD_CHARS else 32 for i in range(256))
_WORDS_AND_STOPS = bytes(46 if chr(i) in ".!?" else c for i, c in enumerate(_WORDS))
_STR_WORDS_AND_STOPS = {i: chr(c) for i, c in enumerate(_WORDS_AND_STOPS[:128]) if c != i}
_WORD_CHAR = re.compile(r"\w")


def as_assumed(vectorizer: Any, model: Any) -> bool:
    """Whether the model is built as this module assumes (see the module docstring)."""
    try:
        params = vectorizer.get_params()
        return bool(
            params["analyzer"] == "word"
            and params["lowercase"] is True
            and params["token_pattern"] == TOKEN.pattern
            and params["ngram_range"] == (1, 1)
            and params["norm"] == "l2"
            and params["preprocessor"] is None
            and params["tokenizer"] is None
            and params["strip_accents"] is None
            and model.method == "sigmoid"
            and list(model.classes_) == [0, 1]
            and all(len(c.calibrators) == 1 for c in model.calibrated_classifiers_)
        )
    except (AttributeError, KeyError, TypeError):
        return False


def linear_scorer(vectorizer: Any, model: Any) -> Callable[[list[str]], Any] | None:
    """`predict_prob` of the packaged model computed directly: the same operations in the same
    order as scikit-learn's CalibratedClassifierCV.predict_proba (decision value, sigmoid, mean
    of the five), without its per-call input checks, which cost ~7 ms a call. Results are
    bit-identical (tests compare them). None when the model is not as assumed."""
    if not as_assumed(vectorizer, model):
        return None
    try:
        parts = [
            (c.estimator.coef_.T, c.estimator.intercept_, c.calibrators[0].a_, c.calibrators[0].b_)
            for c in model.calibrated_classifiers_
        ]
    except AttributeError:  # not a linear model with a sigmoid calibration
        return None

    def predict(texts: list[str]) -> Any:
        x = vectorizer.transform(texts)
        total = np.zeros(x.shape[0])
        for coef, intercept, a, b in parts:
            decision = np.asarray(x @ coef + intercept).ravel()
            total += expit(-(a * decision + b))
        return total / len(parts)

    return predict


@dataclass(frozen=True)
class ScoreBound:
    """u_kj = (max(w_kj, 0) / (f*_k - c_k))^2 per word j and classifier k; a text can reach the
    threshold only when sum_j u_kj >= 1 for some k. `weights` holds max_k u_kj, whose sum is a
    quick first test (it is at least every per-classifier sum); `per_classifier` the u_kj."""

    threshold: float
    per_classifier: dict[str, tuple[float, ...]]  # word -> (u_kj for each k), words with some u > 0
    base: tuple[float, ...]  # per k: sum of u_kj over words the caller may add (see from_model)

    @cached_property
    def weights(self) -> dict[str, float]:
        return {word: max(u) for word, u in self.per_classifier.items()}

    @cached_property
    def _ascii(self) -> tuple[dict[bytes, float], dict[bytes, tuple[float, ...]]]:
        per_classifier = {w.encode("ascii"): u for w, u in self.per_classifier.items() if w.isascii()}
        return {w: max(u) for w, u in per_classifier.items()}, per_classifier

    @classmethod
    def from_model(
        cls, vectorizer: Any, model: Any, threshold: float, added_words: frozenset[str] = frozenset()
    ) -> ScoreBound | None:
        """The bound for `model` at `threshold`, or None when the model is not as assumed.

        `added_words`: words the caller may put into a sentence before scoring it (the
        detector masks person names as "Name"); they count as present in every text.
        """
        try:
            if not (as_assumed(vectorizer, model) and 0.0 < threshold < 1.0):
                return None
            logit_t = math.log(threshold / (1.0 - threshold))
            vocabulary: dict[str, int] = vectorizer.vocabulary_
            columns: list[list[float]] = []
            for calibrated in model.calibrated_classifiers_:
                estimator, (calibrator,) = calibrated.estimator, calibrated.calibrators
                a, b = float(calibrator.a_), float(calibrator.b_)
                coef = [float(w) for w in estimator.coef_.ravel()]
                intercept = float(estimator.intercept_[0])
                if a >= 0 or len(coef) != len(vocabulary):
                    return None  # probability not increasing in the decision value
                margin = (-logit_t - b) / a - intercept
                if margin <= 0:
                    return None  # the intercept alone reaches the threshold: no bound
                columns.append([(w / margin) ** 2 if w > 0 else 0.0 for w in coef])
        except (AttributeError, KeyError, TypeError, ValueError):
            return None
        per_classifier = {word: u for word, j in vocabulary.items() if any(u := tuple(column[j] for column in columns))}
        base = tuple(
            sum(per_classifier.get(w, (0.0,) * len(columns))[k] for w in added_words) for k in range(len(columns))
        )
        return cls(threshold, per_classifier, base)

    def may_reach(self, words: Iterable[str]) -> bool:
        """False only when a text made of (a subset of) `words` must score below the threshold."""
        return _reaches(self.per_classifier.keys() & words, self.weights, self.per_classifier, self.base)

    def hot_chunks(self, text: str) -> list[tuple[int, int]]:
        """Spans of `text` between sentence punctuation (.!?) whose words may reach the
        threshold; a sentence outside them cannot. Empty for most mail."""
        if text.isascii():  # bytes: faster than str
            weights, per_classifier = self._ascii
            folded = text.encode("ascii").translate(_WORDS_AND_STOPS)
            return _hot(folded, b".", weights, per_classifier, self.base)
        lowered = text.lower()
        if len(lowered) == len(text):  # offsets kept (only "İ" lowercases to two characters)
            folded_str = lowered.translate(_unicode_table(lowered))
            return _hot(folded_str, ".", self.weights, self.per_classifier, self.base)
        return [(m.start(), m.end()) for m in CHUNK.finditer(text) if self.may_reach(TOKEN.findall(m.group().lower()))]


def _reaches(
    present: Collection[AnyStr],
    weights: Mapping[AnyStr, float],
    per_classifier: Mapping[AnyStr, tuple[float, ...]],
    base: tuple[float, ...],
) -> bool:
    """Whether the distinct words `present` (all in `weights`) may reach the threshold: first
    the quick sum of the per-word maxima, then the sum for each classifier."""
    if max(base) + sum(map(weights.__getitem__, present)) < 1.0 - MARGIN:
        return False
    sums = [sum(column) for column in zip(*map(per_classifier.__getitem__, present), strict=True)]
    return any(b + total >= 1.0 - MARGIN for b, total in zip(base, sums or [0.0] * len(base), strict=True))


def _unicode_table(lowered: str) -> dict[int, str]:
    """`_WORDS_AND_STOPS` for str, extended to the text's non-ASCII characters: those the
    vectorizer's \\w does not match become spaces, so `split()` yields exactly its words."""
    table = dict(_STR_WORDS_AND_STOPS)
    for char in set(lowered):
        if not char.isascii() and not _WORD_CHAR.fullmatch(char):
            table[ord(char)] = " "
    return table


def _hot(
    folded: AnyStr,
    stop: AnyStr,
    weights: Mapping[AnyStr, float],
    per_classifier: Mapping[AnyStr, tuple[float, ...]],
    base: tuple[float, ...],
) -> list[tuple[int, int]]:
    # First the whole text, which ends it for most mail; then each chunk between sentence
    # punctuation (`stop`): one pass over the same words, `stop` tokens marking chunk ends,
    # sums the per-word maxima (a word seen twice counts twice: an overestimate, still a
    # bound), and a chunk that reaches the limit gets the per-classifier test on its distinct
    # words.
    words = folded.replace(stop, stop.center(3)).split()  # " . " or b" . "
    present = weights.keys() & words  # iterates the list: cheaper than building its set
    if not _reaches(present, weights, per_classifier, base):
        return []
    limit = 1.0 - MARGIN - max(base)
    ends = list(accumulate((len(c) + 1 for c in folded.split(stop)), initial=0))
    hot: list[tuple[int, int]] = []
    chunk, total = 0, 0.0
    for word in words:
        if word == stop:
            chunk, total = chunk + 1, 0.0
        elif total < limit and word in present:
            total += weights[word]
            if total >= limit:
                start, end = ends[chunk], ends[chunk + 1] - 1
                if _reaches(present & set(folded[start:end].split()), weights, per_classifier, base):
                    hot.append((start, end))
    return hot
