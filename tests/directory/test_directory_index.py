"""Directory lookups the scan makes for every message."""

from __future__ import annotations

import pytest

from aupguard.directory import index
from aupguard.directory.index import Directory
from aupguard.model import Account


def _directory() -> Directory:
    return Directory.build(
        [],
        accounts=[
            Account("teacher@district.example", "email", "p1", True),
            Account("coach.personal@gmail.example", "email", "p1", False),
            Account("odd@outside.example", "email", "p2", True),  # a district account off the domains
        ],
        district_domains=["District.example"],
    )


def test_district_addresses_are_accounts_then_domains_and_stay_so_when_remembered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(index, "_REMEMBERED_ADDRESSES", 3)  # the memory is emptied when full
    d = _directory()
    expected = {
        "teacher@district.example": True,
        "coach.personal@gmail.example": False,  # a known account, not the district's
        "odd@outside.example": True,
        "someone@district.example": True,  # no account: the domain decides
        "someone@other.example": False,
        "no-at-sign": False,
    }
    for _ in range(3):  # asked again and again, in and past the memory's size
        for address, district in expected.items():
            assert d.is_district_address(address) is district, address
    assert len(d._district) <= 3
