"""The scan pipeline end to end on a small hand-made district: counts add up, re-scan adds nothing,
bad input is recorded, workers give the same result as one process, permissions cover and reopen."""

from __future__ import annotations

import gc
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aupguard.cli.demo_cmd import demo_district_dir, load_demo_district
from aupguard.directory.batch import DirectoryBatch
from aupguard.model import Account, Permission
from aupguard.scanning import ProgressSink, scan
from aupguard.store import directory_repo, findings_repo, permissions_repo
from aupguard.store.tables import evidence, findings, item_sources, items, scan_errors, scans
from aupguard.workspace import Workspace
from tests.small_district import seed_directory


def add_handles(ws: Workspace, *handles: tuple[str, str]) -> None:
    """Social handle accounts ("platform:name", person id) for the small district's people."""
    accounts = [Account(handle, "handle", person, False, handle.split(":")[0]) for handle, person in handles]
    directory_repo.upsert(ws.engine, DirectoryBatch(source="handles", accounts=accounts), "handles")


def count(ws: Workspace, table) -> int:  # type: ignore[no-untyped-def]
    with ws.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_scan_counts_add_up_and_rescan_adds_nothing(workspace: Workspace, mail: Path) -> None:
    seed_directory(workspace)
    first = scan(workspace, [mail])
    assert first.read == first.items + first.errors + first.skipped
    assert first.errors >= 2  # the garbage file and the undated text
    rules = {r["rule_id"] for r in findings_repo.query_findings(workspace.engine)}
    assert "student-info-external" in rules
    state = {t.name: count(workspace, t) for t in (items, item_sources, findings, evidence, scan_errors)}
    again = scan(workspace, [mail])
    assert (again.read, again.items, again.errors) == (first.read, first.items, first.errors)
    assert {t.name: count(workspace, t) for t in (items, item_sources, findings, evidence, scan_errors)} == state


