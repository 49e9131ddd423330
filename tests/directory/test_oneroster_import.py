# ruff: noqa: E501  (roster rows are data: one record per line reads better than wrapped)
"""OneRoster importer: hand-written exports that must import, bad rows that must be reported,
and every dev-data sample read without an exception."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from aupguard.directory.oneroster import oneroster_version, read_oneroster
from aupguard.model import PersonKind

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "dev-data" / "k12_oneroster_csv_samples"

ORGS = """sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
dist,active,,Test District,district,,
hs,active,,Test High School,school,,dist
"""
USERS_11 = """\
sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,ext_vendor_x
t1,active,,true,hs,teacher,tt,,Tara,Teach,,E100,tara.teach@test.k12.example,,(515) 555-0101,,,,x
t2,active,,true,hs,administrator,pp,,Paul,Prince,,E101,paul.prince@test.k12.example,,,,,,
s1,active,,true,hs,student,ss,,Sam,Student,Q,S200,sam.student@students.test.k12.example,515-555-0102,,g1,09,,
g1,active,,true,hs,parent,gg,,Gina,Guardian,,,gina@gmail.com,"515 555 0103",,,,,
s2,tobedeleted,,true,hs,student,s2,,Old,Leaver,,S201,,,,,,,
"""


def write_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "roster"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_oneroster_11_folder_imports_people_buildings_accounts(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, {"orgs.csv": ORGS, "users.csv": USERS_11})
    batch = read_oneroster(folder)

    assert batch.problems == []
    assert oneroster_version(folder) == "1.1"
    assert [b.id for b in batch.buildings] == ["hs"]  # the district org is not a building
    people = {p.id: p for p in batch.people}
    assert people["t1"].kind == PersonKind.STAFF and people["t1"].roles == ["teacher"]
    assert people["t1"].identifier == "E100" and people["t1"].building_ids == ["hs"]
    assert people["s1"].kind == PersonKind.STUDENT and people["s1"].grade == "09"
    assert people["g1"].kind == PersonKind.GUARDIAN and people["g1"].guardian_of == ["s1"]
    assert people["s2"].active is False
    # district domain = most common staff domain; the student sub-domain counts as district too
    assert batch.district_domains == {"test.k12.example", "students.test.k12.example"}
    accounts = {a.address: a for a in batch.accounts}
    assert accounts["tara.teach@test.k12.example"].district is True
    assert accounts["sam.student@students.test.k12.example"].district is True
    assert accounts["gina@gmail.com"].district is False
    assert accounts["+15155550101"].district is True  # staff work phone
    assert accounts["+15155550102"].district is False  # a student's phone
    assert accounts["+15155550103"].person_id == "g1"


def test_oneroster_12_zip_with_roles_file_classes_and_demographics(tmp_path: Path) -> None:
    users = (
        "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,"
        "identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,"
        "preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns\n"
        "p1,active,,TRUE,p1,,Patricia,Head,,,p.head@d.example,,,,,,M-1,Pat,,,hs,\n"
        "s1,active,,TRUE,s1,,Robert,Kid,,,,,,,10,,M-2,Bobby,,,hs,\n"
    )
    roles = (
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\n"
        "r1,active,,p1,primary,principal,,,hs,\n"
        "r2,active,,s1,primary,student,,,hs,\n"
    )
    classes = (
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
        "schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
        'c1,active,,Biology 1,"09,10",co1,,scheduled,,hs,"t1,t2",,,\n'
    )
    enrollments = (
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n"
        "e1,active,,c1,hs,s1,student,,,\n"
        "e2,active,,c1,hs,p1,teacher,,,\n"
    )
    demographics = "sourcedId,status,dateLastModified,birthDate,sex\ns1,active,,2010-04-17,male\n"
    manifest = "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
    archive = tmp_path / "roster.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, text in {
            "manifest.csv": manifest, "orgs.csv": ORGS, "users.csv": users, "roles.csv": roles,
            "classes.csv": classes, "enrollments.csv": enrollments, "demographics.csv": demographics,
        }.items():  # fmt: skip
            zf.writestr(f"export/{name}", text)

    batch = read_oneroster(archive)

    assert batch.problems == []
    assert oneroster_version(archive) == "1.2"
    people = {p.id: p for p in batch.people}
    assert people["p1"].roles == ["principal"] and people["p1"].identifier == "M-1"
    assert people["s1"].preferred_name == "Bobby"
    assert people["s1"].birth_date == date(2010, 4, 17)
    assert batch.buildings[0].principal_ids == ["p1"]
    (group,) = batch.groups
    assert (group.kind, group.building_id, group.members) == (
        "class",
        "hs",
        {"s1": "student", "p1": "teacher"},
    )


def test_semicolon_dialect_and_json_roles_column(tmp_path: Path) -> None:
    users = (
        "sourcedId;givenName;familyName;roles;email\n"
        's9;Ann;Lee;"[{""roleType"": ""primary"", ""role"": ""aide"", ""org"": {""sourcedId"": ""hs""}}]";a@x.example\n'
    )
    batch = read_oneroster(write_folder(tmp_path, {"orgs.csv": ORGS, "users.csv": users}))
    assert batch.problems == []
    (person,) = batch.people
    assert (person.kind, person.roles, person.building_ids) == (PersonKind.STAFF, ["aide"], ["hs"])


@pytest.mark.parametrize(
    ("file", "text", "line", "reason"),
    [
        ("users.csv", USERS_11 + "  ,active,,true,hs,student,x,,No,Id,,,,,,,,,\n", 7, "without sourcedId"),
        (
            "users.csv",
            USERS_11 + "z9,active,,true,hs,wizard,x,,Wiz,Ard,,,,,,,,,\n",
            7,
            "unknown role 'wizard'",
        ),
        (
            "users.csv",
            USERS_11 + "z8,active,,true,hs,student,x,,P,H,,,,not-a-phone,,,,,\n",
            7,
            "invalid phone",
        ),
        ("users.csv", USERS_11 + "t1,active,,true,hs,teacher,x,,Dup,Li,,,,,,,,,\n", 7, "duplicate user"),
        ("demographics.csv", "sourcedId,birthDate\ns1,2010-13-45\n", 2, "bad birthDate"),
        ("demographics.csv", "sourcedId,birthDate\nnobody,2010-01-01\n", 2, "unknown user"),
        ("classes.csv", "sourcedId,schoolSourcedId\nc1,hs\n", 1, "missing required column(s): title"),
        ("enrollments.csv", "classSourcedId,userSourcedId,role\nnope,s1,student\n", 2, "unknown class"),
        (
            "academicSessions.csv",
            "sourcedId,title,startDate,endDate\na1,Fall,2026-08-20,soon\n",
            2,
            "bad enddate",
        ),
        ("Schools.csv", "orgId,name\n1,X\n", 0, "not a OneRoster file"),
    ],
)
def test_bad_rows_are_reported_with_file_and_line(tmp_path: Path, file: str, text: str, line: int, reason: str) -> None:
    files = {"orgs.csv": ORGS, "users.csv": USERS_11, file: text}
    batch = read_oneroster(write_folder(tmp_path, files))
    matching = [p for p in batch.problems if p.file.endswith(file) and reason in p.reason]
    assert matching, batch.problems
    assert matching[0].line == line
    assert {p.id for p in batch.people} >= {"t1", "s1", "g1"}  # the good rows still import


def test_multiline_quoted_field_keeps_line_numbers(tmp_path: Path) -> None:
    users = USERS_11.replace("Tara,Teach", '"Tara\nMarie",Teach') + "z9,active,,true,hs,wizard,x,,W,A,,,,,,,,,\n"
    batch = read_oneroster(write_folder(tmp_path, {"orgs.csv": ORGS, "users.csv": users}))
    (problem,) = batch.problems
    assert problem.line == 8  # the record starts on physical line 8 after a 2-line record


def test_missing_files_and_unreadable_archive_are_problems_not_exceptions(tmp_path: Path) -> None:
    empty = write_folder(tmp_path, {})
    assert {p.reason for p in read_oneroster(empty).problems} == {
        "orgs.csv is missing from the export",
        "users.csv is missing from the export",
    }
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    (problem,) = read_oneroster(broken).problems
    assert "cannot open" in problem.reason


def sample_dirs() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    return sorted({p.parent for p in SAMPLES.rglob("*.csv") if p.name.lower() == "users.csv"})


@pytest.mark.corpus
@pytest.mark.skipif(not SAMPLES.is_dir(), reason="dev-data OneRoster samples absent")
@pytest.mark.parametrize("folder", sample_dirs(), ids=lambda p: str(p.relative_to(SAMPLES)))
def test_every_dev_sample_reads_without_exception(folder: Path) -> None:
    batch = read_oneroster(folder)
    manifest = folder / "manifest.csv"
    if manifest.exists():
        declared = [
            ln.split(",")[1].strip('"') for ln in manifest.read_text().splitlines() if "oneroster.version" in ln
        ]
        assert oneroster_version(folder) == declared[0]
    ids = [p.id for p in batch.people]
    assert len(ids) == len(set(ids))
    if "vossenv" in str(folder):  # the non-standard layout: read what is standard, report the rest
        assert batch.problems and len(batch.people) == 300
    for problem in batch.problems:
        assert problem.file and problem.reason


def test_damaged_zip_member_is_a_problem(tmp_path: Path) -> None:
    archive = tmp_path / "roster.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("orgs.csv", ORGS * 20)
        zf.writestr("users.csv", USERS_11 * 20)
    data = bytearray(archive.read_bytes())
    data[60:90] = b"\x00" * 30  # corrupt the compressed orgs.csv payload
    archive.write_bytes(bytes(data))
    batch = read_oneroster(archive)
    assert any("orgs.csv" in p.file and "cannot read" in p.reason for p in batch.problems), batch.problems
