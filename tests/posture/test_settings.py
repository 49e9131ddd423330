"""`settings.posture` in the pack: defaults, and `aupguard policy check` placing mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aupguard.policy.loader import check_pack, load_pack
from aupguard.posture.kinds import POSTURE_SIGNAL_KINDS, SOURCE_KINDS
from aupguard.posture.run import JUDGES
from aupguard.posture.settings import PostureSettings, posture_settings
from aupguard.posture.summary import posture_rules

PACK_FILE = Path(__file__).resolve().parents[2] / "src" / "aupguard" / "policy" / "packs" / "iasb-401.13.yaml"


def pack_with(tmp_path: Path, posture: dict) -> Path:
    data = yaml.safe_load(Path(PACK_FILE).read_text(encoding="utf-8"))
    data["settings"]["posture"] = posture
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_default_pack_settings_validate() -> None:
    settings = posture_settings(load_pack())
    assert settings.max_password_age_days == 365 and settings.district_networks == []
    assert ["backup_admin", "audit_log_admin"] in settings.separation_of_duties


@pytest.mark.parametrize(
    ("posture", "message"),
    [
        ({"district_networks": ["10.0.0.300/8"]}, "is not a network"),
        ({"work_hours": {"days": ["monday"]}}, "posture.work_hours.days.0"),
        ({"dormant_days": 0}, "greater than or equal to 1"),
        ({"separation_of_duties": [["backup_admin"]]}, "at least 2"),
        ({"passwrod_age": 90}, "Extra inputs are not permitted"),
        ({"network_locations": [{"cidr": "192.0.2.0/24", "name": "x", "latitude": 95}]}, "less than or equal to 90"),
        ({"secure_platforms": ["myspace"]}, "secure_platforms"),
    ],
)
def test_policy_check_reports_bad_posture_settings(tmp_path: Path, posture: dict, message: str) -> None:
    problems = check_pack(pack_with(tmp_path, posture))
    errors = [p for p in problems if p.level == "error"]
    assert len(errors) == 1 and message in errors[0].message, problems
    assert errors[0].line > 1  # placed at the setting's line


def test_good_posture_settings_pass(tmp_path: Path) -> None:
    posture = {
        "district_networks": ["198.51.100.0/24", "2001:db8::/32"],
        "work_hours": {"start": "08:00"},
        "backup_targets": {"sis": {"max_age_hours": 26}},
    }
    assert check_pack(pack_with(tmp_path, posture)) == []


def test_every_posture_check_has_a_rule_and_every_source_a_judge() -> None:
    pack = load_pack()
    named = {d for r in posture_rules(pack) for d in r.detectors}
    assert named == set(POSTURE_SIGNAL_KINDS)
    for kinds in POSTURE_SIGNAL_KINDS.values():
        for kind in kinds:
            assert pack.rules_for_signal(kind), kind
    assert set(SOURCE_KINDS) == set(JUDGES)


def test_settings_model_defaults() -> None:
    assert PostureSettings().web.min_requests_per_day == 20
