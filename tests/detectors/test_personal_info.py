"""personal_info: tables of texts that MUST and MUST NOT reveal personal information."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aupguard.detectors.base import DetectContext
from aupguard.detectors.personal_info import _EMAIL, PersonalInfoDetector, email_matches, ssn_is_valid
from aupguard.directory.index import Directory

DETECTOR = PersonalInfoDetector()

MUST_FIRE = [
    # (text, kind, exact span)
    ("my cell is 515-555-0199 if you need me", "pii.phone", "515-555-0199"),
    ("call my cell (319) 555-0142 after six", "pii.phone", "(319) 555-0142"),
    ("Coach's cell: +1 515 555 0112", "pii.phone", "+1 515 555 0112"),  # a personal number in the directory
    ("I live at 22 Birch Ave, Ames, IA 50010 now", "pii.address", "22 Birch Ave, Ames, IA 50010"),
    ("drop it at my house, 1400 N. 3rd Street", "pii.address", "1400 N. 3rd Street"),
    ("She moved to 7 Elm Ct", "pii.address", "7 Elm Ct"),
    ("email me at jenny.r@gmail.com tonight", "pii.personal_email", "jenny.r@gmail.com"),
    ("reach her at Someone@Yahoo.com", "pii.personal_email", "Someone@Yahoo.com"),
    ("SSN 219-09-9999", "pii.ssn", "219-09-9999"),
    ("his number is 123-45-6789", "pii.ssn", "123-45-6789"),
    ("social security number 219099999", "pii.ssn", "219099999"),
    ("DOB: 4/2/1980", "pii.birth_date", "4/2/1980"),
    ("she was born on March 3, 1975", "pii.birth_date", "March 3, 1975"),
    ("birthday 1990-12-01", "pii.birth_date", "1990-12-01"),
]


@pytest.mark.parametrize(("text", "kind", "span"), MUST_FIRE)
def test_must_fire(make_item, ctx: DetectContext, text: str, kind: str, span: str) -> None:
    signals = [s for s in DETECTOR.detect(make_item(text), ctx) if s.kind == kind]
    assert [s.text for s in signals] == [span], signals
    assert text[signals[0].start : signals[0].end] == span
    assert signals[0].explanation


MUST_NOT_FIRE: list[tuple[str, str, dict[str, Any]]] = [
    # (text, kind that must not appear, settings)
    ("call the office at 515-555-0100", "pii.phone", {}),  # a district account in the directory
    ("Coach's district cell 515-555-0111", "pii.phone", {}),
    ("main office 515-555-0177", "pii.phone", {"district_phones": ["515-555-0177"]}),
    ("the year 2024 had 365 days", "pii.phone", {}),
    ("call (319) 555-0142 after six", "pii.phone", {}),  # an unknown number with no personal label
    ("Jane Roe, Sales Manager\nAcme Corp\n(713) 853-9281", "pii.phone", {}),  # a business signature
    ("The conference is at 1400 Smith Street, Houston", "pii.address", {}),  # a venue, not a home
    ("12 cars on the road", "pii.address", {}),
    ("we ran 5 miles down the road", "pii.address", {}),
    ("come to 100 Main Street", "pii.address", {"district_addresses": ["100 Main St, Ames IA 50010"]}),
    ("write to jdoe@district.k12.ia.us", "pii.personal_email", {}),
    ("write to sales@acme-widgets.com", "pii.personal_email", {}),
    ("SSN 000-12-3456", "pii.ssn", {}),
    ("SSN 666-12-3456", "pii.ssn", {}),
    ("SSN 912-34-5678", "pii.ssn", {}),
    ("SSN 123-00-4567", "pii.ssn", {}),
    ("SSN 123-45-0000", "pii.ssn", {}),
    ("order 219099999 shipped", "pii.ssn", {}),  # nine bare digits without an SSN label
    ("call 515-555-0199", "pii.ssn", {}),
    ("meeting on 4/2/2024", "pii.birth_date", {}),
]


@pytest.mark.parametrize(("text", "kind", "settings"), MUST_NOT_FIRE)
def test_must_not_fire(make_item, directory: Directory, text: str, kind: str, settings: dict[str, Any]) -> None:
    ctx = DetectContext(directory=directory, settings={"personal_info": settings})
    assert [s for s in DETECTOR.detect(make_item(text), ctx) if s.kind == kind] == []


def test_own_addresses_of_sender_and_recipients_are_not_revealed(make_item, ctx: DetectContext) -> None:
    item = make_item(
        "reply to me at mom.smith@gmail.com or cc kid@yahoo.com; also ask aunt.jo@hotmail.com",
        sender="mom.smith@gmail.com",
        recipients=["kid@yahoo.com"],
    )
    assert [s.text for s in DETECTOR.detect(item, ctx) if s.kind == "pii.personal_email"] == ["aunt.jo@hotmail.com"]


def test_personal_email_domains_setting(make_item, directory: Directory) -> None:
    ctx = DetectContext(
        directory=directory, settings={"personal_info": {"personal_email_domains": ["Iowatelecom.net"]}}
    )
    assert [s.kind for s in DETECTOR.detect(make_item("x@iowatelecom.net"), ctx)] == ["pii.personal_email"]


def test_works_without_directory(make_item) -> None:
    kinds = {s.kind for s in DETECTOR.detect(make_item("cell 515-555-0100, SSN 219-09-9999"), DetectContext())}
    assert kinds == {"pii.phone", "pii.ssn"}


def test_ssn_label_raises_score(make_item, ctx: DetectContext) -> None:
    bare = DETECTOR.detect(make_item("ref 219-09-9999"), ctx)[0]
    labelled = DETECTOR.detect(make_item("SSN 219-09-9999"), ctx)[0]
    assert labelled.score > bare.score


@pytest.mark.parametrize(
    ("area", "group", "serial", "valid"),
    [
        ("219", "09", "9999", True),
        ("000", "12", "3456", False),
        ("666", "12", "3456", False),
        ("900", "12", "3456", False),
        ("123", "00", "4567", False),
        ("123", "45", "0000", False),
    ],
)
def test_ssn_validity_rules(area: str, group: str, serial: str, valid: bool) -> None:
    assert ssn_is_valid(area, group, serial) is valid


def test_phone_explanation_names_library(make_item, ctx: DetectContext) -> None:
    (signal,) = DETECTOR.detect(make_item("text 515-555-0112"), ctx)
    assert "libphonenumber" in signal.explanation and "+15155550112" in signal.explanation
    assert "Chris Kowalski" in signal.explanation


def test_home_address_of_a_person_in_the_directory_fires_without_a_label(make_item, ctx: DetectContext) -> None:
    signals = [s for s in DETECTOR.detect(make_item("Please drop the forms at 412 Maple Street."), ctx)]
    assert [(s.kind, s.text) for s in signals] == [("pii.address", "412 Maple Street")]
    assert "home address of a person in the directory" in signals[0].explanation


# ---------------------------------------------------------------- fast paths agree with the plain regexes
# The finders skip work with prefilters (fixed words, digit windows, street suffixes); each must
# answer exactly what the plain computation answers. References below are the plain versions.

_TRICKY_TEXTS = [
    "",
    "call my cell (319) 555-0142 or my home phone 515.555.0199 ext. 12",
    "1-515-555\u20131234 and +1 515 555 0112, then 5155550199999 and 12 34 56 78 90",
    "SSN 219-09-9999 / 219 09 9999 / 2190-9-9999 / 123-45-67890",
    "homework at the house; she lives at 22 Birch Ave, Ames, IA 50010. Moved to 7 Elm Ct",
    "12 cars on the road, 400 Main Street\n412\nMaple St, 9 Way, 1234567 Oak Dr, 12K Oak St",
    "Caf\u00e9 at 5 Rue St, \u0130stanbul \u2014 \u00ab8 N\u00fa\u00f1ez Rd\u00bb, born on 3/4/2011, D.O.B 2011-03-04",
    "\u0661\u0662\u0663 \uff15\uff15\uff15 0142 and (515) 555-0199\tpersonal number",
]


def _reference_ten_digit_runs(text: str) -> set[str]:
    import re

    runs: set[str] = set()
    for window in re.finditer(r"[+(]?\d[\d \t().\-/]{5,24}\d", text):
        digits = "".join(c for c in window.group() if c.isdigit())
        runs.update(digits[i : i + 10] for i in range(len(digits) - 9))
    return runs


@pytest.mark.parametrize("text", _TRICKY_TEXTS)
def test_phone_windows_match_the_plain_window_regex(text: str) -> None:
    from aupguard.detectors import pii_finders

    assert set(pii_finders.ten_digit_runs(text)) == _reference_ten_digit_runs(text)
    for lo, hi in pii_finders.phone_regions(text):
        assert 0 <= lo < hi <= len(text)


@pytest.mark.parametrize("text", _TRICKY_TEXTS + [t.upper() for t in _TRICKY_TEXTS])
def test_mentions_equals_regex_search(text: str) -> None:
    from aupguard.detectors import personal_info, pii_finders

    for pattern in (
        pii_finders.BIRTH_CONTEXT,
        personal_info._SSN_CONTEXT,
        personal_info._PERSONAL_PHONE_CONTEXT,
        personal_info._HOME_CONTEXT,
    ):
        found = pattern.search(text) is not None
        assert pii_finders.mentions(text, pattern) == found, pattern.pattern
        if found:
            assert pii_finders.may_mention(text, pattern)


@pytest.mark.parametrize("text", _TRICKY_TEXTS)
def test_address_finder_skips_only_unwanted_candidates(text: str) -> None:
    from aupguard.detectors import pii_finders

    everything = pii_finders.find_addresses(text)
    assert pii_finders.find_addresses_where(text, lambda *_: True) == list(everything)
    # Wanting nothing parses only what could hide something wanted: nothing.
    assert pii_finders.find_addresses_where(text, lambda *_: False) == []
    for address in everything:
        # Wanting one candidate finds its address, whatever the others are.
        at = address.start
        wanted = pii_finders.find_addresses_where(text, lambda start, *_, at=at: start == at)
        assert address in wanted
        assert set(wanted) <= set(everything)


def _candidate_spans(matches: Any) -> list[tuple[int, int, tuple[str, ...]]]:
    return [(m.start(), m.end(), m.groups()) for m in matches]


@pytest.mark.parametrize("text", _TRICKY_TEXTS)
def test_address_candidates_are_those_of_the_whole_text_regex(text: str) -> None:
    from aupguard.detectors import pii_finders

    expected = _candidate_spans(pii_finders._ADDRESS_CANDIDATE.finditer(text))
    assert _candidate_spans(pii_finders._address_candidates(text)) == expected


def test_address_candidates_agree_with_the_regex_on_generated_text() -> None:
    import random

    from aupguard.detectors import pii_finders

    pieces = [
        "12", "412", "1234567", "7b", "x9", "Main", "O'Neil", "St", "St.", "st", "ST", "Street", "Ave",
        "way", "Way", "Placement", "Dr", "drive", "of", "the", "Apt", "4", "Ames,", "IA", "50010",
        "St_", "_", "#", "(", ")", ";", "é", "–", "\x1c", "\x1f", "\t", "\n", "Ct.", "-", "'",
    ]  # fmt: skip
    gaps = [" ", " ", " ", "  ", "\n", "", ", ", ". ", "\t", "\x1d"]
    rng = random.Random(4013)
    with_candidates = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) + rng.choice(gaps) for _ in range(rng.randint(1, 14)))
        expected = _candidate_spans(pii_finders._ADDRESS_CANDIDATE.finditer(text))
        assert _candidate_spans(pii_finders._address_candidates(text)) == expected, repr(text)
        with_candidates += bool(expected)
    assert with_candidates > 300  # the generator makes real candidates to compare


@pytest.mark.parametrize(
    "text",
    [
        "SSN 219-09-9999",
        "219 09 9999 and 219-09 9999",
        "2190-09-9999",
        "219-099-999",
        "219\t09\t9999",
        "٢١٩-٠٩-٩٩٩٩ (Arabic-Indic digits)",
        "phone 515-555-0100",
        "",
        *_TRICKY_TEXTS,
    ],
)
def test_ssn_shape_check_is_the_shape_regex(text: str) -> None:
    from aupguard.detectors import personal_info

    assert personal_info.has_ssn_shape(text) == (personal_info._SSN_SHAPE.search(text) is not None)


def test_mentions_agree_with_the_regexes_on_generated_text() -> None:
    import random

    from aupguard.detectors import personal_info, pii_finders

    patterns = (
        pii_finders.BIRTH_CONTEXT,
        personal_info._SSN_CONTEXT,
        personal_info._PERSONAL_PHONE_CONTEXT,
        personal_info._HOME_CONTEXT,
    )
    pieces = [
        "SSN", "ss#", "class notes", "Soc. Sec.", "social security no", "dob", "D.O.B.", "born on",
        "birth day", "my cell", "My  Number", "cellphone", "homework", "home", "lives", "living",
        "his address", "address is", "moved", "text me", "private line", "ſsn", "İ", "K", "x",
        "Dobson", "reborn", "413", "\n", "-", "_",
    ]  # fmt: skip
    rng = random.Random(7)
    found = 0
    for _ in range(1500):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        for pattern in patterns:
            expected = pattern.search(text) is not None
            assert pii_finders.mentions(text, pattern) == expected, (text, pattern.pattern)
            assert pii_finders.may_mention(text, pattern) or not expected
            found += expected
    assert found > 1000


def test_phone_windows_agree_with_the_plain_regex_on_generated_text() -> None:
    import random
    import re

    from aupguard.detectors import pii_finders

    def plain(text: str) -> tuple[tuple[int, int, str], ...]:
        windows = []
        for m in pii_finders._PHONE_WINDOW.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            if len(digits) >= 7:
                windows.append((m.start(), m.end(), digits))
        return tuple(windows)

    pieces = ["515", "555", "0100", "1", "12", "+1", "+", "(", ")", " ", "  ", "-", ".", "/", "\t", "x", "ext", "\n"]
    rng = random.Random(515)
    with_windows = 0
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 16)))
        expected = plain(text)
        assert pii_finders._phone_windows(text) == expected, repr(text)
        with_windows += bool(expected)
    assert with_windows > 500


# Texts made of what e-mail addresses are made of, and of what breaks them.
_ADDRESS_PIECES = st.sampled_from(["@", ".", "-", "+", "_", "a", "Z", "9", "é", "٣", " ", "\n", ",", "<", ">", "@x.io",
                                   "gmail.com", "jo.e+1", "..", "\u0301"])  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_ADDRESS_PIECES, max_size=40).map("".join))
def test_email_matches_are_finditers_matches(text: str) -> None:
    # Only the "@"s are tried; the matches must be exactly those of the regex over the whole text.
    assert [m.span() for m in email_matches(text)] == [m.span() for m in _EMAIL.finditer(text)]


def test_email_matches_on_overlapping_and_chained_addresses() -> None:
    for text in ["a@b.com.x@y.com", "x@y.io@z.io", "mail jo@a.io, ann@b.org; @c.net and @ d", "é@é.com", "@@a@b.co"]:
        assert [m.span() for m in email_matches(text)] == [m.span() for m in _EMAIL.finditer(text)], text


def test_district_settings_are_parsed_once_and_read_again_when_changed(
    make_item, directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The district's own numbers and addresses go through libphonenumber and usaddress once per
    # distinct setting, not for every message; a setting changed in place is used at once.
    from aupguard.detectors import personal_info

    personal_info._district_numbers.cache_clear()
    parsed: list[str] = []
    real = personal_info.normalize_phone

    def counting(value: str, region: str = "US") -> str | None:
        parsed.append(value)
        return real(value, region)

    monkeypatch.setattr(personal_info, "normalize_phone", counting)
    settings: dict[str, Any] = {"district_phones": ["515-555-0177"]}
    ctx = DetectContext(directory=directory, settings={"personal_info": settings})
    for _ in range(5):
        assert [s for s in DETECTOR.detect(make_item("my cell 515-555-0177"), ctx) if s.kind == "pii.phone"] == []
    assert parsed == ["515-555-0177"]
    settings["district_phones"] = ["515-555-0178"]  # the office line moved: 0177 is personal now
    assert [s.kind for s in DETECTOR.detect(make_item("my cell 515-555-0177"), ctx)] == ["pii.phone"]
