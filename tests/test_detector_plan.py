"""A scan runs a detector only where a rule could use its signals: the same findings as running
every detector on every item, and students' data read only for staff messages leaving the district."""

from __future__ import annotations

from typing import Any

import pytest

from aupguard import scanning
from aupguard.cli.demo_cmd import demo_district_dir, load_demo_district
from aupguard.detectors.student_info import StudentInfoDetector
from aupguard.model import Channel, Item, content_id
from aupguard.sources import iter_records
from aupguard.workspace import Workspace

STAFF = "kholt@pccsd.example.org"  # the sample district's superintendent
STUDENT_TEXT = "Chloe Lindgren's phone is on the attached list for the field trip."


def findings_of(result: scanning.BatchResult) -> set[tuple[Any, ...]]:
    return {
        (
            f.item_id,
            f.rule_id,
            f.status,
            f.person_id,
            f.reviewer,
            f.permission_id,
            tuple((s.detector, s.kind, s.start, s.end, s.score) for s in f.evidence),
        )  # fmt: skip
        for f in result.findings
    }


@pytest.fixture
def demo(workspace: Workspace) -> Workspace:
    load_demo_district(workspace, demo_district_dir())
    return workspace


def test_the_same_findings_as_every_detector_on_every_item(demo: Workspace) -> None:
    records = [r for r in iter_records([demo_district_dir() / "messages"]) if isinstance(r, scanning.RawRecord)]
    planned = scanning.process_batch(records, scanning._prepare_state(demo, None, None))
    every = scanning.process_batch(records, scanning._prepare_state(demo, None, None, only_where_rules_apply=False))
    assert len(planned.findings) >= 37  # the sample district's planted violations are in both
    assert findings_of(planned) == findings_of(every)


def message(sender: str, recipients: list[str]) -> Item:
    raw = f"{sender} {recipients}".encode()
    return Item(content_id(raw), Channel.EMAIL, "test", "", raw, sender=sender, recipients=recipients,
                subject="trip", body=STUDENT_TEXT)  # fmt: skip


@pytest.mark.parametrize(
    ("sender", "recipients", "reads_students"),
    [
        (STAFF, ["reporter@news.example"], True),  # staff writing outside: the rule applies
        (STAFF, ["bdecker@pccsd.example.org"], False),  # inside the district: no rule needs it
        ("reporter@news.example", [STAFF], False),  # an outsider's mail is not staff conduct
    ],
    ids=["staff-to-outside", "staff-internal", "from-outsider"],
)
def test_student_data_is_read_only_where_a_rule_needs_it(
    demo: Workspace, monkeypatch: pytest.MonkeyPatch, sender: str, recipients: list[str], reads_students: bool
) -> None:
    calls: list[str] = []
    real = StudentInfoDetector.detect

    def spy(self: StudentInfoDetector, item: Item, ctx: Any) -> Any:
        calls.append(item.id)
        return real(self, item, ctx)

    monkeypatch.setattr(StudentInfoDetector, "detect", spy)
    state = scanning._prepare_state(demo, None, None)
    scanning._detect([message(sender, recipients)], state)
    assert bool(calls) is reads_students
    calls.clear()
    scanning._detect([message(sender, recipients)], scanning._prepare_state(demo, None, None, False))
    assert calls  # the measurement mode runs it everywhere
