# ruff: noqa: E501  (roster rows are data: one record per line reads better than wrapped)
"""The people CSV: people, buildings and groups in one file; partial rows; bad cells reported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from aupguard.directory.people_csv import read_people_csv
from aupguard.model import PersonKind

HEADER = (
    "id,kind,given_name,family_name,preferred_name,title,roles,buildings,district_email,personal_email,"
    "district_phone,personal_phone,handles,home_address,birth_date,identifier,guardian_of,groups\n"
)


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_people_groups_buildings_and_accounts(tmp_path: Path) -> None:
    body = (
        "hs,building,High School,,,,,,,,,,,,,,,\n"
        "vb,group,Varsity Volleyball,,,team,,hs,,,,,,,,,,\n"
        "p1,staff,Pam,Prin,,Principal,principal,hs,pam@d.example,,515-555-0120,,,,,,,\n"
        'c1,staff,Cal,Coach,,Teacher,coach;teacher,hs,cal@d.example,cal@gmail.com,,(641) 555-0121,"instagram:@CalCoach;x:calc",,,,,vb=coach\n'
        "s1,student,Sue,Spike,Suzy,,,hs,,,,,instagram:suzy_spikes,12 Elm St Ames IA 50010,2010-05-06,ST-1,,vb=student\n"
        "g1,guardian,Gus,Spike,,,,,,gus@yahoo.com,,515-555-0122,,,,,s1,vb=guardian\n"
        "v1,volunteer,Val,Helper,,Chaperone,,hs,,,,,,,,,,\n"
    )
    batch = read_people_csv(write(tmp_path, body))

    assert batch.problems == []
    assert batch.rows_read == 7
    (building,) = batch.buildings
    assert (building.name, building.principal_ids) == ("High School", ["p1"])
    (team,) = batch.groups
    assert (team.name, team.kind, team.building_id) == ("Varsity Volleyball", "team", "hs")
    assert team.members == {"c1": "coach", "s1": "student", "g1": "guardian"}
    people = {p.id: p for p in batch.people}
    assert people["c1"].roles == ["coach", "teacher"]
    assert people["s1"].kind == PersonKind.STUDENT and people["s1"].birth_date == date(2010, 5, 6)
    assert people["s1"].preferred_name == "Suzy" and people["s1"].identifier == "ST-1"
    assert people["g1"].guardian_of == ["s1"]
    assert people["v1"].kind == PersonKind.VOLUNTEER
    accounts = {a.address: (a.person_id, a.kind, a.district, a.platform) for a in batch.accounts}
    assert accounts["cal@gmail.com"] == ("c1", "email", False, None)
    assert accounts["+16415550121"] == ("c1", "phone", False, None)
    assert accounts["+15155550120"] == ("p1", "phone", True, None)
    assert accounts["instagram:calcoach"] == ("c1", "handle", False, "instagram")
    assert accounts["instagram:suzy_spikes"][0] == "s1"
    assert batch.district_domains == {"d.example"}


def test_only_id_and_kind_are_required_and_partial_rows_stay_partial(tmp_path: Path) -> None:
    batch = read_people_csv(write(tmp_path, "t9,staff,+15155550130\n", header="id,kind,personal_phone\n"))
    assert batch.problems == []
    (person,) = batch.people
    assert (person.given_name, person.roles, person.building_ids) == ("", [], [])
    assert [(a.address, a.district) for a in batch.accounts] == [("+15155550130", False)]


def test_references_to_roster_groups_and_buildings_are_partial_records(tmp_path: Path) -> None:
    batch = read_people_csv(write(tmp_path, "p2,staff,,,,,principal,roster-school,,,,,,,,,,cls-1=sponsor\n"))
    assert [(b.id, b.name, b.principal_ids) for b in batch.buildings] == [("roster-school", "", ["p2"])]
    assert [(g.id, g.name, g.kind, g.members) for g in batch.groups] == [("cls-1", "", "", {"p2": "sponsor"})]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("x1,staff,,,,,,,,,,555-01,,,,,,\n", "invalid phone in personal_phone"),
        ("x1,staff,,,,,,,,not-an-email,,,,,,,,\n", "invalid email in personal_email"),
        ("x1,student,,,,,,,,,,,,,2010-02-30,,,\n", "bad birth_date"),
        ("x1,staff,,,,,,,,,,,instagram,,,,,\n", "is not platform:handle"),
        ("x1,staff,,,,,,,,,,,,,,,,vb=captain\n", "role must be one of"),
        ("x1,alien,,,,,,,,,,,,,,,,\n", "unknown kind"),
        (",staff,,,,,,,,,,,,,,,,\n", "row without id"),
        ("g,group,Chess,,,league,,,,,,,,,,,,\n", "title must be the group kind"),
    ],
)
def test_bad_cells_are_reported_and_the_row_kept_when_possible(tmp_path: Path, row: str, reason: str) -> None:
    batch = read_people_csv(write(tmp_path, "ok,staff,Ok,Person,,,,,,,,,,,,,,\n" + row))
    (problem,) = batch.problems
    assert reason in problem.reason and problem.line == 3
    ids = {p.id for p in batch.people}
    assert "ok" in ids
    if reason.startswith(("invalid", "bad", "is not", "role must")):
        assert "x1" in ids  # an invalid cell drops the cell, not the person


def test_duplicate_person_is_reported_once(tmp_path: Path) -> None:
    batch = read_people_csv(write(tmp_path, "a,staff,A,,,,,,,,,,,,,,,\na,staff,B,,,,,,,,,,,,,,,\n"))
    assert [(p.line, p.reason) for p in batch.problems] == [(3, "duplicate person id 'a'")]
    assert [p.given_name for p in batch.people] == ["A"]


def test_missing_kind_column_is_one_problem(tmp_path: Path) -> None:
    batch = read_people_csv(write(tmp_path, "a\n", header="id\n"))
    assert [p.line for p in batch.problems] == [1] and batch.people == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_a_spreadsheet_saved_as_unicode_text_reads_the_same(tmp_path: Path, encoding: str) -> None:
    """Excel's "Unicode Text" is UTF-16, tab-separated; "CSV UTF-8" has a byte-order mark."""
    body = "s1,student,Zoë,Ångström,,,,hs,,,,,,,,ST-1,,\nv1,volunteer,Val,Helper,,Chaperone,,hs,,,,,,,,,,\n"
    tabbed = (HEADER + body).replace(",", "\t").replace("\n", "\r\n")
    path = tmp_path / "people.txt"
    path.write_bytes(tabbed.encode(encoding))
    batch = read_people_csv(path)
    assert batch.problems == []
    names = {p.id: (p.given_name, p.family_name, p.kind) for p in batch.people}
    assert names == {"s1": ("Zoë", "Ångström", PersonKind.STUDENT), "v1": ("Val", "Helper", PersonKind.VOLUNTEER)}


def test_a_csv_saved_by_excel_on_windows_keeps_its_accents(tmp_path: Path) -> None:
    """Excel on Windows writes "CSV (Comma delimited)" in Windows-1252, not UTF-8: read as UTF-8,
    "José Muñoz" became "Jos\ufffd Mu\ufffdoz", and no message naming him would have matched."""
    path = tmp_path / "people.csv"
    path.write_bytes((HEADER + "s1,student,José,Muñoz,,,,hs,,,,,,,,ST-1,,\n").encode("cp1252"))
    batch = read_people_csv(path)
    assert batch.problems == []
    assert [(p.given_name, p.family_name) for p in batch.people] == [("José", "Muñoz")]
