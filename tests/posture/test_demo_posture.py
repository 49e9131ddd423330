"""The sample district's posture sources: every planted finding is found, nothing else, and
importing them again adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

from aupguard.cli.demo_cmd import demo_district_dir, load_demo_district
from aupguard.posture.demo import import_demo_posture
from aupguard.posture.summary import posture_rules
from aupguard.store import findings_repo
from aupguard.workspace import Workspace


def test_demo_posture_finds_exactly_the_planted(workspace: Workspace) -> None:
    district = demo_district_dir()
    load_demo_district(workspace, district)
    results = import_demo_posture(workspace, district / "posture")
    assert [r.errors for r in results] == [[] for _ in results]
    expected = json.loads((district / "posture" / "expected.json").read_text(encoding="utf-8"))
    found = {
        (str(Path(r["source"][0]).relative_to(district)), r["source"][1], r["rule_id"]): r["person_id"]
        for r in findings_repo.query_findings(workspace.engine)
    }
    planted = {(v["file"], v["position"], v["rule"]): v["person_id"] for v in expected["violations"]}
    assert found == planted
    for n in expected["near_misses"]:
        assert (n["file"], n["position"], n["rule"]) not in found, n
    # Every posture rule of the pack is exercised by the sample district.
    assert {r.id for r in posture_rules(workspace.current_pack())} <= {v["rule"] for v in expected["violations"]}
    again = import_demo_posture(workspace, district / "posture")
    assert sum(r.findings for r in again) == 0
