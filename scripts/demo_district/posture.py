"""The sample district's posture sources: sign-in and audit events, a proxy log, an MDM
inventory, DHCP sightings, duty assignments, backup and restore-test reports, training records
and policy acknowledgements (written under posture/), with posture/expected.json naming every
planted finding and near miss. The Google users export (accounts/users.csv, written by
exports.py) is judged too; its planted properties (2-Step Verification not enrolled, never
signed in) are read back from that file.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from demo_district.people import District

AS_OF = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
NETWORK = "198.51.100"  # the district's public addresses (documentation range)
DOMAIN = "pccsd.example.org"


class Planted:
    def __init__(self) -> None:
        self.violations: list[dict[str, str | None]] = []
        self.near_misses: list[dict[str, str | None]] = []

    def add(self, file: str, line: int, rule: str, person: str | None, note: str, *, more: int = 0) -> None:
        position = f"line {line}" + (f" (+{more} more)" if more else "")
        self.violations.append({"file": file, "position": position, "rule": rule, "person_id": person, "note": note})

    def near(self, file: str, line: int, rule: str, note: str) -> None:
        self.near_misses.append(
            {"file": file, "position": f"line {line}", "rule": rule, "person_id": None, "note": note}
        )


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp()


def accounts(out: Path, d: District, p: Planted) -> None:
    with (out / "accounts" / "users.csv").open(encoding="utf-8-sig", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), 2):
            who = next(s.id for s in d.staff.values() if s.email == row["Email Address [Required]"])
            if row["2sv Enrollment Status [READ ONLY]"] == "Not Enrolled":
                p.add("accounts/users.csv", line, "two-factor-enrollment", who, "2-Step Verification not enrolled")
            if "Never" in row["Last Sign In [READ ONLY]"]:
                p.add("accounts/users.csv", line, "dormant-accounts", who, "account never signed in")


def entra_users(folder: Path, p: Planted) -> None:
    """The business office's Microsoft 365 tenant (Entra "User registration details" download)."""
    rows = [
        [
            "userPrincipalName",
            "userDisplayName",
            "isAdmin",
            "isMfaRegistered",
            "isMfaCapable",
            "accountEnabled",
            "lastSignInDateTime",
            "lastPasswordChangeDateTime",
        ],
        [
            f"bdecker@{DOMAIN}",
            "Brian Decker",
            "True",
            "True",
            "True",
            "True",
            "2026-11-19T14:00:00Z",
            "2026-06-01T08:00:00Z",
        ],
        [
            f"jkowalczyk@{DOMAIN}",
            "Joan Kowalczyk",
            "True",
            "True",
            "True",
            "True",
            "2026-11-18T15:00:00Z",
            "2026-05-01T08:00:00Z",
        ],
        [
            f"kholt@{DOMAIN}",
            "Karen Holt",
            "False",
            "True",
            "True",
            "True",
            "2026-11-19T13:00:00Z",
            "2025-03-02T08:00:00Z",
        ],
        [
            f"rhanson@{DOMAIN}",
            "Roger Hanson",
            "False",
            "True",
            "True",
            "True",
            "2026-11-02T13:00:00Z",
            "2026-02-01T08:00:00Z",
        ],
        [
            f"apruitt@{DOMAIN}",
            "Amy Pruitt",
            "False",
            "True",
            "True",
            "True",
            "2026-11-19T13:00:00Z",
            "2026-08-01T08:00:00Z",
        ],
    ]
    (folder / "entra-users.csv").write_text(_csv(rows), encoding="utf-8")
    f = "posture/entra-users.csv"
    p.add(f, 2, "admin-accounts-review", "stf-002", "the Technology Director's admin account, for the review")
    p.add(f, 3, "admin-accounts-review", "stf-004", "the board secretary holds admin rights")
    p.add(f, 3, "admin-accounts", "stf-004", "not on the approved administrator list")
    p.add(f, 4, "password-age", "stf-001", "password unchanged since March 2025")
    p.add(f, 5, "departed-staff-accounts", None, "no such person on the roster any more")
    p.near(f, 6, "password-age", "changed in August")


def _login(time: str, who: str, ip: str, name: str = "login_success") -> dict:
    return {
        "kind": "admin#reports#activity",
        "id": {"time": time, "uniqueQualifier": "1", "applicationName": "login", "customerId": "C0pccsd"},
        "actor": {"callerType": "USER", "email": f"{who}@{DOMAIN}"},
        "ipAddress": ip,
        "events": [{"type": "login", "name": name, "parameters": [{"name": "login_type", "value": "google_password"}]}],
    }


