"""Directory upsert: re-import updates, never duplicates; partial exports don't erase fields."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from aupguard.directory.batch import DirectoryBatch
from aupguard.model import Account, Building, Group, Person, PersonKind
from aupguard.store import directory_repo
from aupguard.store.tables import import_problems, people
from aupguard.workspace import Workspace


def roster_batch() -> DirectoryBatch:
    return DirectoryBatch(
        source="roster",
        people=[
            Person("u1", PersonKind.STAFF, "Sam", "Ortiz", roles=["teacher"], building_ids=["hs"]),
            Person("s1", PersonKind.STUDENT, "Mia", "Lund", building_ids=["hs"], birth_date=date(2010, 4, 2)),
        ],
        buildings=[Building("hs", "High School")],
        groups=[Group("c1", "Biology", "class", "hs", {"u1": "teacher", "s1": "student"})],
        accounts=[Account("sam.ortiz@district.example", "email", "u1", True)],
        district_domains={"district.example"},
        rows_read=4,
    )


def test_reimport_updates_never_duplicates(workspace: Workspace) -> None:
    directory_repo.upsert(workspace.engine, roster_batch(), "roster")
    counts = directory_repo.upsert(workspace.engine, roster_batch(), "roster")
    assert counts["people_added"] == 0 and counts["people_updated"] == 2
    with workspace.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(people)).scalar_one() == 2
    d = workspace.directory()
    assert d.groups["c1"].members == {"u1": "teacher", "s1": "student"}
    assert d.district_domains == {"district.example"}
    assert d.person_at("sam.ortiz@district.example").id == "u1"  # type: ignore[union-attr]


def test_partial_export_keeps_fields_and_links_by_address(workspace: Workspace) -> None:
    directory_repo.upsert(workspace.engine, roster_batch(), "roster")
    # A Workspace export names the same teacher by employee id, knows a title and a mobile phone.
    accounts_batch = DirectoryBatch(
        source="users.csv",
        people=[Person("E100", PersonKind.STAFF, "Sam", "Ortiz", title="Science teacher")],
        accounts=[
            Account("sam.ortiz@district.example", "email", "E100", True),
            Account("+15155550101", "phone", "E100", False),
        ],
    )
    directory_repo.upsert(workspace.engine, accounts_batch, "accounts")
    d = workspace.directory()
    assert "E100" not in d.people  # merged into the roster's person, not a duplicate
    sam = d.people["u1"]
    assert sam.title == "Science teacher" and sam.building_ids == ["hs"] and sam.roles == ["teacher"]
    assert d.person_at("+15155550101") is sam


def test_problems_are_recorded(workspace: Workspace) -> None:
    batch = roster_batch()
    batch.accounts.append(Account("ghost@district.example", "email", "nobody", True))
    directory_repo.upsert(workspace.engine, batch, "roster")
    with workspace.engine.connect() as conn:
        reasons = list(conn.execute(select(import_problems.c.reason)).scalars())
    assert any("unknown person 'nobody'" in r for r in reasons)


def test_principal_role_joins_building(workspace: Workspace) -> None:
    batch = roster_batch()
    batch.people.append(Person("p1", PersonKind.STAFF, "Avery", "Cole", roles=["principal"], building_ids=["hs"]))
    directory_repo.upsert(workspace.engine, batch, "people")
    d = workspace.directory()
    assert d.buildings["hs"].principal_ids == ["p1"]
    assert [p.id for p in d.principals_for(d.people["u1"])] == ["p1"]
