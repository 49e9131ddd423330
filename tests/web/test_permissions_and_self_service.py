"""Permission requests reach the approver the pack names and cover findings when approved;
employees acknowledge the policy, check drafts, report security problems, see their own records."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from aupguard.console import requests, selfservice
from aupguard.store import audit_repo, findings_repo, permissions_repo
from tests.web.conftest import Demo, client_for, sign_in

CONTACT = "off-district-contact"


def _as(demo: Demo, username: str) -> tuple[TestClient, str]:
    client = client_for(demo)
    return client, sign_in(client, demo, username)


def _contact_finding(demo: Demo) -> dict:  # type: ignore[type-arg]
    return next(r for r in findings_repo.query_findings(demo.ws.engine, person="stf-011") if r["rule_id"] == CONTACT)


def test_request_is_decided_only_by_the_right_approver_and_covers_the_finding(demo: Demo) -> None:
    assert _contact_finding(demo)["status"] == "open"
    employee, csrf = _as(demo, "cbauman")
    r = employee.post(
        "/permissions/requests",
        data={
            "kind": "personal_phone_contact",
            "reason": "away games: rides home",
            "valid_from": "2026-08-01",
            "valid_until": "2027-06-01",
            "scope_students": "",
            "csrf_token": csrf,
        },
    )
    assert r.status_code == 200 and 'id="filed"' in r.text
    rid = int(re.search(r"Request #(\d+) filed", r.text).group(1))  # type: ignore[union-attr]
    # The superintendent and the middle-school principal do not decide a principal's kind for a
    # high-school teacher; the employee cannot decide their own request.
    for username in ("kholt", "apruitt", "bdecker"):
        other, other_csrf = _as(demo, username)
        assert f'id="request-{rid}"' not in other.get("/approvals").text
        assert (
            other.post(f"/approvals/{rid}", data={"decision": "approve", "csrf_token": other_csrf}).status_code == 400
        )
    assert employee.post(f"/approvals/{rid}", data={"decision": "approve", "csrf_token": csrf}).status_code == 403
    principal, p_csrf = _as(demo, "mjorgensen")
    assert f'id="request-{rid}"' in principal.get("/approvals").text
    r = principal.post(f"/approvals/{rid}", data={"decision": "approve", "reason": "ok", "csrf_token": p_csrf})
    assert r.status_code == 200 and "1 finding(s) now covered" in r.text
    finding = _contact_finding(demo)
    assert finding["status"] == "covered" and finding["permission_id"] is not None
    permission = permissions_repo.get(demo.ws.engine, finding["permission_id"])
    assert permission is not None and permission.approver_id == "stf-005" and permission.grantee_id == "stf-011"
    assert "covered" in employee.get("/home").text
    draft = {
        "text": "Text me if you need a ride.",
        "channel": "text",
        "recipients": "+15635550149",
        "sender": "+17125550169",
        "csrf_token": csrf,
    }  # from his personal phone
    assert f"Covered by your permission #{permission.id}" in employee.post("/draft", data=draft).text
    # Revocation from now: what happened while it was in force stays covered; new messages are not.
    r = principal.post(f"/permissions/{permission.id}/revoke", data={"reason": "season over", "csrf_token": p_csrf})
    assert r.status_code == 200 and "0 finding(s) reopened" in r.text
    assert _contact_finding(demo)["status"] == "covered"
    after = employee.post("/draft", data=draft).text
    assert "Covered by your permission" not in after and "A permission would cover it" in after
    assert "revoked" in employee.get("/permissions").text
    actions = [e["action"] for e in audit_repo.entries(demo.ws.engine, 50)]
    assert {"permission.request", "permission.approve", "permission.revoke"} <= set(actions)


def test_denial_needs_a_reason_and_grants_nothing(demo: Demo) -> None:
    employee, csrf = _as(demo, "cbauman")
    employee.post(
        "/permissions/requests",
        data={"kind": "personal_software", "reason": "my own editor", "scope_software": "vim", "csrf_token": csrf},
    )
    rid = requests.requests(demo.ws.engine, requester="stf-011", status="pending")[0]["id"]
    td, td_csrf = _as(demo, "bdecker")
    assert (
        td.post(f"/approvals/{rid}", data={"decision": "deny", "reason": "", "csrf_token": td_csrf}).status_code == 400
    )
    before = len(permissions_repo.all_permissions(demo.ws.engine))
    r = td.post(
        f"/approvals/{rid}", data={"decision": "deny", "reason": "use the approved list", "csrf_token": td_csrf}
    )
    assert r.status_code == 200 and "denied" in r.text
    assert len(permissions_repo.all_permissions(demo.ws.engine)) == before


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kind": "nope", "reason": "x"}, "unknown permission kind"),
        ({"kind": "offsite_access", "reason": ""}, "say why"),
        ({"kind": "offsite_access", "reason": "x", "valid_from": "2026-05-01", "valid_until": "2026-04-01"}, "after"),
        ({"kind": "offsite_access", "reason": "x", "valid_from": "May 1"}, "YYYY-MM-DD"),
        ({"kind": "social_site", "reason": "x"}, "fill in"),  # the pack's request form
    ],
)
def test_bad_requests_are_refused_with_a_reason(demo: Demo, values: dict[str, str], message: str) -> None:
    employee, csrf = _as(demo, "cbauman")
    r = employee.post("/permissions/requests", data={**values, "csrf_token": csrf})
    assert r.status_code == 400 and message in r.text


def test_social_site_request_carries_the_form(demo: Demo) -> None:
    employee, csrf = _as(demo, "cbauman")
    form = {
        "form_request_date": "2026-11-01",
        "form_building": "bld-hs",
        "form_employee": "Chris Bauman",
        "form_title": "Coach",
        "form_email": "cbauman@pccsd.example.org",
        "form_platform": "Instagram",
        "form_purpose": "team news",
        "form_audience": "families",
        "form_launch_date": "2026-12-01",
        "form_age_restriction_checked": "yes",
        "form_principal_signature": "M. Jorgensen",
    }
    r = employee.post(
        "/permissions/requests", data={"kind": "social_site", "reason": "team page", **form, "csrf_token": csrf}
    )
    assert r.status_code == 200
    row = requests.requests(demo.ws.engine, requester="stf-011")[0]
    assert row["form"]["platform"] == "Instagram" and row["form"]["age_restriction_checked"] is True
    assert row["form"]["business_page"] is False
    superintendent, _ = _as(demo, "kholt")
    assert f'id="request-{row["id"]}"' in superintendent.get("/approvals").text


def test_policy_acknowledgement_is_recorded_per_school_year(demo: Demo) -> None:
    employee, csrf = _as(demo, "cbauman")
    assert "have not acknowledged" in employee.get("/home").text
    assert employee.post("/policy/acknowledge", data={"csrf_token": csrf}).status_code == 400
    r = employee.post("/policy/acknowledge", data={"read": "yes", "csrf_token": csrf}, follow_redirects=True)
    assert 'id="ack-done"' in r.text
    assert selfservice.acknowledged(demo.ws.engine, "stf-011") is not None
    employee.post("/policy/acknowledge", data={"read": "yes", "csrf_token": csrf})  # twice: still one
    assert selfservice.acknowledgement_counts(demo.ws.engine) == 1


@pytest.mark.parametrize(
    ("day", "year"), [("2026-07-01", "2026-2027"), ("2026-06-30", "2025-2026"), ("2027-01-15", "2026-2027")]
)
def test_school_year(day: str, year: str) -> None:
    from datetime import date

    assert selfservice.school_year(date.fromisoformat(day)) == year


@pytest.mark.parametrize(
    ("text", "channel", "recipients", "clause"),
    [
        ("Uncensored nude pics and xxx videos for subscribers", "post", "", "401.13R1/prohibited/obscene"),
        ("Hey, text me anytime if you need a ride.", "text", "+15635550149", "401.13R1/other/contact-through-district"),
    ],
)
def test_draft_check_fires(demo: Demo, text: str, channel: str, recipients: str, clause: str) -> None:
    employee, csrf = _as(demo, "cbauman")
    sender = "+17125550169" if channel == "text" else ""  # his personal phone
    r = employee.post(
        "/draft",
        data={"text": text, "channel": channel, "recipients": recipients, "sender": sender, "csrf_token": csrf},
    )
    assert r.status_code == 200 and clause in r.text


@pytest.mark.parametrize(
    "text", ["Practice moves to 4pm on Thursday in the main gym.", "Reminder: permission slips are due Friday."]
)
def test_draft_check_stays_quiet_on_ordinary_posts(demo: Demo, text: str) -> None:
    employee, csrf = _as(demo, "cbauman")
    r = employee.post(
        "/draft", data={"text": text, "channel": "post", "csrf_token": csrf}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and 'id="draft-clean"' in r.text and "<html" not in r.text  # htmx fragment


def test_draft_from_someone_elses_address_is_refused(demo: Demo) -> None:
    employee, csrf = _as(demo, "cbauman")
    r = employee.post(
        "/draft", data={"text": "hi", "channel": "email", "sender": "kholt@pccsd.example.org", "csrf_token": csrf}
    )
    assert r.status_code == 400 and "your own addresses" in r.text


def test_draft_text_is_not_stored(demo: Demo) -> None:
    employee, csrf = _as(demo, "cbauman")
    employee.post("/draft", data={"text": "secret draft words 12345", "channel": "post", "csrf_token": csrf})
    assert not any("secret draft words" in str(e) for e in audit_repo.entries(demo.ws.engine, 20))


def test_security_report_reaches_the_technology_director(demo: Demo) -> None:
    employee, csrf = _as(demo, "cbauman")
    r = employee.post(
        "/security-report",
        data={"summary": "Lab PC shows another user's mail", "details": "Room 12", "csrf_token": csrf},
    )
    assert r.status_code == 200 and "Thank you" in r.text
    td, _ = _as(demo, "bdecker")
    assert "Lab PC shows another user&#39;s mail" in td.get("/security-reports").text
    assert employee.get("/security-reports").status_code == 403