def _admin(time: str, name: str, owner: str, delegate: str) -> dict:
    return {
        "kind": "admin#reports#activity",
        "id": {"time": time, "uniqueQualifier": "2", "applicationName": "admin", "customerId": "C0pccsd"},
        "actor": {"callerType": "USER", "email": f"bdecker@{DOMAIN}"},
        "ipAddress": f"{NETWORK}.2",
        "events": [
            {
                "type": "USER_SETTINGS",
                "name": name,
                "parameters": [
                    {"name": "USER_EMAIL", "value": f"{owner}@{DOMAIN}"},
                    {"name": "DELEGATE", "value": f"{delegate}@{DOMAIN}"},
                ],
            }
        ],
    }


def signins(folder: Path, p: Planted) -> None:
    events = [
        _login("2026-10-05T13:55:00Z", "gbrandt", f"{NETWORK}.21"),
        _login("2026-10-05T14:00:00Z", "gmueller", f"{NETWORK}.22"),
        _login("2026-10-06T01:30:00Z", "phendricks", "203.0.113.45"),
        _login("2026-10-07T14:00:00Z", "tkaufman", f"{NETWORK}.25"),
        _login("2026-10-07T14:06:00Z", "tkaufman", "203.0.113.77"),
        _login("2026-10-07T19:00:00Z", "hnovak", "203.0.113.90", name="login_failure"),
        _admin("2026-10-12T15:00:00Z", "ADD_DELEGATE", "mjorgensen", "tbennett"),
        _admin("2026-10-30T15:00:00Z", "REMOVE_DELEGATE", "mjorgensen", "tbennett"),
    ]
    (folder / "signins.ndjson").write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    f = "posture/signins.ndjson"
    p.add(f, 3, "offsite-access-unapproved", "stf-013", "signed in from home in the evening")
    p.add(f, 5, "offsite-access-unapproved", "stf-025", "signed in from outside the district")
    p.add(f, 4, "account-sharing-signins", "stf-025", "school and an outside network six minutes apart", more=1)
    p.add(f, 7, "mailbox-access-others", "stf-033", "made a delegate of the principal's mailbox")
    p.near(f, 6, "offsite-access-unapproved", "a failed sign-in from outside is not access")
    p.near(f, 8, "mailbox-access-others", "removing a delegate is not access")


def proxy_log(folder: Path, p: Planted) -> None:
    blocks = [  # (UTC start, user, url, requests)
        ("2026-10-05T15:00:00", "emurphy", "https://www.facebook.com/", 30),
        ("2026-10-07T16:00:00", "emurphy", "https://www.instagram.com/", 25),
        ("2026-10-06T17:00:00", "mwright", "http://www.outlet-deals.example/cart", 24),
        ("2026-10-08T18:00:00", "mwright", "http://www.outlet-deals.example/checkout", 22),
        ("2026-10-05T15:30:00", "dfoster", "https://www.facebook.com/plugins/like", 6),
        ("2026-10-10T15:00:00", "cvogel", "https://www.facebook.com/", 30),
    ]
    for user, host in (
        ("gbrandt", "www.iowa.gov"),
        ("gmueller", "docs.google.com"),
        ("tkaufman", "www.khanacademy.org"),
    ):
        blocks.append(("2026-10-06T14:00:00", user, f"https://{host}/", 40))
    lines = []
    for start, user, url, n in blocks:
        for i in range(n):
            ts = _ts(start) + i * 37
            lines.append(
                (
                    ts,
                    f"{ts:.3f}    212 10.20.1.{len(user)} TCP_MISS/200 {4000 + i} GET {url} {user} "
                    "HIER_DIRECT/192.0.2.80 text/html\n",
                )
            )
    lines.sort()
    (folder / "access.log").write_text("".join(text for _, text in lines), encoding="utf-8")

    def first(user: str, day: str) -> int:
        return next(n for n, (_, text) in enumerate(lines, 1) if f" {user} " in text and _day(text) == day)

    f = "posture/access.log"
    p.add(f, first("emurphy", "2026-10-05"), "personal-use-web", "stf-021", "Facebook in class time: coaching")
    p.add(f, first("emurphy", "2026-10-07"), "personal-use-web-repeated", "stf-021", "Instagram two days later")
    p.add(f, first("mwright", "2026-10-06"), "external-sites-work-time", "stf-027", "shopping in work hours")
    p.add(f, first("mwright", "2026-10-08"), "external-sites-work-time-repeated", "stf-027", "shopping again")
    p.near(f, first("dfoster", "2026-10-05"), "personal-use-web", "six requests from an embedded Like button")
    p.near(f, first("cvogel", "2026-10-10"), "personal-use-web", "a Saturday is not work time")
    categories = folder / "categories" / "shopping"
    categories.mkdir(parents=True)
    (categories / "domains").write_text("# the sample district's shopping list (UT1 format)\noutlet-deals.example\n")


