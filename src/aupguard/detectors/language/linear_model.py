"""The trained language models: logistic regressions over `features.features`, scored in NumPy.

Each model is one `.npz` file in `detectors/data/` written by `scripts/train_language_models.py`:
`vocabulary` (feature strings), `idf`, `coef`, `intercept` and `meta` (a JSON string naming the
training data, the held-out scores and the library versions). Loading uses
`numpy.load(allow_pickle=False)`: plain arrays, no pickle, so a model trained with one
scikit-learn version loads under any other (scikit-learn is not needed at run time at all).

Scoring reproduces scikit-learn's `TfidfVectorizer(sublinear_tf=True)` + `LogisticRegression`
exactly: tf = 1 + log(count), times idf, L2-normalised over the known features, then
sigmoid(coef . x + intercept). tests/detectors/test_language_models.py checks the equality
against scikit-learn when it is installed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

MODEL_NAMES = ("offensive", "targeted", "group")


def is_held_out(key: str) -> bool:
    """The evaluation split: one record in five, by a hash of its id (training and bench agree)."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % 5 == 0


@dataclass
class LinearModel:
    name: str
    index: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_arrays(cls, name: str, arrays: Any) -> LinearModel:
        vocabulary = arrays["vocabulary"].tolist()
        return cls(
            name,
            {f: i for i, f in enumerate(vocabulary)},
            np.asarray(arrays["idf"], dtype=np.float64),
            np.asarray(arrays["coef"], dtype=np.float64),
            float(arrays["intercept"]),
            json.loads(str(arrays["meta"])),
        )

    def probability(self, feats: list[str]) -> float:
        """P(positive) for one text's feature strings."""
        index = self.index
        counts = Counter(i for i in map(index.get, feats) if i is not None)
        if not counts:
            return _sigmoid(self.intercept)
        ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        x = tf * self.idf[ids]
        norm = math.sqrt(float(x @ x))
        return _sigmoid(float(x @ self.coef[ids]) / norm + self.intercept)

    def top_features(self, feats: list[str], n: int = 3) -> list[str]:
        """The features of this text that pushed its score up most (for explanations)."""
        known = {f for f in feats if f in self.index}
        # Equal weights are ranked by name: a set's order changes with the process's string
        # hashing, and the same text must get the same explanation in every run.
        ranked = sorted(known, key=lambda f: (-self.coef[self.index[f]] * self.idf[self.index[f]], f))
        return [_readable(f) for f in ranked[:n] if self.coef[self.index[f]] > 0]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _readable(feature: str) -> str:
    kind, _, value = feature.partition(":")
    if kind == "b":
        return "'" + value.replace("_", " ") + "'"
    if kind == "c":
        return "letters '" + value.strip("<>") + "'"
    if kind == "lex":
        return "lexicon " + value.replace(":", " ")
    return f"'{value}'"


def lexicon_digest() -> str:
    """SHA-256 of the shipped lexicon file; models record the one they were trained with."""
    data = resources.files("aupguard.detectors.data").joinpath("vulgarity_lexicon.yaml").read_bytes()
    return hashlib.sha256(data).hexdigest()


def model_path(name: str) -> Any:
    return resources.files("aupguard.detectors.data").joinpath(f"language_{name}.npz")


@cache
def load_model(name: str) -> LinearModel:
    """The packaged model `name` (one of MODEL_NAMES), loaded once per process."""
    with model_path(name).open("rb") as f, np.load(f, allow_pickle=False) as arrays:
        return LinearModel.from_arrays(name, arrays)
