"""`aupguard policy check` validates the content detectors' settings (language/settings_check.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aupguard.detectors.language.settings_check import check


def problems(detectors: dict[str, Any]) -> list[str]:
    out: list[str] = []
    check(detectors, lambda path, message: out.append(f"{'.'.join(map(str, path))}: {message}"))
    return out


def test_shipped_pack_settings_are_valid() -> None:
    from aupguard.policy import default_pack

    assert problems(default_pack().detector_settings()) == []


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"offensive_language": {"treshold": 0.9}}, "has no setting 'treshold' (did you mean 'threshold'?)"),
        ({"offensive_language": {"threshold": "high"}}, "threshold: must be a number from 0 to 1"),
        ({"offensive_language": {"threshold": 1.5}}, "must be a number from 0 to 1"),
        ({"offensive_language": {"threshold": {"emial": 0.9}}}, "unknown channel 'emial' (did you mean 'email'?)"),
        ({"offensive_language": {"min_severity": "severe"}}, "must be one of mild, moderate, strong"),
        ({"offensive_language": {"allow": "damn"}}, "allow: must be a list of non-empty strings"),
        ({"offensive_language": {"max_units": 0}}, "must be a whole number of at least 1"),
        (
            {"offensive_language": {"extra_terms": {"vulgr": []}}},
            "unknown lexicon section 'vulgr' (did you mean 'vulgar'?)",
        ),
        (
            {"offensive_language": {"extra_terms": {"vulgar": {"extreme": ["x"]}}}},
            "must be one of mild, moderate, strong",
        ),
        ({"offensive_language": {"extra_terms": {"insult": ["bad[entry"]}}}, "is not 'word' or 'word[suffix,...]'"),
        ({"commercial": {"fundraisers_are_commercial": "yes"}}, "must be true or false"),
        ({"commercial": {"bulk_mail_is_commercial": "no"}}, "bulk_mail_is_commercial: must be true or false"),
        ({"commercial": {"forwarded_is_commercial": 0}}, "forwarded_is_commercial: must be true or false"),
        ({"commercial": {"bulk_is_commercial": True}}, "(did you mean 'bulk_mail_is_commercial'?)"),
        (
            {"credentials": {"delivery_to_holder_is_sharing": "false"}},
            "delivery_to_holder_is_sharing: must be true or false",
        ),
        ({"credentials": {"codes": 1}}, "must be true or false"),
        ({"sexual_content": {"extra_terms": "porn"}}, "must be a list of non-empty strings"),
        ({"credentials": []}, "must be a mapping"),
    ],
)
def test_bad_settings_are_reported(settings: dict[str, Any], expected: str) -> None:
    found = problems(settings)
    assert any(expected in p for p in found), found


def test_good_settings_pass() -> None:
    good = {
        "offensive_language": {
            "threshold": {"default": 0.9, "post": 0.5}, "abuse_threshold": 0.8, "min_severity": "moderate",
            "allow": ["Hell Creek"], "extra_terms": {"vulgar": {"mild": ["frak[ing]"]}, "slur": ["x"]},
        },
        "commercial": {
            "allow": ["Scholastic"], "fundraisers_are_commercial": True, "bulk_mail_is_commercial": True,
            "forwarded_is_commercial": False,
        },
        "credentials": {"allow": [], "codes": False, "delivery_to_holder_is_sharing": True},
        "student_info": {"anything": "is another detector's business"},
    }  # fmt: skip
    assert problems(good) == []


def test_policy_check_reports_them_with_line_numbers(tmp_path: Path) -> None:
    from importlib import resources

    from aupguard.policy import check_pack
    from aupguard.policy.loader import DEFAULT_PACK

    pack = resources.files("aupguard.policy").joinpath(DEFAULT_PACK).read_text(encoding="utf-8")
    text = pack.replace("      min_severity: mild", "      min_severity: awful", 1)
    path = tmp_path / "pack.yaml"
    path.write_text(text, encoding="utf-8")
    found = [p for p in check_pack(path) if "awful" in str(p)]
    assert found and found[0].line > 0, found
