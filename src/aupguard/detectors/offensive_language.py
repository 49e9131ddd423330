"""Offensive language: vulgarities and swear words (401.13R1 network etiquette), abuse aimed at a
person and racist or sexist abuse aimed at a group (401.13R1 prohibited: harassing).

Two kinds of evidence, both explained in every signal:

* the **lexicon** (`data/vulgarity_lexicon.yaml`, see language/lexicon.py): swear words with a
  severity, insults and slurs, matched as whole words after undoing obfuscations ("sh1t",
  "f***", "f.u.c.k"); "Scunthorpe" and "Dick Smith" never fire;
* three small **trained models** (language/linear_model.py, NumPy weights trained by
  scripts/train_language_models.py on OLID, Jigsaw and, for the group model, Davidson): is the
  unit offensive, is it aimed at someone (OLID's targeted-insult vs untargeted-profanity
  distinction), and is the target a group (identity-based).

Signals per unit (a short paragraph or a sentence of the sender's own words, language/own_text.py):

* `language.offensive`: each vulgar word of at least `min_severity` (span = the word); or, with
  no vulgar word, the unit when the offensive model scores it at least `threshold`.
* `language.harassment`: the unit when the offensive model scores at least `abuse_threshold` and
  the targeted model at least `targeted_threshold`; or when an insult or swear word is addressed
  to someone ("you are a worthless idiot", "you stupid ...", "she's an idiot") and the offensive
  model scores at least `addressed_threshold`. "This damn printer" is vulgar but aimed at
  nobody, so it stays `language.offensive`.
* `language.identity_attack`: each slur (span = the word); or the abusive, targeted unit when
  the group model scores at least `group_threshold`.
No abuse is reported for a unit whose every abusive word is said of oneself ("I am so stupid").

Thresholds are per channel (DEFAULTS): social posts are scored like the tweets the models
learnt from; in mail and texts the models read only units with a lexicon word and must be sure.

Speed: the lexicon's anchor check (language/lexicon.py) costs a few C-speed string operations
per item and nearly all mail stops there; the models read only units with a lexicon word (in
posts also a trigger word the offensive model weighs heavily, listed in the model file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.item_text import item_text
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.detectors.language.features import features
from aupguard.detectors.language.lexicon import PLAIN_WORD, SEVERITIES, Hit, Lexicon, build_lexicon
from aupguard.detectors.language.linear_model import LinearModel, load_model
from aupguard.detectors.language.own_text import own_paragraphs, units
from aupguard.model import Item, Signal

# Thresholds may be one number or a mapping channel -> number with a `default`. Social posts
# are scored like the tweets the models were trained on (0.45: best macro-F1 on held-out OLID);
# e-mail and texts between colleagues are far less often abusive, so the same score is much
# weaker evidence there and the default is strict (measured on Enron mail, see
# docs/language-evaluation.md).
DEFAULTS: dict[str, Any] = {
    "min_severity": "mild",
    "threshold": {"default": 0.95, "post": 0.45},
    "abuse_threshold": {"default": 0.9, "post": 0.45},
    "addressed_threshold": 0.5,
    "targeted_threshold": 0.6,
    "group_threshold": 0.5,
    "max_units": 300,
    "allow": [],
    "extra_terms": {},
}
DEFAULT_FALLBACK = 0.9  # a channel mapping without `default` and without this channel
SEVERITY_SCORE = {"mild": 0.6, "moderate": 0.8, "strong": 0.95}
MIN_ABUSE_WORDS = 3  # fewer words name no target unless addressed ("LOSERS" over a table)
MAX_SIGNALS = 20  # per item: one abusive e-mail does not need a hundred signals
# An insult or swear word addressed to someone: "you are a worthless idiot", "you stupid bitch",
# "she's an idiot" - a pronoun at most three words before the word ("your" is not one: "put
# your trash out" is about trash).
ADDRESSED = re.compile(
    r"\b(?:you|u|ur|you're|youre|he's|she's|he is|she is|they're|they are)\b(?:\W+\w+){0,3}\W*$", re.IGNORECASE
)
# Said of oneself: "I am so stupid", "we are the fools" (a pronoun at most two words before).
SELF = re.compile(r"\b(?:i|i'm|im|i am|me|myself|we|we're|we are|us)\b(?:\W+\w+){0,2}\W*$", re.IGNORECASE)


def per_channel(value: Any, channel: str) -> float:
    """A threshold setting: a number, or {channel: number, default: number}."""
    if isinstance(value, dict):
        value = value.get(channel, value.get("default", DEFAULT_FALLBACK))
    return float(value)


@dataclass
class Config:
    """A pack's settings for this detector, compiled once per settings object."""

    lexicon: Lexicon
    triggers: frozenset[str]  # in posts, a unit without a lexicon hit or one of these is not scored
    min_severity: str
    threshold: Any
    abuse_threshold: Any
    addressed_threshold: float
    targeted_threshold: float
    group_threshold: float
    max_units: int

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Config:
        s = DEFAULTS | settings
        allow = [str(a) for a in s["allow"] or []]
        lexicon = build_lexicon(s["extra_terms"] or {}, allow, min_severity="mild")
        allowed_words = {w.strip().lower() for w in allow if " " not in w.strip()}
        triggers = (
            frozenset(lexicon.words) | frozenset(load_model("offensive").meta.get("triggers", []))
        ) - allowed_words
        return cls(
            lexicon,
            triggers,
            str(s["min_severity"]),
            s["threshold"],
            s["abuse_threshold"],
            float(s["addressed_threshold"]),
            float(s["targeted_threshold"]),
            float(s["group_threshold"]),
            int(s["max_units"]),
        )


