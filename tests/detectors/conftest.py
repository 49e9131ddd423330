"""A tiny district for detector tests: two buildings, a coach, a sponsor, students, guardians, a team, a club.

Ids are short and readable so a failing assertion says who was (not) found.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from aupguard.detectors.base import DetectContext
from aupguard.directory.index import Directory
from aupguard.model import Account, Building, Channel, Group, Item, Person, PersonKind, content_id

DISTRICT_DOMAIN = "district.k12.ia.us"

S = PersonKind.STUDENT


def _people() -> list[Person]:
    staff = PersonKind.STAFF
    return [
        # --- staff
        Person("hs-principal", staff, "Dana", "Whitfield", roles=["principal"], building_ids=["lhs"]),
        Person("el-principal", staff, "Morgan", "Ellery", roles=["principal"], building_ids=["res"]),
        Person("coach", staff, "Chris", "Kowalski", roles=["coach", "teacher"], building_ids=["lhs"]),
        Person("sponsor", staff, "Terry", "Nakamura", roles=["sponsor"], building_ids=["lhs"]),
        Person("teacher", staff, "Alex", "Moreno", roles=["teacher"], building_ids=["res"]),
        # --- students
        Person(
            "jose",
            S,
            "José",
            "Núñez",
            middle_name="Miguel",
            identifier="S100234",
            birth_date=date(2009, 3, 14),
            home_address="412 Maple Street, Ames, IA 50010",
            building_ids=["lhs"],
            grade="11",
        ),
        Person(
            "robert",
            S,
            "Robert",
            "Jones",
            identifier="100235",  # an all-digit student number
            birth_date=date(2009, 7, 1),
            home_address="88 Oak Ln, Ames IA",
            building_ids=["lhs"],
            grade="11",
        ),
        Person("will", S, "Will", "Best", identifier="S100236", building_ids=["lhs"], grade="10"),
        Person(
            "kate",
            S,
            "Katherine",
            "Smith",
            preferred_name="Kate",
            identifier="4512",
            birth_date=date(2010, 1, 20),
            building_ids=["lhs"],
            grade="10",
        ),
        Person("sofia", S, "Sofía", "Delgado-Ruiz", identifier="S100238", building_ids=["lhs"], grade="9"),
        Person("liam", S, "Liam", "O'Brien", identifier="S200001", building_ids=["res"], grade="4"),
        Person("gone", S, "Ada", "Quimby", identifier="S999999", building_ids=["lhs"], active=False),
        # --- guardians
        Person("jose-mom", PersonKind.GUARDIAN, "María", "Núñez", guardian_of=["jose"]),
        Person("robert-dad", PersonKind.GUARDIAN, "Glen", "Jones", guardian_of=["robert"]),
    ]


def _accounts() -> list[Account]:
    d = DISTRICT_DOMAIN

    def email(addr: str, pid: str, district: bool) -> Account:
        return Account(addr, "email", pid, district)

    def phone(number: str, pid: str, district: bool) -> Account:
        return Account(number, "phone", pid, district)

    return [
        email(f"dwhitfield@{d}", "hs-principal", True),
        phone("+15155550100", "hs-principal", True),
        email(f"mellery@{d}", "el-principal", True),
        email(f"ckowalski@{d}", "coach", True),
        phone("+15155550111", "coach", True),  # district-issued cell
        phone("+15155550112", "coach", False),  # personal cell
        email("chris.kowalski@gmail.com", "coach", False),
        Account("instagram:coachchris", "handle", "coach", False, "instagram"),
        email(f"tnakamura@{d}", "sponsor", True),
        phone("+15155550122", "sponsor", False),
        email(f"amoreno@{d}", "teacher", True),
        email(f"jnunez@{d}", "jose", True),
        phone("+15155550131", "jose", False),
        email("josen09@gmail.com", "jose", False),
        Account("instagram:josen09", "handle", "jose", False, "instagram"),
        email(f"rjones@{d}", "robert", True),
        phone("+15155550132", "robert", False),
        phone("+15155550133", "will", False),
        phone("+15155550134", "kate", False),
        phone("+15155550135", "sofia", False),
        phone("+15155550141", "jose-mom", False),
        email("maria.nunez@yahoo.com", "jose-mom", False),
        phone("+15155550142", "robert-dad", False),
    ]


def _groups() -> list[Group]:
    return [
        Group(
            "soccer",
            "Varsity Soccer",
            "team",
            building_id="lhs",
            members={
                "coach": "coach",
                "jose": "student",
                "robert": "student",
                "will": "student",
                "kate": "student",
                "jose-mom": "guardian",
            },
        ),
        Group(
            "robotics",
            "Robotics Club",
            "club",
            building_id="lhs",
            members={"sponsor": "sponsor", "sofia": "student", "jose": "student"},
        ),
    ]


@pytest.fixture(scope="session")
def directory() -> Directory:
    return Directory.build(
        _people(),
        buildings=[
            Building("lhs", "Lincoln High School", principal_ids=["hs-principal"]),
            Building("res", "Roosevelt Elementary School", principal_ids=["el-principal"]),
        ],
        groups=_groups(),
        accounts=_accounts(),
        district_domains=[DISTRICT_DOMAIN],
    )


@pytest.fixture
def ctx(directory: Directory) -> DetectContext:
    return DetectContext(directory=directory)


MakeItem = Callable[..., Item]


@pytest.fixture
def make_item() -> MakeItem:
    """Build an Item: make_item("body", channel=Channel.TEXT, sender=..., recipients=[...], ...)."""

    def make(body: str = "", channel: Channel = Channel.EMAIL, **fields: Any) -> Item:
        raw = repr((body, channel, sorted(fields.items(), key=str))).encode()
        return Item(id=content_id(raw), channel=channel, source="test", position="", raw=raw, body=body, **fields)

    return make


RecordCalls = Callable[[object, str], list[Any]]


@pytest.fixture
def record_calls(monkeypatch: pytest.MonkeyPatch) -> RecordCalls:
    """record_calls(owner, "name"): from now on owner.name still runs, and each call's first
    argument is appended to the list returned (for tests of what a fast path skips)."""

    def install(owner: object, name: str) -> list[Any]:
        seen: list[Any] = []
        real = getattr(owner, name)

        def recording(first: Any, *rest: Any, **named: Any) -> Any:
            seen.append(first)
            return real(first, *rest, **named)

        monkeypatch.setattr(owner, name, recording)
        return seen

    return install
