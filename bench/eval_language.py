"""Measure the language detectors on every labeled set of the dev data, beside alt-profanity-check.

    python bench/eval_language.py [--dev-data PATH] [--sets olid,davidson,...] [--no-speed]

For each set it prints precision, recall, positive-class F1 and macro-F1 of aupguard's
detector and of alt-profanity-check (`predict`, its own 0.5 cut-off) on the same texts in the
same run. Only records the models never saw are scored: the held-out fifth of every set
(`linear_model.is_held_out`, the split scripts/train_language_models.py leaves out). Note that
alt-profanity-check was trained on Davidson, so its Davidson figures are inflated.

Sets:
* OLID offensive vs not (subtask A), held-out fifth.
* OLID targeted vs untargeted (subtask B) on the held-out offensive tweets: aupguard positive =
  a harassment or identity-attack signal; alt-profanity-check cannot tell, its "positive" is
  its offensive verdict.
* OLID harassment with little profanity: held-out targeted-offensive tweets without any
  vulgar lexicon word, against held-out non-offensive tweets.
* Davidson (hate or offensive vs neither), held-out fifth.
* Jigsaw samples (toxic vs not), held-out fifth.
* SpamAssassin ham vs spam (commercial detector; spam = positive), all 66 files (nothing was
  trained on them).
Then: Enron flags per 1,000 messages at default settings, each flag listed; and speed of the
language detectors together on Enron mail, one core (CPU time of this process, so that other
work on a shared machine does not count; best of five rounds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from eval_content_detectors import _one_line, _short, corpus_items  # noqa: E402
from train_language_models import Record, davidson, jigsaw, olid, split_key  # noqa: E402

from aupguard.detectors import registry  # noqa: E402
from aupguard.detectors.base import DetectContext  # noqa: E402
from aupguard.detectors.language.features import features  # noqa: E402
from aupguard.detectors.language.lexicon import Lexicon, build_lexicon  # noqa: E402
from aupguard.detectors.language.linear_model import is_held_out, load_model  # noqa: E402
from aupguard.model import Channel, Item  # noqa: E402
from aupguard.policy.loader import default_pack  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DEV_DATA = Path(os.environ.get("AUPGUARD_DEV_DATA", REPO.parent / "shared" / "dev-data"))
LANGUAGE_DETECTORS = ("offensive_language", "sexual_content", "commercial", "credentials")
ABUSE = ("language.harassment", "language.identity_attack")
# Settings that also judge words the sender did not write (received mass mailings, forwarded
# text, credentials delivered to their holder); off by default. The bench shows what they add.
OPT_IN = {
    "commercial": {"bulk_mail_is_commercial": True, "forwarded_is_commercial": True},
    "credentials": {"delivery_to_holder_is_sharing": True},
}


def with_opt_in(ctx: DetectContext, name: str) -> DetectContext:
    settings = dict(ctx.settings)
    settings[name] = {**settings.get(name, {}), **OPT_IN[name]}
    return DetectContext(directory=ctx.directory, settings=settings)


ANY_LANGUAGE = ("language.offensive", *ABUSE)


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    macro_f1: float

    def row(self) -> str:
        return f"P {self.precision:.3f}  R {self.recall:.3f}  F1+ {self.f1:.3f}  macro-F1 {self.macro_f1:.3f}"


def scores(truth: Sequence[bool], predicted: Sequence[bool]) -> Scores:
    def f1(pos: bool) -> tuple[float, float, float]:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == pos and p == pos)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != pos and p == pos)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == pos and p != pos)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)

    p, r, f = f1(True)
    return Scores(p, r, f, (f + f1(False)[2]) / 2)


def post(text: str) -> Item:
    return Item("x", Channel.POST, "bench", "", b"", body=text)


def detector_flags(texts: Sequence[str], kinds: Sequence[str], ctx: DetectContext) -> list[bool]:
    detector = registry.get("offensive_language")
    return [any(s.kind in kinds for s in detector.detect(post(t), ctx)) for t in texts]


@cache
def shipped_lexicon() -> Lexicon:
    return build_lexicon()


def targeted_probability(text: str) -> float:
    """The targeted model's probability for a whole text (what the harassment kind builds on)."""
    return load_model("targeted").probability(features(text, shipped_lexicon()))


def apc_flags(texts: Sequence[str]) -> list[bool]:
    from profanity_check import profanity_check

    return [bool(p) for p in profanity_check.predict(list(texts))]


def compare(name: str, texts: Sequence[str], truth: Sequence[bool], ours: Sequence[bool]) -> None:
    theirs = apc_flags(texts)
    a, b = scores(truth, ours), scores(truth, theirs)
    print(f"\n== {name}: {len(texts)} texts, {sum(truth)} positive")
    print(f"  aupguard             {a.row()}")
    print(f"  alt-profanity-check  {b.row()}")
    print(f"  macro-F1 gain        {a.macro_f1 - b.macro_f1:+.3f}")


def held(records: list[Record]) -> list[Record]:
    return [r for r in records if is_held_out(split_key(r))]


