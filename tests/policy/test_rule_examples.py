"""Each active rule's examples, run through its detectors: `fire` texts must fire, `pass` texts must not.

An example fires when the rule's detectors, on the text alone, emit a signal of one of the rule's
kinds scoring at least min_score (docs/policy-pack.md, Examples); `when` other than channel is not
applied because a bare text has no sender or recipients.
"""

from __future__ import annotations

import pytest

from aupguard.detectors import registry
from aupguard.detectors.base import DetectContext
from aupguard.model import Channel, Item, content_id
from aupguard.policy import Example, Rule, default_pack

CASES = [
    pytest.param(rule, example, id=f"{rule.id}:{example.expect}:{n}")
    for rule in default_pack().active_rules()
    for n, example in enumerate(rule.examples)
]


def fires(rule: Rule, example: Example) -> list[str]:
    raw = example.text.encode()
    item = Item(id=content_id(raw), channel=example.channel or Channel.EMAIL, source="example", position="",
                raw=raw, body=example.text)  # fmt: skip
    ctx = DetectContext(settings=default_pack().detector_settings())
    found = []
    for name in rule.detectors:
        try:
            detector = registry.get(name)
        except ImportError as exc:  # a detector whose optional model is not installed here
            pytest.skip(f"detector {name} not importable: {exc}")
        found += [
            f"{s.kind} {s.score:.2f} {s.text!r}"
            for s in detector.detect(item, ctx)
            if rule.matches_signal(s.kind) and s.score >= rule.min_score
        ]
    return found


def test_text_rules_have_examples() -> None:
    assert len(CASES) >= 8


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_rule_example(rule: Rule, example: Example) -> None:
    signals = fires(rule, example)
    if example.expect == "fire":
        assert signals, f"{rule.id} should fire on {example.text!r}"
    else:
        assert not signals, f"{rule.id} should not fire on {example.text!r}: {signals}"
