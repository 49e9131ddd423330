"""`posture import` end to end: items archived, findings stored through the engine (clause,
routing, coverage by permissions), re-import adds nothing, errors recorded with file:line,
the summary and the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from aupguard.cli.reference import build_app
from aupguard.model import Permission
from aupguard.posture.run import run_import
from aupguard.posture.summary import summarize
from aupguard.store import audit_repo, findings_repo, permissions_repo
from aupguard.store.tables import items, scan_errors
from aupguard.workspace import Workspace
from tests.posture.conftest import AS_OF, DOMAIN, email, write
from tests.posture.test_accounts import google_export
from tests.posture.test_signins import activity, reports_file
from tests.posture.test_web import native

runner = CliRunner()


def rows(ws: Workspace, **filters: str) -> list[dict]:
    return findings_repo.query_findings(ws.engine, **filters)  # type: ignore[arg-type]


def grant(ws: Workspace, kind: str, grantee: str, **scope: list[str]) -> None:
    permissions_repo.add(ws.engine, Permission(kind, grantee, "td", datetime(2026, 1, 1, tzinfo=UTC), scope=scope))


def test_accounts_import_stores_routes_and_is_idempotent(district: Workspace, tmp_path: Path) -> None:
    export = google_export(tmp_path / "users.csv", ["old-password", "unapproved-admin", "departed", "fresh-password"])
    result = run_import(district, "google-users", [export], as_of=AS_OF)
    assert result.errors == []
    found = {(f["rule_id"], f["person_id"], f["clause_id"], f["reviewer"]) for f in rows(district)}
    assert found == {
        ("password-age", "t1", "401.13R1/general/passwords", "td"),
        ("admin-accounts", "t2", "401.13/procedures/system-administration", "td"),
        ("admin-accounts-review", "t2", "401.13/procedures/system-administration", "td"),
        ("departed-staff-accounts", "gone", "401.13/procedures/system-administration", "td"),
    }
    assert result.findings == 4
    # Evidence: a log item whose archived bytes are the export's header and the account's row.
    finding = rows(district, rule="password-age")[0]
    raw = district.blobs.get(finding["item_id"]).decode()
    assert raw.startswith("First Name [Required]") and email("t1") in raw and raw.count("\n") == 2
    with district.engine.connect() as conn:
        assert conn.execute(select(items.c.channel).where(items.c.id == finding["item_id"])).scalar_one() == "log"
        n_items = conn.execute(select(func.count()).select_from(items)).scalar_one()
    again = run_import(district, "google-users", [export], as_of=AS_OF)
    assert again.findings == 0 and len(rows(district)) == 4
    with district.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(items)).scalar_one() == n_items


def test_a_finding_about_the_technology_director_goes_to_the_superintendent(
    district: Workspace, set_posture: Callable[..., None], tmp_path: Path
) -> None:
    set_posture(approved_admins=[email("td")])
    export = google_export(tmp_path / "users.csv", ["approved-admin"])
    run_import(district, "google-users", [export], as_of=AS_OF)
    assert [(f["rule_id"], f["reviewer"]) for f in rows(district)] == [("admin-accounts-review", "sup")]


def test_offsite_access_covered_by_permission(
    district: Workspace, set_posture: Callable[..., None], tmp_path: Path
) -> None:
    set_posture(district_networks=["198.51.100.0/24"])
    grant(district, "offsite_access", "t2")
    events = [activity("2026-10-05T23:00:00Z", email(p), "203.0.113.9") for p in ("t1", "t2")]
    result = run_import(district, "google-activity", [reports_file(tmp_path, events)])
    assert (result.findings, result.covered) == (2, 1)
    assert {(f["person_id"], f["status"]) for f in rows(district, rule="offsite-access-unapproved")} == {
        ("t1", "open"),
        ("t2", "covered"),
    }


def test_mailbox_delegation_covered_only_for_the_granted_mailbox(district: Workspace, tmp_path: Path) -> None:
    grant(district, "mailbox_access", "t1", mailboxes=[email("prin")])
    events = [
        activity(
            "2026-10-05T14:00:00Z",
            email("td"),
            "198.51.100.7",
            name="ADD_DELEGATE",
            app="admin",
            USER_EMAIL=email(owner),
            DELEGATE=email("t1"),
        )
        for owner in ("prin", "t2")
    ]
    run_import(district, "google-activity", [reports_file(tmp_path, events)])
    status = {f["evidence"][0].data["mailbox"]: f["status"] for f in rows(district, rule="mailbox-access-others")}
    assert status == {email("prin"): "covered", email("t2"): "open"}


def test_software_permission_and_managed_devices(
    district: Workspace, set_posture: Callable[..., None], tmp_path: Path
) -> None:
    set_posture(approved_software=["Google Chrome"])
    grant(district, "personal_software", "t1", software=["Steam"])
    inventory = write(
        tmp_path / "mdm.csv",
        "Device name,Primary user UPN,Application name,Application version\n"
        f"HS-LAB-01,t1@{DOMAIN},Steam,2.1\nHS-LAB-01,t1@{DOMAIN},Zoom,6.0\n"
        f"HS-LAB-01,t1@{DOMAIN},Google Chrome,129\n",
    )
    run_import(district, "software", [inventory])
    assert {(f["evidence"][0].text, f["status"]) for f in rows(district, rule="personal-software-install")} == {
        ("Steam", "covered"),
        ("Zoom", "open"),
    }
    dhcp = write(
        tmp_path / "dhcp.csv",
        "mac,hostname,user,time\naa:bb:cc:00:00:01,HS-LAB-01,t1,2026-10-05 08:00\n"
        "aa:bb:cc:00:00:02,sams-phone,t1,2026-10-05 08:00\n",
    )
    run_import(district, "devices", [dhcp])
    assert [f["evidence"][0].data["hostname"] for f in rows(district, rule="personal-device-unknown")] == ["sams-phone"]


def test_web_use_first_then_repeat_across_imports(district: Workspace, tmp_path: Path) -> None:
    day1 = write(tmp_path / "a.log", native("2026-10-05T14:00:00", "t1", "https://www.facebook.com/", 25))
    day2 = write(tmp_path / "b.log", native("2026-10-07T14:00:00", "t1", "https://www.facebook.com/", 25))
    run_import(district, "squid", [day1])
    run_import(district, "squid", [day2])
    assert [(f["rule_id"], f["severity"], f["reviewer"]) for f in rows(district)] == [
        ("personal-use-web-repeated", "medium", "prin"),
        ("personal-use-web", "low", "prin"),
    ]


def test_bad_rows_are_recorded_with_file_and_line(district: Workspace, tmp_path: Path) -> None:
    log = write(tmp_path / "a.log", "garbage\n" + native("2026-10-05T14:00:00", "t1", "https://x.com/", 2))
    result = run_import(district, "squid", [log])
    assert result.records == 2 and len(result.errors) == 1
    with district.engine.connect() as conn:
        stored = conn.execute(select(scan_errors.c.source, scan_errors.c.position)).all()
    assert [(s, p) for s, p in stored] == [(str(log), "line 1")]


def test_summary_and_cli(district: Workspace, tmp_path: Path) -> None:
    app = build_app()
    export = google_export(tmp_path / "users.csv", ["old-password", "dormant", "fresh-password"])
    result = runner.invoke(
        app,
        ["posture", "import", "google-users", str(export), "--as-of", "2026-10-15T12:00:00"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "3 records read" in result.stdout and "2 new findings" in result.stdout
    result = runner.invoke(app, ["posture", "--format", "json"], catch_exceptions=False)
    data = json.loads(result.stdout)
    by_rule = {r["rule"]: r for c in data["clauses"] for r in c["rules"]}
    assert by_rule["password-age"]["open"] == 1 and by_rule["dormant-accounts"]["people"] == 1
    assert by_rule["backup-and-mail-archive"]["open"] == 0
    assert [i["kind"] for i in data["imports"]] == ["google-users"]
    table = runner.invoke(app, ["posture"], catch_exceptions=False).stdout
    assert "401.13R1/general/passwords" in table and "google-users" in table
    actions = [e["action"] for e in audit_repo.entries(district.engine)]
    assert "posture.import" in actions and "posture.summary" in actions
    bad = runner.invoke(app, ["posture", "import", "nonsense", str(export)])
    assert bad.exit_code == 2 and "unknown kind" in bad.output


def test_training_summary_by_building(district: Workspace, tmp_path: Path) -> None:
    acks = write(tmp_path / "acks.csv", "person,document,signed\nt1,401.13,2026-08-15\nt1,401.13R1,2026-08-15\n")
    run_import(district, "training", [acks], as_of=AS_OF)
    data = summarize(district)
    rule = next(r for c in data["clauses"] for r in c["rules"] if r["rule"] == "policy-acknowledgement")
    assert rule["by_building"] == {"(no building)": 2, "Prairie High School": 3, "Prairie Middle School": 1}


def test_a_permission_granted_later_covers_the_stored_finding(
    district: Workspace, set_posture: Callable[..., None], tmp_path: Path
) -> None:
    set_posture(approved_software=[])
    inventory = write(tmp_path / "mdm.csv", f"device,user,app\nHS-LAB-01,t1@{DOMAIN},Steam\n")
    run_import(district, "software", [inventory])
    assert [f["status"] for f in rows(district)] == ["open"]
    grant(district, "personal_software", "t1", software=["steam"])
    moved = permissions_repo.rejudge(district.engine, district.rulesets(), "t1", "test", "granted")
    assert moved == {"covered": 1, "reopened": 0}
    assert [f["status"] for f in rows(district)] == ["covered"]


def test_item_times_are_stored_in_utc(district: Workspace, tmp_path: Path) -> None:
    log = write(tmp_path / "a.log", native("2026-10-05T14:00:00", "t1", "https://x.com/", 25))
    run_import(district, "squid", [log])
    (finding,) = rows(district)
    # the local day (America/Chicago) starts at 05:00 UTC
    assert finding["item_time"] == datetime(2026, 10, 5, 5, 0, tzinfo=UTC)
