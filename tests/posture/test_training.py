"""In-service training and annual policy acknowledgements: who is missing what."""

from __future__ import annotations

from pathlib import Path

from aupguard.model import ReadError
from aupguard.posture.checks.training import check_training, training_year
from aupguard.posture.readers.training import read_training
from tests.posture.conftest import DOMAIN, context, write

ASSIGNMENTS = """person,course,assigned,due
t1,TECH-101,2026-08-15,2026-09-30
t2,TECH-101,2026-08-15,2026-09-30
prin,TECH-101,2026-08-15,2026-12-01
"""
COMPLETIONS = """person,course,completed
t2@{d},TECH-101,2026-09-20
td,CYBER-1,2026-08-20
t1,CYBER-1,2025-08-20
"""
ACKS = """person,document,signed,version
t1,401.13,2026-08-15,2023-01-25
t1,401.13R1,2026-08-15,2023-01-25
t2,401.13,2025-08-15,2023-01-25
t2,401.13R1,2026-08-15,2023-01-25
"""


def read(tmp_path: Path, *files: tuple[str, str]) -> list:
    errors: list[ReadError] = []
    out = []
    for name, text in files:
        out += read_training(write(tmp_path / name, text.format(d=DOMAIN)), errors)
    assert errors == []
    return out


def test_overdue_assignments_and_required_courses(tmp_path: Path) -> None:
    records = read(tmp_path, ("assign.csv", ASSIGNMENTS), ("done.csv", COMPLETIONS))
    found = {
        o.signals[0].data["staff_id"]: o.signals[0].data["courses"]
        for o in check_training(records, context(training={"required_courses": ["CYBER-1"]}), "t")
    }
    # t1: TECH-101 overdue and CYBER-1 only last year; t2 done TECH-101 but no CYBER-1; prin not due
    # yet but no CYBER-1; td done. Students and volunteers are not staff training.
    assert found == {
        "t1": ["CYBER-1", "TECH-101"],
        "t2": ["CYBER-1"],
        "prin": ["CYBER-1"],
        "tis": ["CYBER-1"],
        "sup": ["CYBER-1"],
    }


def test_assignments_alone_do_not_judge_the_whole_roster(tmp_path: Path) -> None:
    records = read(tmp_path, ("assign.csv", ASSIGNMENTS))
    found = {
        o.signals[0].data["staff_id"]
        for o in check_training(records, context(training={"required_courses": ["CYBER-1"]}), "t")
    }
    # Overdue assignments are judged (t2's completion is not in this import); nobody is judged
    # for the required course without completions to judge against.
    assert found == {"t1", "t2"}


def test_acknowledgements(tmp_path: Path) -> None:
    records = read(tmp_path, ("acks.csv", ACKS))
    found = {
        o.signals[0].data["staff_id"]: o.signals[0].data["documents"] for o in check_training(records, context(), "t")
    }
    # t1 signed both this year; t2's 401.13 is over a year old; the rest never signed; the
    # inactive staff member and the student are not asked; the volunteer is.
    assert found["t2"] == ["401.13"]
    assert "t1" not in found and "gone" not in found and "s1" not in found
    assert found["vol"] == ["401.13", "401.13R1"]
    assert set(found) == {"t2", "sup", "td", "tis", "prin", "vol"}


def test_missing_acknowledgement_evidence_is_stable(tmp_path: Path) -> None:
    records = read(tmp_path, ("acks.csv", ACKS))
    first = {o.item.id for o in check_training(records, context(), "t")}
    assert first == {o.item.id for o in check_training(records, context(), "t")}


def test_unrecognised_file_is_one_error(tmp_path: Path) -> None:
    errors: list[ReadError] = []
    assert read_training(write(tmp_path / "x.csv", "a,b\n1,2\n"), errors) == []
    assert len(errors) == 1 and errors[0].position == "line 1"


def test_training_year() -> None:
    start, label = training_year(context())
    assert (str(start), label) == ("2026-07-01", "2026-2027")


def test_last_years_assignment_met_by_last_years_completion(tmp_path: Path) -> None:
    records = read(
        tmp_path,
        ("assign.csv", "person,course,due\nt1,TECH-101,2025-09-30\nt2,TECH-101,2025-09-30\n"),
        ("done.csv", "person,course,completed\nt1,TECH-101,2025-09-20\n"),
    )
    found = {o.signals[0].data["staff_id"] for o in check_training(records, context(), "t")}
    assert found == {"t2"}


def test_course_titles_name_what_is_missing(tmp_path: Path) -> None:
    records = read(
        tmp_path,
        ("courses.csv", "course,title\nTECH-101,Digital citizenship for staff\n"),
        ("assign.csv", "person,course,due\nt1,TECH-101,2026-09-30\n"),
    )
    (obs,) = check_training(records, context(), "t")
    assert "TECH-101 Digital citizenship for staff" in obs.signals[0].explanation