def _day(line: str) -> str:
    local = datetime.fromtimestamp(float(line.split()[0]), UTC).astimezone(ZoneInfo("America/Chicago"))
    return f"{local:%Y-%m-%d}"


def inventory(folder: Path, p: Planted) -> None:
    rows = [["Device name", "Primary user UPN", "Application name", "Application version", "Install date"]]
    for n, user in enumerate(("gbrandt", "emurphy", "gmueller", "wramirez"), 1):
        rows += [
            [f"PCHS-LAB-0{n}", f"{user}@{DOMAIN}", "Google Chrome", "129.0", "2026-08-10"],
            [f"PCHS-LAB-0{n}", f"{user}@{DOMAIN}", "Microsoft Office 365 ProPlus", "16.0", "2026-08-10"],
        ]
    rows.append(["PCHS-LAB-04", f"wramirez@{DOMAIN}", "Steam", "2.10.91", "2026-10-02"])
    (folder / "software.csv").write_text(_csv(rows), encoding="utf-8")
    p.add("posture/software.csv", len(rows), "personal-software-install", "stf-023", "a game store on a lab PC")
    p.near("posture/software.csv", 3, "personal-software-install", "Office is on the approved catalogue")
    sightings = [
        ["MAC Address", "Hostname", "User", "IP Address", "Lease Start"],
        ["3C-52-82-10-00-01", "PCHS-LAB-01", "gbrandt", "10.20.1.11", "2026-10-05 07:40:00"],
        ["3C-52-82-10-00-04", "PCHS-LAB-04", "wramirez", "10.20.1.14", "2026-10-05 07:45:00"],
        ["F0-18-98-AA-00-07", "wramirez-iphone", "wramirez", "10.20.1.99", "2026-10-05 08:02:00"],
        ["3C-52-82-10-00-40", "PCCSD-CART-03", "", "10.20.1.40", "2026-10-05 08:10:00"],
        ["F0-18-98-AA-00-07", "wramirez-iphone", "wramirez", "10.20.1.99", "2026-10-06 08:01:00"],
    ]
    (folder / "dhcp.csv").write_text(_csv(sightings), encoding="utf-8")
    p.add(
        "posture/dhcp.csv", 4, "personal-device-unknown", "stf-023", "a personal phone on the district network", more=1
    )
    p.near("posture/dhcp.csv", 5, "personal-device-unknown", "a district cart matches the known-device names")


def duties(folder: Path, p: Planted) -> None:
    rows = [
        ["person", "duty", "system"],
        [f"bdecker@{DOMAIN}", "backup_admin", "Veeam"],
        [f"bdecker@{DOMAIN}", "audit_log_admin", "Google Workspace"],
        ["stf-004", "request_payment", "Finance"],
        ["stf-001", "approve_payment", "Finance"],
    ]
    (folder / "duties.csv").write_text(_csv(rows), encoding="utf-8")
    p.add("posture/duties.csv", 2, "separation-of-duties", "stf-002", "backups and the audit log, one person", more=1)
    p.near("posture/duties.csv", 4, "separation-of-duties", "requesting and approving are different people")


def backups(folder: Path, p: Planted) -> None:
    rows = [["system", "job", "finished", "status", "size"]]
    for day in range(14, 21):
        rows.append(["SIS", "nightly", f"2026-11-{day} 02:10:00", "Success", "12.4 GB"])
    for day, status in (
        (15, "Success"),
        (16, "Success"),
        (17, "Failed"),
        (18, "Failed"),
        (19, "Failed"),
        (20, "Failed"),
    ):
        rows.append(["Finance", "nightly", f"2026-11-{day} 02:40:00", status, "3.1 GB" if status == "Success" else "0"])
    for when in ("2026-10-16", "2026-10-23", "2026-11-06", "2026-11-13", "2026-11-20"):
        rows.append(["Google-Vault", "weekly export", f"{when} 03:00:00", "Success", "41 GB"])
    (folder / "backups.csv").write_text(_csv(rows), encoding="utf-8")
    f = "posture/backups.csv"
    finance = [n for n, r in enumerate(rows, 1) if r[0] == "Finance"]
    p.add(f, finance[1], "backup-and-mail-archive", None, "Finance: last good backup four days old")
    p.add(f, finance[2], "backup-and-mail-archive", None, "Finance: four failed jobs in a row", more=3)
    vault = [n for n, r in enumerate(rows, 1) if r[0] == "Google-Vault"]
    p.add(f, vault[1], "backup-and-mail-archive", None, "mail archive not updated for two weeks", more=1)
    tests = [
        ["system", "restored", "tested", "duration", "by", "result"],
        ["SIS", "full database to the test server", "2026-08-10", "95 min", "bdecker", "Success"],
        ["Finance", "general ledger", "2025-06-01", "60 min", "bdecker", "Success"],
        ["Google-Vault", "one mailbox", "2026-09-15", "20 min", "bdecker", "Failed"],
    ]
    (folder / "restore-tests.csv").write_text(_csv(tests), encoding="utf-8")
    f = "posture/restore-tests.csv"
    p.add(f, 3, "disaster-recovery-test", None, "Finance last restored over a year ago")
    p.add(f, 4, "disaster-recovery-test", None, "the only mail-archive restore test failed")
    p.add(f, 0, "disaster-recovery-test", None, "no successful mail-archive restore test at all")
    p.near(f, 2, "disaster-recovery-test", "SIS restored in August")