@dataclass
class UnitScores:
    offensive: float
    targeted: float | None = None
    group: float | None = None


class OffensiveLanguageDetector(Detector):
    name = "offensive_language"
    version = "2.0"
    kinds = SIGNAL_KINDS["offensive_language"]  # the one list, shared with the pack checker
    description = (
        "Vulgar words (lexicon with obfuscations undone, severity levels), abuse aimed at a person "
        "and identity-based abuse (trained NumPy models: offensive, targeted, group); own words only."
    )
    text_only = True

    def __init__(self) -> None:
        self._config_for: tuple[dict[str, Any], Config] | None = None

    def config(self, settings: dict[str, Any]) -> Config:
        if self._config_for is None or self._config_for[0] is not settings:
            cached = self._config_for
            if cached is not None and cached[0] == settings:
                self._config_for = (settings, cached[1])
            else:
                self._config_for = (settings, Config.from_settings(settings))
        return self._config_for[1]

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        cfg = self.config(ctx.settings_for(self.name))
        text = item_text(item)
        channel = str(item.channel)
        # Speed: the lexicon runs once over the whole text (its anchors come from the automaton
        # pass the text detectors share; see Lexicon.windows). Only social posts, scored like
        # the tweets the models learnt from, also send units without a lexicon hit to the model
        # (when a trigger word is in them); in mail and texts the strict thresholds leave such
        # units nothing to report.
        hits = cfg.lexicon.find(text)
        model_only = channel == "post" and not cfg.triggers.isdisjoint(PLAIN_WORD.findall(text.lower()))
        if not hits and not model_only:
            return []
        signals: list[Signal] = []
        count = 0
        # Speed: without `model_only` only units holding a hit can add signals, and units come in
        # text order, so the walk stops past the last hit instead of reading the rest of a long
        # mail line by line (nothing after it could add a signal or change the result).
        last_hit = hits[-1].start if hits and not model_only else None
        for p_start, p_end in own_paragraphs(item):
            if last_hit is not None and p_start > last_hit:
                break
            for start, end in units(text, p_start, p_end):
                count += 1
                if count > cfg.max_units or len(signals) >= MAX_SIGNALS:
                    return signals[:MAX_SIGNALS]
                unit_hits = [
                    replace(h, start=h.start - start, end=h.end - start)
                    for h in hits
                    if start <= h.start and h.end <= end
                ]
                if unit_hits or (
                    model_only and not cfg.triggers.isdisjoint(PLAIN_WORD.findall(text[start:end].lower()))
                ):
                    signals += self.detect_unit(text, start, end, cfg, channel, unit_hits)
        return signals[:MAX_SIGNALS]

    def detect_unit(
        self, text: str, start: int, end: int, cfg: Config, channel: str = "email", hits: list[Hit] | None = None
    ) -> list[Signal]:
        """Signals of the unit text[start:end]; `hits` are its lexicon hits (offsets in the unit)."""
        unit = text[start:end]
        if hits is None:
            hits = cfg.lexicon.find(unit)
        feats = features(unit, cfg.lexicon, hits)
        offensive = load_model("offensive")
        scores = UnitScores(offensive.probability(feats))
        threshold = per_channel(cfg.threshold, channel)
        abuse_threshold = per_channel(cfg.abuse_threshold, channel)
        out: list[Signal] = []
        floor = SEVERITIES.index(cfg.min_severity)
        vulgar = [h for h in hits if h.entry.category == "vulgar" and SEVERITIES.index(h.entry.severity) >= floor]
        for h in vulgar:
            out.append(
                self._word_signal("language.offensive", h, start, SEVERITY_SCORE[h.entry.severity], "Vulgar word")
            )
        slurs = [h for h in hits if h.entry.category == "slur"]
        for h in slurs:
            out.append(self._word_signal("language.identity_attack", h, start, 0.9, "Identity attack:"))
        addressed = [
            h for h in hits
            if h.entry.category == "insult" or (h.entry.category == "vulgar" and h.entry.severity != "mild")
            if ADDRESSED.search(unit, 0, h.start)
        ]  # fmt: skip
        bar = min(abuse_threshold, cfg.addressed_threshold) if addressed else abuse_threshold
        # "I am so stupid": every abusive word is said of oneself - no one else is abused.
        self_only = bool(hits) and all(SELF.search(unit, 0, h.start) for h in hits if h.entry.category != "slur")
        abuse: list[Signal] = []
        # A word or two on its own ("LOSERS" over a stock table) names no target unless it is
        # addressed to someone ("you idiot").
        if scores.offensive >= bar and not self_only and (addressed or len(unit.split()) >= MIN_ABUSE_WORDS):
            scores.targeted = load_model("targeted").probability(feats)
            if scores.targeted >= cfg.targeted_threshold or addressed:  # an addressed insult has a target
                scores.group = load_model("group").probability(feats)
                is_group = scores.group >= cfg.group_threshold
                if not (is_group and slurs):
                    abuse.append(
                        self._unit_signal(unit, start, end, hits, addressed, feats, scores, bar, cfg, is_group)
                    )
        # The model alone says "offensive" only for a unit that is neither vulgar by the lexicon
        # nor already reported as abuse: one passage, one reason.
        if not vulgar and not abuse and scores.offensive >= threshold:
            out.append(
                self.signal(
                    "language.offensive", start, end, unit, round(scores.offensive, 4),
                    f"Offensive-language model scored the passage {scores.offensive:.2f} (threshold "
                    f"{threshold:g}); {self._why(offensive, feats)}.",
                    model="offensive", probability=scores.offensive, threshold=threshold,
                )
            )  # fmt: skip
        return out + abuse

    def _word_signal(self, kind: str, hit: Hit, offset: int, score: float, what: str) -> Signal:
        return self.signal(
            kind, offset + hit.start, offset + hit.end, hit.text, score,
            f"{what} {hit.describe()}.",
            term=hit.entry.form, entry=hit.entry.source, category=hit.entry.category,
            severity=hit.entry.severity, obfuscation=hit.how or None,
        )  # fmt: skip

    def _unit_signal(
        self, unit: str, start: int, end: int, hits: list[Hit], addressed: list[Hit], feats: list[str],
        scores: UnitScores, bar: float, cfg: Config, is_group: bool,
    ) -> Signal:  # fmt: skip
        assert scores.targeted is not None and scores.group is not None
        if is_group:
            kind, what = "language.identity_attack", "Abuse aimed at a group of people"
            score = min(scores.offensive, scores.targeted, scores.group)
        else:
            kind, what = "language.harassment", "Abuse aimed at a person"
            score = min(scores.offensive, scores.targeted)
        lexicon = "; lexicon: " + ", ".join(f"'{h.text}' ({h.entry.category})" for h in hits) if hits else ""
        if addressed:
            lexicon += "; addressed to someone: " + ", ".join(f"'{h.text}'" for h in addressed)
        group = (
            f", group model {scores.group:.2f} (threshold {cfg.group_threshold:g})"
            if is_group
            else f", group model {scores.group:.2f}"
        )
        explanation = (
            f"{what}: offensive model {scores.offensive:.2f} (threshold {bar:g}), targeted model "
            f"{scores.targeted:.2f} (threshold {cfg.targeted_threshold:g}){group}{lexicon}; "
            f"{self._why(load_model('offensive'), feats)}."
        )
        return self.signal(
            kind, start, end, unit, round(score, 4), explanation,
            model="offensive+targeted+group", offensive=scores.offensive, targeted=scores.targeted,
            group=scores.group, terms=[h.entry.form for h in hits], addressed=[h.text for h in addressed],
        )  # fmt: skip

    @staticmethod
    def _why(model: LinearModel, feats: list[str]) -> str:
        top = model.top_features(feats)
        return "strongest features " + ", ".join(top) if top else "no single strong feature"
