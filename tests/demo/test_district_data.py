"""The bundled sample district is consistent: reproducible from its script, readable by every
importer without a problem, and its EXPECTED list points at things that exist."""

from __future__ import annotations

import email
import importlib.util
import json
import mailbox
import sys
from collections import defaultdict
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from aupguard.directory.batch import DirectoryBatch
from aupguard.directory.google_workspace import read_workspace_users
from aupguard.directory.oneroster import oneroster_version, read_oneroster
from aupguard.directory.people_csv import read_people_csv
from aupguard.model import PersonKind

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "src" / "aupguard" / "demo" / "district"
SCRIPT = REPO / "scripts" / "build_demo_district.py"
# The rules of the shared spec that work now: each must have at least two planted violations.
ACTIVE_RULES = {
    "student-info-external", "personal-info-revealed", "off-district-contact", "group-text-incomplete",
    "social-student-connection", "social-site-unapproved", "anonymous-message", "forged-message",
    "software-transfer", "offensive-language", "sexual-content", "commercial-activity",
    "harassing-messages", "credentials-in-message",
}  # fmt: skip
FIRST_DAY, LAST_DAY = date(2026, 9, 1), date(2026, 11, 20)


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_demo_district", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script loads
    spec.loader.exec_module(module)
    return module


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def batches() -> tuple[DirectoryBatch, DirectoryBatch, DirectoryBatch, list[dict[str, object]]]:
    workspace, posture = read_workspace_users(DEMO / "accounts" / "users.csv")
    return read_oneroster(DEMO / "roster"), workspace, read_people_csv(DEMO / "people.csv"), posture


@pytest.fixture(scope="module")
def expected() -> dict[str, list[dict[str, str]]]:
    return json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))


def test_rerunning_the_script_reproduces_every_file_byte_for_byte(tmp_path: Path) -> None:
    load_script().build(tmp_path / "district")
    committed, rebuilt = files_under(DEMO), files_under(tmp_path / "district")
    assert sorted(rebuilt) == sorted(committed)
    changed = [name for name in committed if committed[name] != rebuilt[name]]
    assert changed == []


def test_demo_is_small() -> None:
    assert sum(len(b) for b in files_under(DEMO).values()) < 2 * 1024 * 1024


def test_every_importer_reads_its_file_with_zero_problems(batches) -> None:
    roster, workspace, people, posture = batches
    for batch in (roster, workspace, people):
        assert batch.problems == [], batch.problems[:5]
    assert oneroster_version(DEMO / "roster") == "1.2"
    kinds: dict[PersonKind, int] = defaultdict(int)
    for p in roster.people:
        kinds[p.kind] += 1
    assert kinds[PersonKind.STUDENT] == 120
    assert 20 <= kinds[PersonKind.STAFF] <= 35
    assert 85 <= kinds[PersonKind.GUARDIAN] <= 115
    assert len(workspace.people) == kinds[PersonKind.STAFF]
    assert sum(1 for p in posture if p["two_sv_enrolled"] is False) >= 2
    assert sum(1 for p in posture if p["suspended"]) == 1


