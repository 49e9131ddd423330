"""`aupguard demo` end to end: the sample district's planted violations are found, nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aupguard.cli.demo_cmd import demo_district_dir
from aupguard.cli.reference import build_app
from aupguard.posture.kinds import POSTURE_SIGNAL_KINDS
from aupguard.store import findings_repo
from aupguard.workspace import Workspace


def test_demo_finds_every_planted_violation_and_nothing_else(workspace_env: Path) -> None:
    result = CliRunner().invoke(build_app(), ["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Findings per clause" in result.output and "Findings per building" in result.output
    assert "aupguard findings" in result.output  # the next step is named

    district = demo_district_dir()
    expected = json.loads((district / "expected.json").read_text(encoding="utf-8"))
    ws = Workspace.open(workspace_env)
    posture_rules = {r.id for r in ws.current_pack().active_rules() if set(r.detectors) & set(POSTURE_SIGNAL_KINDS)}
    found = {
        (str(Path(r["source"][0]).relative_to(district)), r["source"][1], r["rule_id"]): r
        for r in findings_repo.query_findings(ws.engine)
        if r["rule_id"] not in posture_rules  # the demo's posture sources: tests/posture/test_demo_posture.py
    }
    missing, wrong_person = [], []
    for v in expected["violations"]:
        row = found.get((v["file"], v["position"], v["rule"]))
        if row is None:
            missing.append(v)
        elif row["person_id"] != v["person_id"]:
            wrong_person.append((v, row["person_id"]))
    assert not missing, missing
    assert not wrong_person, wrong_person
    planted = {(v["file"], v["position"], v["rule"]) for v in expected["violations"]}
    unexpected = [k for k in found if k not in planted]
    assert not unexpected, unexpected
    for n in expected["near_misses"]:
        assert (n["file"], n["position"], n["rule"]) not in found, n
    # the sample district's recorded consent covers the yearbook sponsor's texts to families
    covered = [r for r in found.values() if r["status"] == "covered"]
    assert [(r["rule_id"], r["person_id"]) for r in covered] == [("off-district-contact", "stf-014")]
    assert covered[0]["permission_id"] is not None
    # every active rule of the pack on messages is exercised by the sample district's scan
    # (posture rules judge logs and exports: tests/posture)
    rules = {r.id for r in ws.current_pack().active_rules()} - posture_rules
    assert rules <= {v["rule"] for v in expected["violations"]}
    ws.close()


def test_demo_twice_adds_nothing(workspace_env: Path) -> None:
    runner = CliRunner()
    app = build_app()
    assert runner.invoke(app, ["demo"]).exit_code == 0
    ws = Workspace.open(workspace_env)
    first = len(findings_repo.query_findings(ws.engine))
    assert runner.invoke(app, ["demo"]).exit_code == 0
    assert len(findings_repo.query_findings(ws.engine)) == first
    ws.close()
