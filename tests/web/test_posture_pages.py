"""The posture section of the console: the summary is `aupguard posture`'s, drill-down lists a
clause's findings under pseudonyms until opened with a reason, principals see their buildings
only, employees are refused, and every view is audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aupguard.cli.demo_cmd import demo_district_dir
from aupguard.console import cases
from aupguard.posture.demo import import_demo_posture
from aupguard.posture.summary import summarize
from aupguard.store import audit_repo, findings_repo
from tests.web.conftest import Demo, client_for, sign_in

TWO_FACTOR = "401.13R1/general/two-factor"
BACKUP = "401.13/procedures/data-backup"
ACKNOWLEDGEMENT = "401.13/general/regulations"
HIGH_SCHOOL = "bld-hs"  # mjorgensen's building (console.demo_users)


@pytest.fixture(scope="module")
def posture(demo: Demo) -> Demo:
    """The scanned sample district with its posture sources imported, as `aupguard demo` does."""
    results = import_demo_posture(demo.ws, demo_district_dir() / "posture")
    assert sum(r.findings for r in results) > 20
    return demo


def _client(demo: Demo, username: str) -> TestClient:
    client = client_for(demo)
    sign_in(client, demo, username)
    return client


@pytest.fixture(scope="module")
def superintendent(posture: Demo) -> Iterator[TestClient]:
    yield _client(posture, "kholt")


@pytest.fixture(scope="module")
def principal(posture: Demo) -> Iterator[TestClient]:
    yield _client(posture, "mjorgensen")


def _rules(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for c in summary["clauses"] for r in c["rules"]}


def _figures(rule: dict[str, Any]) -> tuple[int, int, int, int, int, dict[str, int]]:
    return (
        rule["open"],
        rule["covered"],
        rule["confirmed"],
        rule["dismissed"],
        rule["people"],
        rule["by_building"],
    )


def _building_people(demo: Demo, building: str) -> set[str]:
    return {p.id for p in demo.ws.directory().people.values() if building in p.building_ids}


def _actions(demo: Demo, n: int = 30) -> list[dict[str, Any]]:
    return audit_repo.entries(demo.ws.engine, n)


# ---------------------------------------------------------------------------- summary


def test_summary_numbers_are_those_of_aupguard_posture(posture: Demo, superintendent: TestClient) -> None:
    expected = summarize(posture.ws)
    api = superintendent.get("/api/posture").json()
    assert api["scoped_to_buildings"] == []
    assert [c["clause"] for c in api["clauses"]] == [c["clause"] for c in expected["clauses"]]
    assert {k: _figures(v) for k, v in _rules(api).items()} == {k: _figures(v) for k, v in _rules(expected).items()}
    assert {i["kind"] for i in api["imports"]} == {i["kind"] for i in expected["imports"]}
    assert _rules(api)["two-factor-enrollment"]["open"] == 5  # planted in the sample district

    html = superintendent.get("/posture")
    assert html.status_code == 200
    for rule, figures in _rules(expected).items():
        row = re.search(rf'<tr data-rule="{re.escape(rule)}">(.*?)</tr>', html.text, re.S)
        assert row, rule
        assert f'<td class="open">{figures["open"]}</td>' in row.group(1)
        assert f'<td class="covered">{figures["covered"]}</td>' in row.group(1)
        assert f'<td class="people">{figures["people"]}</td>' in row.group(1)


def test_summary_page_shows_training_gaps_by_building_and_latest_imports(superintendent: TestClient) -> None:
    html = superintendent.get("/posture").text
    gaps = re.search(r'<table id="posture-gaps">(.*?)</table>', html, re.S)
    assert gaps
    assert "Willow Elementary" in gaps.group(1) and "Prairie Creek High School" in gaps.group(1)
    assert "policy-acknowledgement" in gaps.group(1) and "in-service-training" in gaps.group(1)
    imports = re.search(r'<table id="posture-imports">(.*?)</table>', html, re.S)
    assert imports
    for kind in ("google-users", "squid", "backups", "training"):
        assert f'data-kind="{kind}"' in imports.group(1)


# ---------------------------------------------------------------------------- drill-down


def test_drill_down_lists_the_findings_of_the_clause(posture: Demo, superintendent: TestClient) -> None:
    expected = {f["id"] for f in findings_repo.query_findings(posture.ws.engine, rule="backup-and-mail-archive")}
    assert len(expected) == 3
    r = superintendent.get("/posture/findings", params={"clause": BACKUP})
    assert r.status_code == 200
    assert set(map(int, re.findall(r'id="finding-(\d+)"', r.text))) == expected
    # Systems name nobody: explanation and evidence lines at once, with file and line.
    assert "finance: the last 4 backup jobs failed" in r.text
    assert re.search(r"backups\.csv:1[1-4]</code>", r.text)
    api = superintendent.get("/api/posture/findings", params={"clause": BACKUP}).json()
    assert {f["id"] for f in api} == expected
    assert all(f["pseudonym"] is None and f["explanations"] and f["evidence_lines"] for f in api)


def test_drill_down_by_rule_lists_only_that_rule(posture: Demo, superintendent: TestClient) -> None:
    clause = "401.13/procedures/system-administration"
    expected = {f["id"] for f in findings_repo.query_findings(posture.ws.engine, rule="dormant-accounts")}
    api = superintendent.get("/api/posture/findings", params={"clause": clause, "rule": "dormant-accounts"}).json()
    assert {f["id"] for f in api} == expected and len(expected) == 1
    whole = superintendent.get("/api/posture/findings", params={"clause": clause}).json()
    assert {f["rule_id"] for f in whole} == {
        "admin-accounts",
        "admin-accounts-review",
        "departed-staff-accounts",
        "dormant-accounts",
    }


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"clause": "no/such/clause"}, 404),
        ({"clause": TWO_FACTOR, "rule": "dormant-accounts"}, 404),  # a rule of another clause
        ({"clause": "401.13R1/prohibited/harassment"}, 404),  # a clause with no posture rule
        ({}, 404),
    ],
)
def test_drill_down_refuses_what_is_not_a_posture_clause(
    superintendent: TestClient, params: dict[str, str], status: int
) -> None:
    assert superintendent.get("/posture/findings", params=params).status_code == status
    if "clause" in params:
        assert superintendent.get("/api/posture/findings", params=params).status_code == status


def test_people_are_pseudonymized_until_opened_with_a_reason(posture: Demo) -> None:
    client = _client(posture, "designee")  # a fresh session: nobody opened yet
    page = client.get("/posture/findings", params={"clause": TWO_FACTOR})
    assert page.status_code == 200
    label = cases.pseudonym(posture.ws.engine, "stf-011")  # the review queue's pseudonym
    assert label in page.text
    assert "cbauman" not in page.text and "Cody Bauman" not in page.text
    api = {f["pseudonym"]: f for f in client.get("/api/posture/findings", params={"clause": TWO_FACTOR}).json()}
    assert api[label]["name"] is None and api[label]["explanations"] == [] and api[label]["evidence_lines"] == []

    ref = label.removeprefix("Person ")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    refused = client.post(
        f"/posture/people/{ref}/open", data={"reason": " ", "clause": TWO_FACTOR, "csrf_token": csrf.group(1)}
    )
    assert refused.status_code == 400
    assert "cbauman" not in client.get("/posture/findings", params={"clause": TWO_FACTOR}).text

    opened = client.post(
        f"/posture/people/{ref}/open",
        data={"reason": "two-factor roll-out follow-up", "clause": TWO_FACTOR, "csrf_token": csrf.group(1)},
    )
    assert opened.status_code == 200  # followed the redirect back to the clause
    assert "cbauman@pccsd.example.org is not enrolled" in opened.text
    assert re.search(r"users\.csv:\d+</code>", opened.text)
    # Only that person: the others of the clause stay pseudonymized.
    assert "emurphy" not in opened.text
    entry = next(e for e in _actions(posture) if e["action"] == "posture.open")
    assert entry["target"] == "person:stf-011" and entry["reason"] == "two-factor roll-out follow-up"
    assert entry["actor"] == "console:designee"
    api = {f["pseudonym"]: f for f in client.get("/api/posture/findings", params={"clause": TWO_FACTOR}).json()}
    assert api[label]["named"] and api[label]["evidence_lines"]


def test_opening_someone_not_in_the_clause_is_refused(posture: Demo, superintendent: TestClient) -> None:
    page = superintendent.get("/posture/findings", params={"clause": TWO_FACTOR})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    ref = cases.pseudonym(posture.ws.engine, "stf-034").removeprefix("Person ")  # dormant, not two-factor
    r = superintendent.post(
        f"/posture/people/{ref}/open", data={"reason": "curious", "clause": TWO_FACTOR, "csrf_token": csrf.group(1)}
    )
    assert r.status_code == 404


# ---------------------------------------------------------------------------- roles and scope


def test_principal_sees_only_their_buildings(posture: Demo, principal: TestClient) -> None:
    mine = _building_people(posture, HIGH_SCHOOL)
    expected = summarize(posture.ws, mine)
    api = principal.get("/api/posture").json()
    assert api["scoped_to_buildings"] == [HIGH_SCHOOL]
    rules = _rules(api)
    assert {k: _figures(v) for k, v in rules.items()} == {k: _figures(v) for k, v in _rules(expected).items()}
    assert rules["two-factor-enrollment"]["open"] == 4  # of the district's 5: one is at Willow Elementary
    assert rules["policy-acknowledgement"]["open"] == 0  # both are at Willow Elementary
    assert rules["backup-and-mail-archive"]["open"] == 0  # district systems are not a building's

    for clause in (TWO_FACTOR, BACKUP, ACKNOWLEDGEMENT):
        listed = principal.get("/api/posture/findings", params={"clause": clause}).json()
        ids = {f["id"] for f in listed}
        people = {f["person_id"] for f in findings_repo.query_findings(posture.ws.engine, ids=sorted(ids))}
        assert people <= mine, clause
    listed = principal.get("/api/posture/findings", params={"clause": TWO_FACTOR}).json()
    assert len(listed) == 4
    assert principal.get("/api/posture/findings", params={"clause": BACKUP}).json() == []
    html = principal.get("/posture").text
    assert "Your buildings only" in html and "Willow Elementary" not in html


@pytest.mark.parametrize("username", ["kholt", "designee", "bdecker", "mjorgensen", "thartley", "lmoreno"])
def test_leadership_and_principals_may_see_posture(posture: Demo, username: str) -> None:
    client = _client(posture, username)
    page = client.get("/home")
    assert 'href="/posture"' in page.text
    assert client.get("/posture").status_code == 200


@pytest.mark.parametrize("username", ["cbauman", "reviewer", "jkowalczyk"])
def test_others_are_refused(posture: Demo, username: str) -> None:
    client = _client(posture, username)
    assert 'href="/posture"' not in client.get("/home").text
    assert client.get("/posture").status_code == 403
    assert client.get("/posture/findings", params={"clause": TWO_FACTOR}).status_code == 403
    assert client.get("/api/posture").status_code == 403
    assert client.get("/api/posture/findings", params={"clause": TWO_FACTOR}).status_code == 403


# ---------------------------------------------------------------------------- audit


def test_every_view_is_audited(posture: Demo) -> None:
    client = _client(posture, "bdecker")
    client.get("/posture")
    assert any(e["action"] == "posture.view" and e["actor"] == "console:bdecker" for e in _actions(posture, 5))
    client.get("/api/posture")
    entry = _actions(posture, 1)[0]
    assert (entry["action"], entry["details"].get("via")) == ("posture.view", "api")
    client.get("/posture/findings", params={"clause": BACKUP})
    entry = _actions(posture, 1)[0]
    assert entry["action"] == "posture.findings.view" and entry["target"] == f"clause:{BACKUP}"
    expected = {f["id"] for f in findings_repo.query_findings(posture.ws.engine, rule="backup-and-mail-archive")}
    assert set(entry["details"]["findings"]) == expected
    client.get("/api/posture/findings", params={"clause": TWO_FACTOR})
    entry = _actions(posture, 1)[0]
    assert entry["action"] == "posture.findings.view" and entry["details"]["via"] == "api"
