"""Validation of the content detectors' pack settings, for `aupguard policy check`.

Each content detector (offensive_language, sexual_content, commercial, credentials) reads
`settings.detectors.<name>`; a misspelt key or a threshold of "high" would otherwise be
silently ignored and the default used. `check(settings, report)` reports every problem with its
path, and suggests the key meant. Light on purpose: it imports no model or numpy, so checking a
pack stays fast.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

from aupguard.detectors.language.lexicon import CATEGORIES, SEVERITIES, expand

Path = tuple[str | int, ...]
Report = Callable[[Path, str], None]
Check = Callable[[Path, Any, Report], None]
CHANNELS = ("default", "email", "text", "post", "connection", "log")


def _probability(path: Path, value: Any, report: Report) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        report(path, f"must be a number from 0 to 1, not {value!r}")


def _threshold(path: Path, value: Any, report: Report) -> None:
    """A probability, or a mapping channel -> probability (with `default`)."""
    if not isinstance(value, dict):
        _probability(path, value, report)
        return
    for channel, number in value.items():
        if channel not in CHANNELS:
            report(
                (*path, channel),
                f"unknown channel '{channel}'{_hint(str(channel), CHANNELS)}; use {', '.join(CHANNELS)}",
            )
        else:
            _probability((*path, channel), number, report)


def _strings(path: Path, value: Any, report: Report) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        report(path, "must be a list of non-empty strings")


def _boolean(path: Path, value: Any, report: Report) -> None:
    if not isinstance(value, bool):
        report(path, f"must be true or false, not {value!r}")


def _positive_int(path: Path, value: Any, report: Report) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        report(path, f"must be a whole number of at least 1, not {value!r}")


def _severity(path: Path, value: Any, report: Report) -> None:
    if value not in SEVERITIES:
        report(path, f"must be one of {', '.join(SEVERITIES)}, not {value!r}")


def _entries(path: Path, value: Any, report: Report) -> None:
    if not isinstance(value, list):
        report(path, "must be a list of lexicon entries ('word' or 'word[suffix,...]')")
        return
    for i, entry in enumerate(value):
        try:
            expand(str(entry))
        except ValueError as e:
            report((*path, i), str(e))


def _lexicon(path: Path, value: Any, report: Report) -> None:
    """Shaped like data/vulgarity_lexicon.yaml: vulgar: {severity: [...]}, insult: [...], slur: [...]."""
    if not isinstance(value, dict):
        report(path, "must be a mapping with keys vulgar (severity -> entries), insult, slur")
        return
    for key, part in value.items():
        if key not in CATEGORIES:
            report((*path, key), f"unknown lexicon section '{key}'{_hint(str(key), CATEGORIES)}")
        elif key == "vulgar":
            if not isinstance(part, dict):
                report((*path, key), f"must map a severity ({', '.join(SEVERITIES)}) to entries")
                continue
            for severity, entries in part.items():
                _severity((*path, key, severity), severity, report)
                _entries((*path, key, severity), entries, report)
        else:
            _entries((*path, key), part, report)


SPECS: dict[str, dict[str, Check]] = {
    "offensive_language": {
        "min_severity": _severity,
        "threshold": _threshold,
        "abuse_threshold": _threshold,
        "addressed_threshold": _probability,
        "targeted_threshold": _probability,
        "group_threshold": _probability,
        "max_units": _positive_int,
        "allow": _strings,
        "extra_terms": _lexicon,
    },
    "sexual_content": {"allow": _strings, "extra_terms": _strings},
    "commercial": {
        "allow": _strings,
        "fundraisers_are_commercial": _boolean,
        "bulk_mail_is_commercial": _boolean,
        "forwarded_is_commercial": _boolean,
    },
    "credentials": {"allow": _strings, "codes": _boolean, "delivery_to_holder_is_sharing": _boolean},
}


def _hint(value: str, choices: Any) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check(detectors: Mapping[str, Any], report: Report) -> None:
    """Report every problem in `settings.detectors` for the detectors in SPECS."""
    for name, spec in SPECS.items():
        settings = detectors.get(name)
        base: Path = ("settings", "detectors", name)
        if settings is None:
            continue
        if not isinstance(settings, dict):
            report(base, f"settings of detector '{name}' must be a mapping")
            continue
        for key, value in settings.items():
            if key not in spec:
                report((*base, key), f"detector '{name}' has no setting '{key}'{_hint(str(key), spec)}")
            else:
                spec[key]((*base, key), value, report)