def training(folder: Path, d: District, p: Planted) -> None:
    acks = [["person", "document", "signed", "version"]]
    for person in [*d.staff.values(), *d.volunteers.values()]:
        if person.id == "stf-031":
            continue  # never signed
        r1 = "2025-08-15" if person.id == "stf-032" else "2026-08-20"
        acks += [[person.id, "401.13", "2026-08-20", "2023-01-25"], [person.id, "401.13R1", r1, "2023-01-25"]]
    (folder / "acknowledgements.csv").write_text(_csv(acks), encoding="utf-8")
    stale = next(n for n, r in enumerate(acks, 1) if r[0] == "stf-032" and r[1] == "401.13R1")
    f = "posture/acknowledgements.csv"
    p.add(f, stale, "policy-acknowledgement", "stf-032", "last signed the regulation in August 2025")
    p.add(f, 0, "policy-acknowledgement", "stf-031", "never acknowledged the policy")
    rows = [["person", "course", "assigned", "due"]] + [
        [pid, "TECH-101", "2026-08-20", "2026-10-30"] for pid in ("stf-020", "stf-021", "stf-022")
    ]
    (folder / "assignments.csv").write_text(_csv(rows), encoding="utf-8")
    done = [
        ["person", "course", "completed"],
        ["stf-020", "TECH-101", "2026-10-12"],
        ["stf-021", "TECH-101", "2026-10-29"],
    ]
    (folder / "completions.csv").write_text(_csv(done), encoding="utf-8")
    p.add("posture/assignments.csv", 4, "in-service-training", "stf-022", "TECH-101 overdue since October 30")


def write_posture(d: District, out: Path) -> None:
    folder = out / "posture"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    p = Planted()
    accounts(out, d, p)
    entra_users(folder, p)
    signins(folder, p)
    proxy_log(folder, p)
    inventory(folder, p)
    duties(folder, p)
    backups(folder, p)
    training(folder, d, p)
    manifest = {
        "as_of": AS_OF.isoformat(),
        "settings": {
            "district_networks": [f"{NETWORK}.0/24"],
            "approved_admins": [f"bdecker@{DOMAIN}"],
            "known_devices": ["pccsd-*"],
            "backup_targets": {
                "sis": {"max_age_hours": 26},
                "finance": {"max_age_hours": 26, "failed_streak": 3},
                "google-vault": {"max_age_hours": 170, "mail_archive": True},
            },
            "web": {"categories_path": "categories", "non_work_categories": ["shopping"]},
        },
        "imports": [
            {"kind": "google-users", "files": ["../accounts/users.csv"]},
            {"kind": "entra-users", "files": ["entra-users.csv"]},
            {"kind": "google-activity", "files": ["signins.ndjson"]},
            {"kind": "squid", "files": ["access.log"]},
            {"kind": "software", "files": ["software.csv"]},
            {"kind": "devices", "files": ["dhcp.csv"]},
            {"kind": "duties", "files": ["duties.csv"]},
            {"kind": "backups", "files": ["backups.csv"]},
            {"kind": "restore-tests", "files": ["restore-tests.csv"]},
            {"kind": "training", "files": ["acknowledgements.csv", "assignments.csv", "completions.csv"]},
        ],
    }
    header = "# The sample district's posture sources, imported by `aupguard demo` (docs/posture.md).\n"
    (folder / "manifest.yaml").write_text(header + yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    order = sorted(p.violations, key=lambda v: (str(v["file"]), str(v["position"]), str(v["rule"])))
    expected = {"as_of": AS_OF.isoformat(), "violations": order, "near_misses": p.near_misses}
    (folder / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
