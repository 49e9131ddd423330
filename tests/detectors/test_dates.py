"""The date patterns start with a digit (for speed) and find what the same forms written with
"\\b" or "(?<!\\d)" first find: the same matches, groups and spans."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aupguard.detectors.pii_finders import _DATE_PATTERNS, _MONTH_RE, find_dates

# The forms as one would write them; the pattern of each name must match exactly as this does.
READABLE = {
    "mdy": re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b"),
    "ymd": re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),
    "Mdy": re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b"),
    "dMy": re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I),
}

# Digits in runs of every length around the patterns' bounds, the separators, ordinal endings,
# months, and what "\b" and "\w" turn on: letters, "_", non-ASCII digits and letters.
_PIECES = st.sampled_from(
    ["1", "12", "123", "2012", "20121", "0", "/", "-", ".", ",", " ", "\n", "\t", "st", "th", "nd", "of ",
     "March", "mar", "Sept", "may", "a", "_", "x1", "\u0663", "\u00e9", "\u00a0", "born "]
)  # fmt: skip


# Date-shaped text with what may stand around it: each pattern's edge cases in a few pieces.
_EDGE = st.sampled_from(["", " ", "a", "_", "1", "12", "\u0663", "\u00e9", "\n", "/", "-"])
_DATE_LIKE = st.one_of(
    st.from_regex(r"\d{1,3}[/.-]\d{1,3}[/.-]\d{1,5}", fullmatch=True),
    st.from_regex(r"\d{3,5}-\d{1,3}-\d{1,3}", fullmatch=True),
    st.from_regex(r"(Mar|sept|May)\.? ?\d{1,3}(st|th)?,? ?\d{3,5}", fullmatch=True),
    st.from_regex(r"\d{1,3}(st|nd)? (of )?(march|Sept)\.?,? \d{3,5}", fullmatch=True),
)
_AROUND_DATES = st.lists(st.tuples(_EDGE, _DATE_LIKE, _EDGE).map("".join), min_size=1, max_size=4).map(" ".join)


def matches(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


def assert_same_matches(text: str) -> None:
    for name, pattern in _DATE_PATTERNS:
        assert matches(pattern, text) == matches(READABLE[name], text), name


@settings(max_examples=1000, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_each_date_pattern_matches_as_its_readable_form(text: str) -> None:
    assert_same_matches(text)


@settings(max_examples=1000, deadline=None)
@given(_AROUND_DATES)
def test_each_date_pattern_matches_as_its_readable_form_around_dates(text: str) -> None:
    assert_same_matches(text)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("born 03/14/2012 and 2012-03-14", ["2012-03-14", "2012-03-14"]),
        ("DOB: March 14th, 2012", ["2012-03-14"]),
        ("born on the 14th of March 2012", ["2012-03-14"]),
        ("order x03/14/2012 and 103/14/2012", []),  # a word character before the first digit
        ("_14 March 2012 and 114 March 2012", []),
        ("Mar 114, 2012 and 3/31/2012", ["2012-03-31"]),
    ],
)
def test_dates_found(text: str, found: list[str]) -> None:
    assert [d.value.isoformat() for d in find_dates(text)] == found