def report_labeled(root: Path, ctx: DetectContext, wanted: set[str]) -> None:
    if "olid" in wanted:
        test = held(olid(root))
        texts = [r.text for r in test]
        truth = [bool(r.labels["offensive"]) for r in test]
        compare("OLID offensive vs not (held-out fifth)", texts, truth, detector_flags(texts, ANY_LANGUAGE, ctx))
        off = [r for r in test if r.labels["targeted"] is not None]
        texts = [r.text for r in off]
        compare(
            "OLID targeted vs untargeted, offensive tweets (held-out fifth)", texts,
            [bool(r.labels["targeted"]) for r in off], detector_flags(texts, ABUSE, ctx),
        )  # fmt: skip
        threshold = float(ctx.settings_for("offensive_language").get("targeted_threshold", 0.6))
        alone = [targeted_probability(t) >= threshold for t in texts]
        print(f"  targeted model alone  {scores([bool(r.labels['targeted']) for r in off], alone).row()}")
        lexicon = shipped_lexicon()
        clean = [
            r for r in test
            if (r.labels["targeted"] or not r.labels["offensive"])
            and not any(h.entry.category == "vulgar" for h in lexicon.find(r.text))
        ]  # fmt: skip
        texts = [r.text for r in clean]
        compare(
            "OLID harassment with little profanity: targeted-offensive vs not, no vulgar word (held-out)",
            texts, [bool(r.labels["offensive"]) for r in clean], detector_flags(texts, ANY_LANGUAGE, ctx),
        )  # fmt: skip
    if "davidson" in wanted:
        test = held(davidson(root))
        texts = [r.text for r in test]
        compare(
            "Davidson hate or offensive vs neither (held-out fifth; alt-profanity-check trained on all of it)",
            texts, [bool(r.labels["offensive_eval"]) for r in test], detector_flags(texts, ANY_LANGUAGE, ctx),
        )  # fmt: skip
    if "jigsaw" in wanted:
        test = held(jigsaw(root))
        texts = [r.text for r in test]
        compare(
            "Jigsaw samples toxic vs not (held-out fifth)",
            texts, [bool(r.labels["offensive"]) for r in test], detector_flags(texts, ANY_LANGUAGE, ctx),
        )  # fmt: skip


def report_spam(root: Path, ctx: DetectContext) -> None:
    items = corpus_items(root, ["ham", "spam"])
    mail = items["ham"] + items["spam"]
    truth = [False] * len(items["ham"]) + [True] * len(items["spam"])
    commercial = registry.get("commercial")
    ours = [bool(commercial.detect(i, ctx)) for i in mail]
    compare("SpamAssassin ham vs spam (commercial detector; spam = positive)", [i.text for i in mail], truth, ours)
    opt_in = with_opt_in(ctx, "commercial")
    opt_in_flags = [bool(commercial.detect(i, opt_in)) for i in mail]
    print(f"  aupguard, {_settings_text('commercial')}  {scores(truth, opt_in_flags).row()}")


def _settings_text(name: str) -> str:
    return ", ".join(f"{key}: true" for key in OPT_IN[name])


def report_enron(enron: list[Item], ctx: DetectContext) -> None:
    print(f"\n== Enron: {len(enron)} messages, default settings of the shipped pack")
    for name in LANGUAGE_DETECTORS:
        detector = registry.get(name)
        flagged = [(i, found) for i in enron if (found := detector.detect(i, ctx))]
        print(f"  {name}: {len(flagged)} messages flagged = {1000 * len(flagged) / len(enron):.1f} per 1,000")
        for item, sigs in flagged:
            for sig in sigs[:3]:
                what = f"{sig.kind} {sig.score:.2f} {_one_line(sig.text, 70)!r}"
                print(f"    {_short(item)} {what}: {_one_line(sig.explanation, 150)}")
        if name in OPT_IN:
            opt_in = with_opt_in(ctx, name)
            more = sum(1 for i in enron if detector.detect(i, opt_in))
            print(f"    with {_settings_text(name)}: {more} messages = {1000 * more / len(enron):.1f} per 1,000")


def report_speed(enron: list[Item], ctx: DetectContext, rounds: int = 5) -> None:
    detectors = [registry.get(n) for n in LANGUAGE_DETECTORS]
    for d in detectors:
        d.detect(enron[0], ctx)  # load lexicons and models first
    median = statistics.median(len(i.text) for i in enron)
    typical = [i for i in enron if len(i.text) <= median]
    print(f"\n== speed: {', '.join(LANGUAGE_DETECTORS)} together, one core (CPU time, best of {rounds})")
    for label, items in (
        ("all Enron messages", enron),
        (f"typical: the shorter half, <= {median:.0f} characters", typical),
    ):
        best = min(_cpu_seconds(items, detectors, ctx) for _ in range(rounds))
        chars = statistics.mean(len(i.text) for i in items)
        print(f"  {label} ({len(items)}, mean {chars:.0f} characters): {len(items) / best:,.0f} messages/s")
    for d in detectors:
        best = min(_cpu_seconds(enron, [d], ctx) for _ in range(rounds))
        print(f"  {d.name} alone, all messages: {len(enron) / best:,.0f} messages/s")


def _cpu_seconds(items: list[Item], detectors: list[Any], ctx: DetectContext) -> float:
    t0 = time.process_time()
    for item in items:
        for d in detectors:
            d.detect(item, ctx)
    return time.process_time() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dev-data", type=Path, default=DEFAULT_DEV_DATA)
    parser.add_argument("--sets", default="olid,davidson,jigsaw,spam,enron,speed")
    args = parser.parse_args(argv)
    if not (args.dev_data / "abuse_olid_offenseval2019").is_dir():
        print(f"dev data not found at {args.dev_data}; nothing to measure", file=sys.stderr)
        return 0
    wanted = set(args.sets.split(","))
    ctx = DetectContext(settings=default_pack().detector_settings())
    report_labeled(args.dev_data, ctx, wanted)
    root = args.dev_data / "email_rfc5322_corpus"
    if "spam" in wanted:
        report_spam(root, ctx)
    if wanted & {"enron", "speed"}:
        enron = corpus_items(root, ["enron_workplace_inbox"])["enron_workplace_inbox"]
        if "enron" in wanted:
            report_enron(enron, ctx)
        if "speed" in wanted:
            report_speed(enron, ctx)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
