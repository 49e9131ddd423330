"""Personal software and devices, backups and e-mail archiving, restore tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from aupguard.model import ReadError
from aupguard.posture.checks.inventory import check_sightings, check_software, managed_devices
from aupguard.posture.checks.operations import check_backups, check_restore_tests
from aupguard.posture.readers.inventory import normalize_mac, read_sightings, read_software
from aupguard.posture.readers.operations import read_backup_jobs, read_restore_tests
from tests.posture.conftest import DOMAIN, context, write

CATALOGUE = ["Google Chrome", "Microsoft Office*"]

INTUNE = """Device name,Primary user UPN,Application name,Application version,Install date
HS-LAB-01,t1@{d},Google Chrome,129.0,2026-09-01
HS-LAB-01,t1@{d},Microsoft Office 365 ProPlus,16.0,2026-09-01
HS-LAB-01,t1@{d},Steam,2.10,2026-10-02
HS-LAB-01,t1@{d},Steam,2.10,2026-10-02
HS-LAB-02,t2@{d},uTorrent,3.6,2026-10-03
HS-LAB-02,t2@{d},,1.0,2026-10-03
"""
JAMF = """Computer Name,Username,Application Title,Application Version
MS-MAC-07,t2,Minecraft,1.21
MS-MAC-07,t2,Google Chrome,129.0
"""


def test_software_not_on_the_catalogue(tmp_path: Path) -> None:
    errors: list[ReadError] = []
    installs = read_software(write(tmp_path / "intune.csv", INTUNE.format(d=DOMAIN)), errors)
    installs += read_software(write(tmp_path / "jamf.csv", JAMF), errors)
    assert [(e.position, e.reason) for e in errors] == [("line 7", "no application name")]
    found = [
        (s.text, s.data["device"], s.data.get("staff_id"))
        for o in check_software(installs, context(approved_software=CATALOGUE))
        for s in o.signals
    ]
    assert found == [("Steam", "HS-LAB-01", "t1"), ("uTorrent", "HS-LAB-02", "t2"), ("Minecraft", "MS-MAC-07", "t2")]
    assert managed_devices(installs) == {"hs-lab-01", "hs-lab-02", "ms-mac-07"}


SIGHTINGS = """MAC Address,Hostname,User,IP Address,Lease Start
AA-BB-CC-00-00-01,HS-LAB-01,t1,10.1.2.3,2026-10-05 08:00:00
aabb.cc00.0002,PCCSD-CART-12,,10.1.2.4,2026-10-05 08:00:00
AA:BB:CC:00:00:03,sams-iphone,t1,10.1.2.5,2026-10-05 08:10:00
AA:BB:CC:00:00:03,sams-iphone,t1,10.1.2.5,2026-10-06 08:10:00
AA:BB:CC:00:00:04,printer-2,,10.1.2.6,2026-10-05 08:10:00
not-a-mac,x,,10.1.2.7,2026-10-05 08:10:00
"""


def test_unknown_devices(tmp_path: Path) -> None:
    errors: list[ReadError] = []
    sightings = read_sightings(write(tmp_path / "dhcp.csv", SIGHTINGS), errors)
    assert [e.position for e in errors] == ["line 7"]
    ctx = context(known_devices=["pccsd-*", "aa:bb:cc:00:00:04"])
    ctx.managed_devices = {"hs-lab-01"}
    found = check_sightings(sightings, ctx)
    assert [(o.signals[0].data["mac"], o.signals[0].data.get("staff_id")) for o in found] == [
        ("aa:bb:cc:00:00:03", "t1")
    ]
    assert found[0].item.raw.count(b"sams-iphone") == 2  # both sightings are the evidence


@pytest.mark.parametrize(
    ("raw", "mac"),
    [
        ("AA-BB-CC-DD-EE-FF", "aa:bb:cc:dd:ee:ff"),
        ("aabb.ccdd.eeff", "aa:bb:cc:dd:ee:ff"),
        ("AA:BB:CC:DD:EE", None),
        ("", None),
    ],
)
def test_normalize_mac(raw: str, mac: str | None) -> None:
    assert normalize_mac(raw) == mac


BACKUPS = """system,job,finished,status,size
SIS,nightly,2026-10-14 02:00:00,Success,12 GB
SIS,nightly,2026-10-15 02:00:00,Success,12 GB
Finance,nightly,2026-10-05 02:00:00,Success,3 GB
Finance,nightly,2026-10-06 02:00:00,Failed,0
Finance,nightly,2026-10-07 02:00:00,Failed,0
Finance,nightly,2026-10-08 02:00:00,Failed,0
Vault,export,2026-10-01 03:00:00,Success,40 GB
Vault,export,2026-10-09 03:00:00,Success,40 GB
Vault,export,2026-10-15 03:00:00,Success,40 GB
Payroll,nightly,yesterday,Success,1 GB
"""


def test_backups(tmp_path: Path) -> None:
    errors: list[ReadError] = []
    jobs = read_backup_jobs(write(tmp_path / "backups.csv", BACKUPS), errors)
    assert [e.position for e in errors] == ["line 11"]
    targets = {
        "sis": {"max_age_hours": 26},
        "finance": {"max_age_hours": 26, "failed_streak": 3},
        "vault": {"max_age_hours": 170, "mail_archive": True},
        "transport": {},
    }
    found = sorted(
        (s.kind, s.data["system"])
        for o in check_backups(jobs, context(backup_targets=targets), "b.csv")
        for s in o.signals
    )
    assert found == [
        ("posture.backup_failed_streak", "finance"),
        ("posture.backup_stale", "finance"),
        ("posture.backup_stale", "transport"),  # a target with no report at all
        ("posture.mail_archive_gap", "vault"),  # 10-01 to 10-09 is more than 170 hours
    ]


def test_backup_report_as_json(tmp_path: Path) -> None:
    doc = '{"jobs": [{"System": "SIS", "Job": "nightly", "Finished": "2026-10-15T02:00:00Z", "Status": "Success"}]}'
    jobs = read_backup_jobs(write(tmp_path / "backups.json", doc), [])
    assert check_backups(jobs, context(backup_targets={"sis": {}}), "b.json") == []


RESTORES = """system,restored,tested,duration,by,result
SIS,full database to test server,2026-03-01,95 min,td,Success
Finance,general ledger,2024-06-01,60 min,td,Success
Vault,one mailbox,2026-09-01,20 min,td,Failed
"""


def test_restore_tests(tmp_path: Path) -> None:
    tests = read_restore_tests(write(tmp_path / "restore.csv", RESTORES), [])
    targets = {"sis": {}, "finance": {}, "vault": {}, "transport": {"restore_test": False}, "payroll": {}}
    found = sorted(
        (s.kind, s.data["system"])
        for o in check_restore_tests(tests, context(backup_targets=targets), "r.csv")
        for s in o.signals
    )
    assert found == [
        ("posture.restore_test_failed", "vault"),
        ("posture.restore_test_missing", "finance"),  # older than a year
        ("posture.restore_test_missing", "payroll"),  # never tested
        ("posture.restore_test_missing", "vault"),  # its only test failed
    ]