def test_each_stored_finding_is_reported_once_as_the_scan_goes(
    workspace: Workspace, mail: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from aupguard import scanning

    seed_directory(workspace)
    copy = shutil.copytree(mail, tmp_path / "the same mail again")
    monkeypatch.setattr(scanning, "BATCH", 2)  # the copies land in other batches
    monkeypatch.setattr(scanning, "REPORT_FINDINGS_AFTER", 1)  # read back after every batch
    calls: list[list[tuple[str, str]]] = []
    counts = scan(
        workspace, [mail, copy], on_findings=lambda rows: calls.append([(r["item_id"], r["rule_id"]) for r in rows])
    )
    reported = [key for call in calls for key in call]
    stored = [(r["item_id"], r["rule_id"]) for r in findings_repo.query_findings(workspace.engine)]
    assert len(calls) > 1  # as the scan went, not all at the end
    assert sorted(reported) == sorted(stored)  # every stored finding once, though read twice
    assert counts.findings == len(stored) > 0
    assert counts.covered == sum(1 for r in findings_repo.query_findings(workspace.engine) if r["status"] == "covered")


def test_findings_cite_clause_and_only_the_disclosure(workspace: Workspace, mail: Path) -> None:
    seed_directory(workspace)
    scan(workspace, [mail])
    rows = findings_repo.query_findings(workspace.engine, rule="student-info-external")
    assert len(rows) == 1  # the note to the student's own parent is not a disclosure
    row = rows[0]
    assert row["clause_id"] == "401.13/external/confidential"
    assert row["person_id"] == "t1" and row["reviewer"] == "prin" and row["status"] == "open"
    assert row["source"][0].endswith("leak.eml")
    kinds = {s.kind for s in row["evidence"]}
    assert "student.name" in kinds
    name = next(s for s in row["evidence"] if s.kind == "student.name")
    assert name.text == "Marisol Lindqvist" and name.explanation


def test_errors_are_recorded_with_reasons(workspace: Workspace, mail: Path) -> None:
    seed_directory(workspace)
    scan(workspace, [mail])
    with workspace.engine.connect() as conn:
        errs = conn.execute(select(scan_errors.c.source, scan_errors.c.position, scan_errors.c.reason)).all()
    assert any(e.source.endswith("texts.csv") and "line 3" in e.position and e.reason for e in errs)
    assert all(e.reason.strip() for e in errs)


def test_errors_of_a_fixed_export_no_longer_stand_after_a_rescan(workspace: Workspace, tmp_path: Path) -> None:
    """A user fixes a bad row, or saves an unreadable file in a readable form, and scans it
    again: `aupguard errors` lists only what still stands; the first scan's record keeps its count."""
    export = tmp_path / "texts.csv"
    good = "+15155550100,+15155550101,2026-09-01T10:00:00Z,ok\n"
    export.write_text("sender,recipients,sent_at,body\n" + good + "+15155550100,+15155550101,someday,hi\n")
    whole = tmp_path / "semi.csv"
    whole.write_text("who,what\n1,2\n")  # a whole-file error: not a text export
    other = tmp_path / "other.csv"
    other.write_text("sender,recipients,sent_at,body\n+15155550100,+15155550101,someday,still bad\n")

    def standing() -> set[tuple[str, str]]:
        with workspace.engine.connect() as conn:
            rows = conn.execute(select(scan_errors.c.source, scan_errors.c.position)).all()
        return {(Path(r.source).name, r.position) for r in rows}

    first = scan(workspace, [export, whole, other])
    assert first.errors == 3
    assert standing() == {("texts.csv", "line 3"), ("semi.csv", ""), ("other.csv", "line 2")}

    export.write_text("sender,recipients,sent_at,body\n" + good + "+15155550100,+15155550101,2026-09-02T10:00:00Z,hi\n")
    whole.write_text("sender;recipients;sent_at;body\n+15155550100;+15155550101;2026-09-03T10:00:00Z;now read\n")
    again = scan(workspace, [export, whole, other])
    assert (again.items, again.errors) == (3, 1)
    assert standing() == {("other.csv", "line 2")}  # the file not fixed keeps its error
    with workspace.engine.connect() as conn:
        recorded = conn.execute(select(scans.c.counts).order_by(scans.c.id)).scalars().all()
    assert [c["errors"] for c in recorded] == [3, 1]


def test_since_until_window(workspace: Workspace, mail: Path) -> None:
    seed_directory(workspace)
    c = scan(workspace, [mail], since=datetime(2026, 10, 15, tzinfo=UTC))
    assert c.skipped >= 3 and c.read == c.items + c.errors + c.skipped
    assert findings_repo.query_findings(workspace.engine, rule="student-info-external") == []


def test_workers_match_single_process(
    workspace: Workspace, mail: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import fresh_database

    seed_directory(workspace)
    one = scan(workspace, [mail], workers=1)
    rows_one = sorted((r["item_id"], r["rule_id"]) for r in findings_repo.query_findings(workspace.engine))
    with fresh_database() as url:
        if url:
            monkeypatch.setenv("AUPGUARD_DATABASE_URL", url)
        other = Workspace.init(tmp_path / "ws2")
        seed_directory(other)
        two = scan(other, [mail], workers=2)
        rows_two = sorted((r["item_id"], r["rule_id"]) for r in findings_repo.query_findings(other.engine))
        other.close()
    assert (one.items, one.errors, one.findings) == (two.items, two.errors, two.findings)
    assert rows_one == rows_two
    # The start-up (directory, pack, models; with workers also the warm-up) is part of the total.
    for counts in (one, two):
        assert 0 < counts.start_seconds < counts.stage_seconds["total"]


def _record_threshold(into: list[tuple[int, int, int]]) -> ProgressSink:
    return lambda *_: into.append(gc.get_threshold())


def test_a_scan_collects_garbage_in_larger_steps_then_restores_the_thresholds(workspace: Workspace, mail: Path) -> None:
    from aupguard.scanning import SCAN_GC_THRESHOLD

    before = gc.get_threshold()
    assert before != SCAN_GC_THRESHOLD
    for workers in (1, 2):
        during: list[tuple[int, int, int]] = []
        counts = scan(workspace, [mail], workers=workers, on_progress=_record_threshold(during))
        assert counts.read > 0 and during
        assert set(during) == {SCAN_GC_THRESHOLD}
        assert gc.get_threshold() == before


def test_permission_covers_then_revocation_reopens(workspace: Workspace, mail: Path) -> None:
    seed_directory(workspace)
    scan(workspace, [mail])
    (row,) = findings_repo.query_findings(workspace.engine, rule="student-info-external")
    p = Permission("post_confidential", "t1", "sup", valid_from=datetime(2026, 9, 1, tzinfo=UTC))
    permissions_repo.add(workspace.engine, p)
    moved = permissions_repo.rejudge(workspace.engine, workspace.rulesets(), "t1", "test", "granted")
    assert moved["covered"] >= 1
    (row,) = findings_repo.query_findings(workspace.engine, rule="student-info-external")
    assert row["status"] == "covered" and row["permission_id"] == p.id
    # Revoked before the item happened: no longer covers it; the finding reopens, not vanishes.
    assert p.id is not None
    permissions_repo.revoke(workspace.engine, p.id, datetime(2026, 10, 1, tzinfo=UTC), "test", "ended")
    moved = permissions_repo.rejudge(workspace.engine, workspace.rulesets(), "t1", "test", "revoked")
    assert moved["reopened"] >= 1
    (row,) = findings_repo.query_findings(workspace.engine, rule="student-info-external")
    assert row["status"] == "open" and row["permission_id"] is None


def test_dev_corpus_scans_with_every_record_accounted_for(workspace: Workspace) -> None:
    """Every message of the dev-data email corpus is scanned or recorded as an error; no
    detector or parser failure takes a record down (they would show up as errors here)."""
    from tests.conftest import dev_data

    corpus = dev_data("email_rfc5322_corpus")
    seed_directory(workspace)
    counts = scan(workspace, [corpus], workers=2)
    assert counts.read == counts.items + counts.errors + counts.skipped
    assert counts.items > 1000
    with workspace.engine.connect() as conn:
        reasons = list(conn.execute(select(scan_errors.c.reason)).scalars())
    assert len(reasons) == counts.errors
    assert not [r for r in reasons if r.startswith(("detector failed", "parser failed"))]


def test_nul_characters_in_mail_are_stored_on_every_backend(workspace: Workspace, tmp_path: Path) -> None:
    # PostgreSQL refuses NUL in text and JSONB; real mail carries them (the Enron sample does).
    raw = b"From: a@x.example\r\nTo: b@y.example\r\nSubject: nul\x00here\r\n\r\nbody with \x00 inside\r\n"
    (tmp_path / "nul.eml").write_bytes(raw)
    counts = scan(workspace, [tmp_path / "nul.eml"])
    assert (counts.items, counts.errors) == (1, 0)
    with workspace.engine.connect() as conn:
        body = conn.execute(select(items.c.body)).scalar_one()
    assert "\x00" not in body and "inside" in body
    (stored,) = workspace.blobs.ids()
    assert workspace.blobs.get(stored) == raw


def test_an_instagram_export_folder_scans_to_a_connection_finding(workspace: Workspace, tmp_path: Path) -> None:
    """A staff member's own Instagram download, unzipped: the student they follow is a finding
    under the connect-students clause; the rest of the export is listed, not silently dropped."""
    seed_directory(workspace)
    add_handles(workspace, ("instagram:sam.ortiz", "t1"), ("instagram:marisol.l", "s1"))
    export = tmp_path / "downloads" / "instagram-sam.ortiz-2026-11-20-Q1w2E3"
    root = export / "connections" / "followers_and_following"
    root.mkdir(parents=True)
    followed = {"title": "marisol.l", "string_list_data": [{"href": "https://www.instagram.com/_u/marisol.l",
                                                            "timestamp": 1730000000}]}  # fmt: skip
    (root / "following.json").write_text(json.dumps({"relationships_following": [followed]}))
    (export / "logged_information.json").write_text(json.dumps({"account_history_login_history": []}))

    counts = scan(workspace, [tmp_path / "downloads"])
    assert (counts.items, counts.errors) == (1, 1)
    (found,) = findings_repo.query_findings(workspace.engine)
    assert found["clause_id"] == "401.13/external/connect-students" and found["person_id"] == "t1"
    assert "Marisol Lindqvist" in found["evidence"][0].explanation


def test_a_tiktok_download_scans_to_a_connection_finding(workspace: Workspace, tmp_path: Path) -> None:
    """A teacher's TikTok download (JSON): following a student is a finding under the
    connect-students clause; its direct messages are said to be unread, not silently dropped."""
    seed_directory(workspace)
    add_handles(workspace, ("tiktok:sam.ortiz", "t1"), ("tiktok:marisol.l", "s1"))
    download = {
        "Profile And Settings": {
            "Profile Info": {"ProfileMap": {"userName": "sam.ortiz"}},
            "Following": {"Following": [{"Date": "2024-10-27 03:33:20", "UserName": "marisol.l"}]},
            "Follower": {"FansList": None},
        },
        "Direct Message": {"Direct Messages": {"ChatHistory": {"Chat History with marisol.l:": [{"Content": "hi"}]}}},
    }
    folder = tmp_path / "TikTok_Data_1730000000"
    folder.mkdir()
    (folder / "user_data_tiktok.json").write_text(json.dumps(download))

    counts = scan(workspace, [folder])
    assert (counts.items, counts.errors) == (1, 1)
    (found,) = findings_repo.query_findings(workspace.engine)
    assert found["clause_id"] == "401.13/external/connect-students" and found["person_id"] == "t1"
    assert "Marisol Lindqvist" in found["evidence"][0].explanation and "tiktok" in found["evidence"][0].explanation


def test_a_coachs_phone_backup_scans_to_group_text_findings(workspace: Workspace, tmp_path: Path) -> None:
    """The sample district's volleyball coach, his personal phone saved by SMS Backup & Restore:
    a one-to-one text to a player and a group text that leaves out most of the team and the
    principal are findings under the coaches' text-list clause, named by who is missing."""
    load_demo_district(workspace, demo_district_dir())
    backup = tmp_path / "phone" / "sms-+13195550191.xml"  # stf-010's personal number in the name
    backup.parent.mkdir()
    backup.write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"2\">\n"
        '<sms address="(515) 555-0187" date="1730000100000" type="2" body="Come by after practice" />\n'
        '<mms date="1730000300000" msg_box="2"><parts><part ct="text/plain" text="Bus leaves at 3" /></parts>'
        '<addrs><addr address="+13195550191" type="137" /><addr address="+15155550187" type="151" />'
        '<addr address="+13195550189" type="151" /></addrs></mms>\n</smses>\n'
    )
    counts = scan(workspace, [backup.parent])
    assert (counts.items, counts.errors) == (2, 0)
    found = findings_repo.query_findings(workspace.engine, rule="group-text-incomplete")
    kinds = {s.kind for f in found for s in f["evidence"]}
    assert {f["person_id"] for f in found} == {"stf-010"} and len(found) == 2
    assert {"group_text.one_to_one", "group_text.incomplete", "group_text.principal_missing"} <= kinds


def test_a_facebook_post_naming_a_student_is_a_confidential_information_finding(
    workspace: Workspace, tmp_path: Path
) -> None:
    seed_directory(workspace)
    add_handles(workspace, ("facebook:sam.ortiz", "t1"))
    posts = tmp_path / "downloads" / "facebook-sam.ortiz-2026-11-20-Zx9" / "your_facebook_activity" / "posts"
    posts.mkdir(parents=True)
    (posts / "your_posts__check_ins__photos_and_videos_1.json").write_text(json.dumps([
        {"timestamp": 1729000000, "data": [{"post": "So proud of Marisol Lindqvist at state today!"}]},
        {"timestamp": 1729100000, "data": [{"post": "Bus leaves at 3."}]},
    ]))  # fmt: skip
    counts = scan(workspace, [tmp_path / "downloads"])
    assert (counts.items, counts.errors) == (2, 0)
    (found,) = findings_repo.query_findings(workspace.engine)
    assert found["rule_id"] == "student-info-external" and found["person_id"] == "t1"
    assert any(s.text == "Marisol Lindqvist" for s in found["evidence"])


def test_a_zipped_export_scans_like_its_folder_and_twice_adds_nothing(
    workspace: Workspace, mail: Path, tmp_path: Path
) -> None:
    """The same mail zipped, as a Vault export comes: the same items and findings as the folder,
    each source named inside the archive; a second scan of the zip stores nothing new."""
    import zipfile

    seed_directory(workspace)
    archive = tmp_path / "vault-export-1.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(p for p in mail.rglob("*") if p.is_file()):
            z.write(path, path.relative_to(mail).as_posix())
    zipped = scan(workspace, [archive])
    assert zipped.read == zipped.items + zipped.errors + zipped.skipped and zipped.items > 0
    with workspace.engine.connect() as conn:
        sources = {row.source for row in conn.execute(select(item_sources.c.source))}
    assert sources and all(s.startswith(f"{archive}!/") for s in sources)
    state = {t.name: count(workspace, t) for t in (items, item_sources, findings, evidence, scan_errors)}
    again = scan(workspace, [archive])
    assert (again.items, again.errors) == (zipped.items, zipped.errors)
    assert {t.name: count(workspace, t) for t in (items, item_sources, findings, evidence, scan_errors)} == state
    folder = scan(workspace, [mail])  # the unpacked folder: the same items (only new sources)
    assert (folder.items, folder.errors) == (zipped.items, zipped.errors)
    assert count(workspace, items) == state["items"]
