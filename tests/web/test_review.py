"""The review queue and decisions: pseudonyms until opened with a reason, audited views,
highlighted evidence, recusal, §22.15 notice, BOEE reminders, access suspension list, precision."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from aupguard.console import auth, cases, decisions
from aupguard.console.auth import User
from aupguard.console.roles import Role
from aupguard.store import audit_repo, findings_repo
from aupguard.store.tables import findings
from tests.web.conftest import Demo, client_for, csrf_of, sign_in


def _case_ref(demo: Demo, person_id: str) -> str:
    return cases.pseudonym(demo.ws.engine, person_id).removeprefix("Person ")


def _principal(demo: Demo) -> tuple[TestClient, str]:
    client = client_for(demo)
    return client, sign_in(client, demo, "mjorgensen")


def test_queue_groups_cases_per_person_and_hides_names(demo: Demo) -> None:
    client, _ = _principal(demo)
    html = client.get("/queue").text
    directory = demo.ws.directory()
    routed = [r for r in findings_repo.query_findings(demo.ws.engine, status="open") if r["reviewer"] == "stf-005"]
    people = {r["person_id"] for r in routed}
    assert len(people) >= 3
    for pid in people:
        person = directory.person(pid)
        assert cases.pseudonym(demo.ws.engine, pid) in html
        if person is not None:
            assert person.family_name not in html and pid not in html  # pseudonymized until opened
    assert html.count('<a href="/cases/') == len(people)  # one case per person, not per finding
    assert any(
        e["action"] == "queue.view" and e["actor"] == "console:mjorgensen"
        for e in audit_repo.entries(demo.ws.engine, 20)
    )


def test_opening_a_case_needs_a_reason_and_is_audited(demo: Demo) -> None:
    client, csrf = _principal(demo)
    ref = _case_ref(demo, "stf-011")
    page = client.get(f"/cases/{ref}").text
    assert "Reason for opening" in page and "Bauman" not in page
    r = client.post(f"/cases/{ref}/open", data={"reason": "  ", "csrf_token": csrf})
    assert r.status_code == 400
    r = client.post(f"/cases/{ref}/open", data={"reason": "weekly review", "csrf_token": csrf}, follow_redirects=True)
    assert "Chris Bauman" in r.text
    from markupsafe import escape

    for f in findings_repo.query_findings(demo.ws.engine, person="stf-011"):
        assert all(str(escape(s.explanation)) in r.text for s in f["evidence"])
    assert "Contact students and parents from a personal phone or account" in r.text  # the covering kind
    assert any(
        e["action"] == "case.view" and e["target"] == "case:stf-011" for e in audit_repo.entries(demo.ws.engine, 5)
    )
    entry = next(e for e in audit_repo.entries(demo.ws.engine, 20) if e["action"] == "case.open")
    assert (entry["actor"], entry["target"], entry["reason"]) == ("console:mjorgensen", "case:stf-011", "weekly review")


def test_full_message_needs_a_reason_and_is_audited(demo: Demo) -> None:
    client, csrf = _principal(demo)
    fid = next(r["id"] for r in findings_repo.query_findings(demo.ws.engine, person="stf-011"))
    assert client.post(f"/findings/{fid}/message", data={"reason": "", "csrf_token": csrf}).status_code == 400
    r = client.post(f"/findings/{fid}/message", data={"reason": "need the context", "csrf_token": csrf})
    assert r.status_code == 200 and "Text me anytime if you need a ride." in r.text
    entry = next(e for e in audit_repo.entries(demo.ws.engine, 20) if e["action"] == "message.view")
    assert entry["reason"] == "need the context" and entry["details"]["finding"] == fid
    # Another principal, whose buildings the finding is not about, cannot read it.
    other = client_for(demo)
    other_csrf = sign_in(other, demo, "apruitt")
    assert (
        other.post(f"/findings/{fid}/message", data={"reason": "curious", "csrf_token": other_csrf}).status_code == 400
    )


def test_discipline_needs_the_22_15_notice_and_starts_the_boee_reminder(demo: Demo) -> None:
    client, csrf = _principal(demo)
    ref = _case_ref(demo, "stf-011")
    client.post(f"/cases/{ref}/open", data={"reason": "decide", "csrf_token": csrf})
    notice = client.get(f"/cases/{ref}/notice?outcome=written_warning").text
    assert "Iowa Code section 22.15" in notice and "Chris Bauman" in notice and "22.7(11)" in notice
    refused = client.post(
        f"/cases/{ref}/decide", data={"outcome": "written_warning", "reason": "texted a student", "csrf_token": csrf}
    )
    assert refused.status_code == 400 and "22.15" in refused.text
    r = client.post(
        f"/cases/{ref}/decide",
        data={
            "outcome": "written_warning",
            "reason": "texted a student",
            "notice_confirmed": "yes",
            "csrf_token": csrf,
        },
    )
    assert r.status_code == 200 and "Decision recorded: Written warning" in r.text
    assert "Board of Educational Examiners" in r.text
    statuses = {f["status"] for f in findings_repo.query_findings(demo.ws.engine, person="stf-011")}
    assert statuses == {"confirmed"}
    (reminder,) = [x for x in decisions.reminders(demo.ws.engine) if x["person_id"] == "stf-011"]
    assert reminder["area"] == "inappropriate_relationship"
    assert 59 <= (findings_repo.aware(reminder["due_at"]) - datetime.now(UTC)).days <= 60
    assert ref not in client.get("/queue").text  # decided: out of the queue


def test_dismissal_feeds_detector_precision(demo: Demo) -> None:
    client, csrf = _principal(demo)
    open_people = {
        r["person_id"]
        for r in findings_repo.query_findings(demo.ws.engine, status="open")
        if r["reviewer"] == "stf-005" and r["person_id"]
    }
    pid = sorted(open_people)[0]
    ref = _case_ref(demo, pid)
    detectors_of_case = {
        s.detector
        for r in findings_repo.query_findings(demo.ws.engine, person=pid, status="open")
        if r["reviewer"] == "stf-005"
        for s in r["evidence"]
    }
    r = client.post(
        f"/cases/{ref}/decide", data={"outcome": "dismiss", "reason": "false alarm: quoted a book", "csrf_token": csrf}
    )
    assert r.status_code == 200
    precision = {p["detector"]: p for p in decisions.detector_precision(demo.ws.engine)}
    assert all(precision[d]["dismissed"] >= 1 and precision[d]["precision"] < 1 for d in detectors_of_case)
    assert "Detector precision" in client.get("/dashboard").text


def test_suspension_is_recorded_and_exported_for_the_technology_director(demo: Demo) -> None:
    client, csrf = _principal(demo)
    open_people = sorted(
        {
            r["person_id"]
            for r in findings_repo.query_findings(demo.ws.engine, status="open")
            if r["reviewer"] == "stf-005" and r["person_id"]
        }
    )
    pid = open_people[0]
    r = client.post(
        f"/cases/{_case_ref(demo, pid)}/decide",
        data={"outcome": "suspend_access", "reason": "pending review", "notice_confirmed": "yes", "csrf_token": csrf},
    )
    assert r.status_code == 200
    td = client_for(demo)
    sign_in(td, demo, "bdecker")
    csv_text = td.get("/access.csv").text
    person = demo.ws.directory().person(pid)
    assert person is not None
    row = next(line for line in csv_text.splitlines() if line.startswith(pid))
    assert "suspend" in row and person.display_name in row and "@pccsd.example.org" in row
    assert any(e["action"] == "access_list.export" for e in audit_repo.entries(demo.ws.engine, 10))
    # Restoring access needs a reason and takes the person off the list; the record stays.
    (action,) = [a for a in decisions.access_list(demo.ws.engine) if a["person_id"] == pid]
    td_csrf = csrf_of(td.get("/access").text)
    assert td.post(f"/access/{action['id']}/lift", data={"reason": "", "csrf_token": td_csrf}).status_code == 400
    r = td.post(f"/access/{action['id']}/lift", data={"reason": "review done", "csrf_token": td_csrf})
    assert r.status_code in (200, 303)
    assert pid not in td.get("/access.csv").text


def _fake_finding(demo: Demo, person_id: str, reviewer: str) -> int:
    """A finding about `person_id` whose stored routing (wrongly) names `reviewer`."""
    some = findings_repo.query_findings(demo.ws.engine, limit=1)[0]
    now = datetime.now(UTC)
    with demo.ws.engine.begin() as conn:
        return int(
            conn.execute(
                findings.insert()
                .values(
                    item_id=some["item_id"],
                    rule_id=f"test-{person_id}",
                    clause_id=some["clause_id"],
                    severity="high",
                    status="open",
                    person_id=person_id,
                    reviewer=reviewer,
                    pack_version="t",
                    item_time=now,
                    created_at=now,
                    updated_at=now,
                )
                .returning(findings.c.id)
            ).scalar_one()
        )


def test_nobody_reviews_a_case_about_themselves(demo: Demo) -> None:
    _fake_finding(demo, "stf-005", "stf-005")
    principal = auth.find_user(demo.ws.engine, "mjorgensen")
    assert principal is not None
    directory = demo.ws.directory()
    assert "stf-005" not in {c.key for c in cases.queue(demo.ws, principal, directory)}
    client, csrf = _principal(demo)
    ref = _case_ref(demo, "stf-005")
    assert client.get(f"/cases/{ref}").status_code == 404
    assert (
        client.post(
            f"/cases/{ref}/decide", data={"outcome": "dismiss", "reason": "mine", "csrf_token": csrf}
        ).status_code
        == 404
    )
    assert {r["status"] for r in findings_repo.query_findings(demo.ws.engine, person="stf-005")} == {"open"}


def test_recusal_routes_principal_to_superintendent_and_superintendent_to_board(demo: Demo) -> None:
    directory = demo.ws.directory()
    row = {"rule_id": "offensive-language", "person_id": "stf-005"}
    user = User(0, "x", "stf-005", Role.PRINCIPAL, ("bld-hs",), False, True, True)
    assert cases.recusal_route(demo.ws, directory, user, row) == "stf-001"
    row = {"rule_id": "offensive-language", "person_id": "stf-001"}
    assert cases.recusal_route(demo.ws, directory, user, row) == "vol-001"


def test_designee_works_the_superintendents_queue(demo: Demo) -> None:
    _fake_finding(demo, "stf-020", "stf-001")
    designee = auth.find_user(demo.ws.engine, "designee")
    superintendent = auth.find_user(demo.ws.engine, "kholt")
    assert designee is not None and superintendent is not None
    directory = demo.ws.directory()
    keys = {c.key for c in cases.queue(demo.ws, designee, directory)}
    assert "stf-020" in keys and keys == {c.key for c in cases.queue(demo.ws, superintendent, directory)}
    # The superintendent never sees a case about herself, even when stored routing says so.
    _fake_finding(demo, "stf-001", "stf-001")
    assert "stf-001" not in {c.key for c in cases.queue(demo.ws, superintendent, directory)}
    assert "stf-001" in keys | {c.key for c in cases.queue(demo.ws, designee, directory)}


def test_highlight_merges_overlapping_spans() -> None:
    parts = cases.highlight("abcdefghij", [(2, 5), (4, 7), (-1, -1)])
    assert parts == [("ab", False), ("cdefg", True), ("hij", False)]
    assert cases.excerpt("x" * 300 + "BAD" + "y" * 300, [(300, 303)], context=5) == [
        ("… ", False),
        ("xxxxx", False),
        ("BAD", True),
        ("yyyyy", False),
        (" …", False),
    ]
    assert re.fullmatch(r"Person [0-9A-F]{8}", "Person 0A1B2C3D")
