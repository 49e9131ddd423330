"""The packaged language models: plain NumPy files, scored exactly as scikit-learn would."""

from __future__ import annotations

import numpy as np
import pytest

from aupguard.detectors.language.features import features
from aupguard.detectors.language.lexicon import build_lexicon
from aupguard.detectors.language.linear_model import (
    MODEL_NAMES,
    LinearModel,
    is_held_out,
    lexicon_digest,
    load_model,
    model_path,
)

LEXICON = build_lexicon()
TEXTS = [
    "You are a worthless idiot.",
    "This damn printer jammed again.",
    "Thanks for the notes, see you at 3pm.",
    "@USER go back to where you came from URL",
    "",
]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_files_are_plain_arrays_trained_with_this_lexicon(name: str) -> None:
    with model_path(name).open("rb") as f, np.load(f, allow_pickle=False) as arrays:
        assert set(arrays.files) == {"vocabulary", "idf", "coef", "intercept", "meta"}
        assert arrays["vocabulary"].dtype.kind == "U"  # strings, not pickled objects
    model = load_model(name)
    assert model.meta["lexicon_sha256"] == lexicon_digest(), "lexicon changed: rerun scripts/train_language_models.py"
    assert model.meta["script"] == "scripts/train_language_models.py" and model.meta["trained_on"]
    assert len(model.index) == len(model.coef) == len(model.idf)


def test_scores_equal_scikit_learn() -> None:
    """A model trained here and exported the way the training script does scores the same."""
    sklearn = pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    assert sklearn
    train = ["you idiot", "you are an idiot", "nice work today", "thanks for the help", "shut up you moron", "see you"]
    vectorizer = TfidfVectorizer(analyzer=lambda t: features(t, LEXICON), min_df=1, sublinear_tf=True)
    x = vectorizer.fit_transform(train)
    classifier = LogisticRegression().fit(x, [1, 1, 0, 0, 1, 0])
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    ours = LinearModel.from_arrays(
        "t",
        {"vocabulary": np.array(vocabulary), "idf": vectorizer.idf_, "coef": classifier.coef_[0],
         "intercept": np.array(classifier.intercept_[0]), "meta": np.array("{}")},
    )  # fmt: skip
    expected = classifier.predict_proba(vectorizer.transform(TEXTS))[:, 1]
    got = [ours.probability(features(t, LEXICON)) for t in TEXTS]
    assert np.allclose(got, expected, rtol=0, atol=1e-12)


def test_packaged_model_separates_the_obvious_cases() -> None:
    offensive = load_model("offensive")
    assert offensive.probability(features("You are a worthless idiot.", LEXICON)) > 0.9
    assert offensive.probability(features("Thanks for the notes, see you at 3pm.", LEXICON)) < 0.2
    assert offensive.top_features(features("You are a worthless idiot.", LEXICON))


def test_held_out_split_is_a_fifth_and_stable() -> None:
    keys = [f"olid:{i}" for i in range(5000)]
    share = sum(map(is_held_out, keys)) / len(keys)
    assert 0.18 < share < 0.22
    assert [is_held_out(k) for k in keys[:50]] == [is_held_out(k) for k in keys[:50]]


def test_unknown_features_leave_the_score_exactly_as_without_them() -> None:
    """Features outside the vocabulary count for nothing, wherever they fall in the list (the
    count keeps the known ones in first-seen order, so the float sums are the same)."""
    offensive = load_model("offensive")
    feats = features("You are a worthless idiot, you idiot.", LEXICON)
    known = [f for f in feats if f in offensive.index]
    assert known and len(known) < len(feats)  # the text has both kinds
    unknown = ["w:no-such-feature-1", "w:no-such-feature-2"]
    mixed = [unknown[0], *feats[:3], unknown[1], *feats[3:], unknown[0]]
    assert offensive.probability(mixed) == offensive.probability(known) == offensive.probability(feats)
    assert offensive.probability(unknown) == offensive.probability([])


def test_features_of_equal_weight_are_explained_in_the_same_order_whatever_the_hashing() -> None:
    # Equal weights used to come out in the order of a set, which changes with the process's
    # string hashing: the same text got two different explanations in two runs. (Eight tied
    # features: a set would give them in name order by chance once in 40,320 hashings.)
    tied = ["hotel", "alpha", "golf", "charlie", "foxtrot", "bravo", "echo", "delta"]
    names = ["w:top", *(f"w:{word}" for word in tied), "w:against"]
    weights = np.array([2.0] + [1.0] * len(tied) + [-1.0])
    model = LinearModel("tied", {name: i for i, name in enumerate(names)}, np.ones(len(names)), weights, 0.0)
    expected = ["'top'", *(f"'{word}'" for word in sorted(tied))]
    for order in (names, names[::-1]):
        assert model.top_features(order, n=20) == expected  # the negative feature is never a reason