def test_directory_is_consistent_across_exports(batches) -> None:
    roster, workspace, people, _ = batches
    roster_ids = {p.id for p in roster.people}
    by_id = {p.id: p for p in people.people}
    # Everyone in the people CSV is in the roster, except volunteers (the roster has none).
    assert {pid for pid, p in by_id.items() if p.kind != PersonKind.VOLUNTEER} <= roster_ids
    # One owner per address across every export; Workspace agrees with the roster on staff email.
    owners: dict[str, set[str]] = defaultdict(set)
    for batch in (roster, people):
        for account in batch.accounts:
            owners[account.address].add(account.person_id)
    assert {a: o for a, o in owners.items() if len(o) > 1} == {}
    staff_email = {a.address for a in roster.accounts if a.kind == "email" and a.district}
    assert {a.address for a in workspace.accounts if a.kind == "email" and a.district} <= staff_email
    # Every building has its principal, in the roster and in the people CSV alike.
    assert {b.id: b.principal_ids for b in roster.buildings} == {b.id: b.principal_ids for b in people.buildings}
    assert all(len(b.principal_ids) == 1 for b in roster.buildings) and len(roster.buildings) == 3
    roles = {r for p in people.people for r in p.roles}
    assert {"superintendent", "technology_director", "technology_integrationist", "records_custodian",
            "board_president", "coach", "sponsor"} <= roles  # fmt: skip
    # Teams and clubs: a coach or sponsor on staff and students of the group's building.
    students = {p.id: p for p in roster.people if p.kind == PersonKind.STUDENT}
    assert {g.kind for g in people.groups} == {"team", "club"}
    for group in people.groups:
        leads = group.with_role("coach", "sponsor")
        assert len(leads) == 1 and by_id[leads[0]].kind == PersonKind.STAFF
        kids = group.with_role("student")
        assert kids and all(group.building_id in students[k].building_ids for k in kids)
    assert all(g.members for g in roster.groups)
    # Students have what the detectors look for: id, birth date, address; older ones a phone.
    assert all(s.identifier and s.birth_date for s in students.values())
    assert all(by_id[s].home_address for s in students)
    phones = {a.person_id for a in roster.accounts if a.kind == "phone"}
    assert all(s in phones for s in students if "bld-el" not in students[s].building_ids)


def test_district_yaml_names_the_district(batches) -> None:
    roster = batches[0]
    conf = yaml.safe_load((DEMO / "district.yaml").read_text(encoding="utf-8"))
    assert conf["name"] == "Prairie Creek Community School District"
    assert set(conf["domains"]) == roster.district_domains
    assert [b["id"] for b in conf["buildings"]] == [b.id for b in roster.buildings]


def test_every_active_rule_has_two_planted_violations(expected) -> None:
    counts: dict[str, int] = defaultdict(int)
    for v in expected["violations"]:
        counts[v["rule"]] += 1
    assert {rule for rule, n in counts.items() if n >= 2} == ACTIVE_RULES
    assert {n["rule"] for n in expected["near_misses"]} <= ACTIVE_RULES
    assert len(expected["near_misses"]) >= 10


def test_expectations_point_at_real_messages_and_people(expected, batches) -> None:
    known = {p.id for b in (batches[0], batches[2]) for p in b.people}
    for entry in expected["violations"] + expected["near_misses"]:
        path = DEMO / entry["file"]
        assert path.is_file(), entry
        key = entry["message_id"]
        needle = key.split("->")[-1] if "->" in key else key  # connections: the followed handle
        assert needle in path.read_text(encoding="utf-8"), entry
        assert entry["person_id"] is None or entry["person_id"] in known, entry


def message_dates() -> list[datetime]:
    out: list[datetime] = []
    for path in sorted((DEMO / "messages" / "email").glob("*.eml")):
        out.append(parsedate_to_datetime(email.message_from_bytes(path.read_bytes())["Date"]))
    box = mailbox.mbox(str(DEMO / "messages" / "mail.mbox"))
    out += [parsedate_to_datetime(m["Date"]) for m in box]
    texts = json.loads((DEMO / "messages" / "texts" / "texts.json").read_text(encoding="utf-8"))
    out += [datetime.fromisoformat(t["sent_at"]) for t in texts]
    for path in (DEMO / "messages" / "social").glob("*.json"):
        export = json.loads(path.read_text(encoding="utf-8"))
        rows = export.get("posts") or export.get("connections")
        out += [datetime.fromisoformat(r.get("posted_at") or r["connected_at"]) for r in rows]
    return out


def test_messages_are_a_few_hundred_within_the_fall_window() -> None:
    dates = message_dates()
    assert len(dates) >= 200
    assert [d for d in dates if not FIRST_DAY <= d.date() <= LAST_DAY] == []  # district-local dates
    assert len(mailbox.mbox(str(DEMO / "messages" / "mail.mbox"))) >= 50
