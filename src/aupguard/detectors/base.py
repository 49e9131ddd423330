"""The detector contract.

A detector MUST be a pure function of the item and read-only resources: it SHALL NOT write to
the store, the network or the disk, and SHALL return the same signals for the same input.
Every signal it returns MUST carry an explanation a reviewer can read (which pattern, which
list entry or which model, and why this span).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from aupguard.directory.index import Directory
from aupguard.model import Item, Signal


@dataclass
class DetectContext:
    """Read-only resources a detector may consult."""

    directory: Directory = field(default_factory=Directory)
    # Per-detector settings from the policy pack (`settings.detectors.<name>`): thresholds,
    # allow-lists, extra lexicon entries. Detectors read only their own key.
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def settings_for(self, detector: str) -> dict[str, Any]:
        return self.settings.get(detector, {})


class Detector:
    """Base class: subclasses set the three class attributes and implement `detect`."""

    name: ClassVar[str]
    version: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]]  # every signal kind this detector may emit
    description: ClassVar[str] = ""
    # True when the detector looks only at text, so `aupguard detect` can run it on raw strings.
    text_only: ClassVar[bool] = False

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        raise NotImplementedError

    def signal(
        self,
        kind: str,
        start: int,
        end: int,
        text: str,
        score: float,
        explanation: str,
        **data: Any,
    ) -> Signal:
        assert kind in self.kinds, f"{self.name} does not declare signal kind {kind}"
        return Signal(self.name, kind, start, end, text, score, explanation, dict(data))
