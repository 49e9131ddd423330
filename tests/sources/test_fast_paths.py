"""Header shortcuts against the general paths they stand in for (address lists, unfolding,
decoding, dates): each must give exactly what the general path gives, or decline so it runs."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest

from aupguard.sources import headers

ADDRESS_LISTS = [
    "a@x.org, B@X.org,, c@x.org , a@x.org",
    "Doe Jane <Jane@X.org>,  <b@x.org>, c@x.org",
    "< spaced@x.org >, name with  spaces <n@x.org>",
    "a@b@c.org, <d@e@f.org>",
    "\u2003a@x.org\u2003,\u00a0b@x.org",
    "ΑΣ@Β.gr, <İ@x.org>",
    "Doe, Jane <jane@x.org>",  # "Doe" has no address: not a plain list
    '"Doe, Jane" <jane@x.org>, (comment) b@x.org',
    "group: a@x.org, b@x.org;",
    "a@x.org b@x.org",
    "<a@x.org>>, <<b@x.org>",
    "=?utf-8?q?D=C3=B6e?= <d@x.org>",
    "",
]


@pytest.mark.parametrize("value", ADDRESS_LISTS)
def test_unique_addresses_equal_the_general_path(value: str) -> None:
    general = list(dict.fromkeys(addr for _, addr in headers.parse_addresses([value], names=False)))
    assert headers.unique_addresses([value]) == general


def test_plain_lists_take_the_shortcut() -> None:
    assert headers._comma_entries("Doe Jane <jane@x.org>, b@x.org,") == [("Doe Jane ", "jane@x.org"), ("", "b@x.org")]
    assert headers._comma_entries("Doe, Jane <jane@x.org>") is None
    assert headers.unique_addresses(["A@x.org, b@x.org", "a@X.ORG, Name <C@x.org>"]) == [
        "a@x.org",
        "b@x.org",
        "c@x.org",
    ]


def test_cached_address_lists_give_fresh_equal_results() -> None:
    value = "A@x.org, Name <b@x.org>, a@x.org"
    first = headers.unique_addresses([value])
    first.append("changed@x.org")  # a caller's change must not reach the cache
    assert headers.unique_addresses([value]) == ["a@x.org", "b@x.org"]
    long_list = ", ".join(f"p{n}@x.org" for n in range(300))
    assert len(long_list) > headers._LONGEST_CACHED_VALUE  # a whole school's list: kept with the long lists
    lists = headers._cached_list_addresses
    hits = lists.cache_info().hits
    expected = [f"p{n}@x.org" for n in range(300)] + ["a@x.org", "b@x.org"]
    for _ in range(2):
        assert headers.unique_addresses([long_list, value]) == expected
    assert lists.cache_info().hits == hits + 1  # parsed once
    huge_list = ", ".join(f"person{n}@district.example.org" for n in range(3000))
    assert len(huge_list) > headers._LONGEST_CACHED_LIST  # parsed each time, never kept
    kept = lists.cache_info().currsize
    assert headers.unique_addresses([huge_list]) == [f"person{n}@district.example.org" for n in range(3000)]
    assert lists.cache_info().currsize == kept


def test_forgetting_recent_addresses_empties_the_caches_and_changes_no_answer() -> None:
    value = "Ann Lee <ann@x.example>, bo@y.example"
    first = headers.unique_addresses([value])
    assert headers._cached_value_addresses.cache_info().currsize > 0
    headers.forget_recent_addresses()
    assert headers._cached_value_addresses.cache_info().currsize == 0
    assert headers._cached_named_addresses.cache_info().currsize == 0
    assert headers._cached_list_addresses.cache_info().currsize == 0
    assert headers.unique_addresses([value]) == first


@pytest.mark.parametrize("values", [[v] for v in ADDRESS_LISTS] + [["", "no address", "A <a@x.org>, b@x.org"], []])
def test_first_address_is_the_first_of_parse_addresses(values: list[str]) -> None:
    pairs = headers.parse_addresses(values)
    assert headers.first_address(values) == (pairs[0] if pairs else None)


def test_unfold_is_the_folding_regex_on_every_short_string() -> None:
    folding = re.compile(r"\r?\n[ \t]*")
    for length in range(7):
        for chars in itertools.product("a \t\r\n", repeat=length):
            value = "".join(chars)
            assert headers.unfold(value) == folding.sub(" ", value), repr(value)


HEADER_VALUES = [
    "plain",
    "  padded \t",
    "folded\r\n\tvalue\n  again",
    "=?utf-8?q?Caf=C3=A9?= =?utf-8?q?_night?=",
    "=?utf-8?q?broken",
    "x =?iso-8859-1?q?=E9t=E9?= y",
    "8-bit caf\udcc3\udca9",  # raw bytes as compat32 keeps them (surrogate escapes)
    "8-bit \udce9t\udce9",  # not UTF-8: read as Windows-1252
    "ends in a file separator\x1c",
    "=?utf-8?b?w6k=?=\u2028",
]


@pytest.mark.parametrize("value", HEADER_VALUES)
def test_decode_clean_is_decode_value_of_a_clean_value(value: str) -> None:
    clean = headers.clean_value(value)
    assert headers.decode_clean(clean) == headers.decode_value(clean) == headers.decode_value(value)


def _stdlib_date(value: str) -> datetime | None:
    """What parse_date gave before it had a shortcut: the stdlib's parse, made UTC."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def test_common_dates_are_read_as_the_stdlib_reads_them() -> None:
    for parts in itertools.product(
        ["Tue, ", "tue, ", "", "Tuesday, "],
        ["4", "04", "0", "32"],
        ["Jun", "jun", "JUN", "Juni"],
        ["2024", "0099", "24"],
        ["10:00:00", "23:59:60", "24:00:00", "10:00"],
        ["-0500", "+0000", "-0000", "+2400", "-0099", "GMT"],
        ["", " (CDT)", "\t(CDT)", "(CDT)"],
    ):
        day_name, day, month, year, time_of_day, zone, comment = parts
        value = f"{day_name}{day} {month} {year} {time_of_day} {zone}{comment}"
        assert repr(headers.parse_date(value)) == repr(_stdlib_date(value)), value


def test_the_common_date_form_takes_the_shortcut() -> None:
    cdt = timezone(timedelta(hours=-5))
    assert headers._common_date("Tue, 4 Jun 2024 10:00:00 -0500 (CDT)") == datetime(2024, 6, 4, 10, tzinfo=cdt)
    assert headers._common_date("4 Jun 2024 10:00:00 -0000") == datetime(2024, 6, 4, 10)  # zone unknown
    assert headers._common_date("Tue, 4 Jun 2024 10:00 -0500") is None  # no seconds: the stdlib reads it
