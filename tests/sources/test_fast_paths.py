"""The To/Cc list shortcut against the general path (parse_addresses) it stands in for: it must
give exactly what the general path gives, or decline so the general path runs."""

from __future__ import annotations

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
