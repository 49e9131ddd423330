"""Records requests end to end: roster-aware redaction proposals (students and guardians yes,
employees never), item-by-item decisions with codes, and a release package whose PDFs, read
back with pypdf, contain no redacted string."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from aupguard.archive.search import SearchQuery
from aupguard.directory.index import Directory
from aupguard.model import Account, Person, PersonKind
from aupguard.records import package, requests
from aupguard.records.redaction import RosterRedactor, burn
from aupguard.store.records_tables import redactions, request_items
from aupguard.store.tables import items
from aupguard.workspace import Workspace

ROSTER = Directory.build(
    people=[
        Person(
            "s1",
            PersonKind.STUDENT,
            "Marisol",
            "Lindqvist",
            identifier="204417",
            birth_date=date(2011, 3, 14),
            home_address="12 Elm St, Ames, IA 50010",
        ),
        Person("s2", PersonKind.STUDENT, "Jonah", "Ortiz", identifier="204999"),
        Person("g1", PersonKind.GUARDIAN, "Ruth", "Lindqvist", guardian_of=["s1"]),
        Person("t1", PersonKind.STAFF, "Samuel", "Ortiz", title="Science teacher"),
        Person("t2", PersonKind.STAFF, "Dana", "Whitfield", title="Principal"),
    ],
    accounts=[
        Account("ruth.lindqvist@gmail.com", "email", "g1", False),
        Account("+15155550142", "phone", "s1", False),
        Account("sam.ortiz@district.example", "email", "t1", True),
    ],
)
REDACTOR = RosterRedactor(ROSTER)


@pytest.mark.parametrize(
    ("text", "must", "must_not"),
    [
        ("You can interview Marisol Lindqvist, student id 204417.", {"Marisol Lindqvist", "204417"}, set()),
        ("marisol  lindqvist\ndid great; Marisol is kind.", {"marisol  lindqvist", "Marisol"}, set()),
        ("Marisol did great today.", set(), {"Marisol"}),  # a first name alone, no full name in the item
        ("Call her mom at (515) 555-0142 or 515.555.0142", {"(515) 555-0142", "515.555.0142"}, set()),
        ("Born 3/14/2011, lives at 12 Elm St, Ames, IA 50010", {"3/14/2011", "12 Elm St, Ames, IA 50010"}, set()),
        (
            "Write to ruth.lindqvist@gmail.com; Ruth Lindqvist agreed",
            {"ruth.lindqvist@gmail.com", "Ruth Lindqvist"},
            set(),
        ),
        # Employees are never proposed, not even a student's family name that an employee shares.
        (
            "Samuel Ortiz (Science teacher, sam.ortiz@district.example) met Jonah Ortiz.",
            {"Jonah Ortiz"},
            {"Samuel Ortiz", "Ortiz", "sam.ortiz@district.example", "Science teacher"},
        ),
        ("Dana Whitfield approved the trip.", set(), {"Dana Whitfield"}),
        ("Student 2044170 is not 204417's neighbour", {"204417"}, {"2044170"}),
    ],
)
def test_roster_proposals(text: str, must: set[str], must_not: set[str]) -> None:
    proposed = {p.text.casefold() for p in REDACTOR.propose(text)}  # redaction is case-insensitive
    assert {m.casefold() for m in must} <= proposed, proposed
    assert not ({m.casefold() for m in must_not} & proposed), proposed
    assert all(p.code == "STU-PII" for p in REDACTOR.propose(text))


def test_burn_replaces_every_occurrence_longest_first() -> None:
    out, counts = burn(
        "Marisol Lindqvist and MARISOL\nLINDQVIST; Marisol.", [("Marisol", "STU-PII"), ("Marisol Lindqvist", "STU-PII")]
    )
    assert out == "[REDACTED STU-PII] and [REDACTED STU-PII]; [REDACTED STU-PII]."
    assert counts == [("STU-PII", 1), ("STU-PII", 2)]  # in the order given: "Marisol" alone once


def squash(text: str) -> str:
    return "".join(text.split()).casefold()


def test_request_package_has_no_redacted_text(scanned: Workspace, tmp_path: Path) -> None:
    engine = scanned.engine
    rid = requests.intake(
        engine,
        requester="Des Moines Register",
        channel="electronic",
        description="Mr. Ortiz's email in October 2026",
        received_on=date(2026, 11, 2),
        actor="cli:custodian",
    )
    scope = requests.set_scope(
        engine, scanned.directory(), rid, SearchQuery(addresses=["sam.ortiz@district.example"]), actor="cli:custodian"
    )
    assert scope["found"] == 3 and scope["proposed_redactions"] >= 3
    with engine.connect() as conn:
        proposals = list(conn.execute(select(redactions).where(redactions.c.request_id == rid)))
    texts = {p.text for p in proposals}
    assert {"Marisol Lindqvist", "204417", "ruth.lindqvist@gmail.com"} <= texts
    assert not {"sam.ortiz@district.example", "avery.cole@district.example"} & texts
    with pytest.raises(requests.RequestError, match="not decided"):
        package.build(engine, rid, tmp_path / "early.zip", actor="cli:custodian")
    for p in proposals:
        requests.decide_redaction(engine, p.id, True, actor="cli:custodian")
    with engine.connect() as conn:
        undecided = list(
            conn.scalars(
                select(request_items.c.item_id).where(
                    request_items.c.request_id == rid, request_items.c.decision == "pending"
                )
            )
        )
    assert len(undecided) == 1  # the staff meeting mail: nothing to redact
    with pytest.raises(ValueError, match="legal basis"):
        requests.decide_item(engine, rid, undecided[0], "withhold", actor="cli:custodian", code="SECRET")
    requests.decide_item(engine, rid, undecided[0], "release", actor="cli:custodian")
    with engine.connect() as conn:
        redacted_item = conn.scalar(select(items.c.id).where(items.c.body.like("%after practice%")))
    requests.add_redaction(
        engine,
        rid,
        redacted_item,
        "after practice",
        "STU-INDIRECT",
        actor="cli:custodian",
        kind="student schedule",
        why="identifies her by her team's schedule",
    )

    result = package.build(engine, rid, tmp_path / "release.zip", actor="cli:custodian")
    assert result.released == 3 and result.withheld == 0
    secrets = {p.text for p in proposals} | {"after practice"}
    with zipfile.ZipFile(result.path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        pdfs = [n for n in zf.namelist() if n.endswith(".pdf")]
        assert len(pdfs) == 3
        all_text = ""
        for doc in manifest["documents"]:
            data = zf.read(doc["path"])
            assert hashlib.sha256(data).hexdigest() == doc["sha256"]
            text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
            all_text += text
            for secret in secrets:
                assert squash(secret) not in squash(text), (doc["path"], secret)
            assert not any(squash(s) in squash(data.decode("latin-1")) for s in secrets)  # nor anywhere in the bytes
        log = zf.read("redaction_log.csv").decode()
        assert hashlib.sha256(log.encode()).hexdigest() == manifest["redaction_log"]["sha256"]
        for other in ("manifest.json", "redaction_log.csv"):
            assert not any(squash(s) in squash(zf.read(other).decode()) for s in secrets)
    assert "[REDACTED STU-PII]" in all_text and "[REDACTED STU-INDIRECT]" in all_text
    assert squash("sam.ortiz@district.example") in squash(all_text)  # the employee stays
    assert squash("staff meeting moves to Thursday") in squash(all_text)
    assert "STU-PII,FERPA 34 CFR 99.3" in log and "cli:custodian" in log and "student name" in log


def test_withholding_needs_a_code_and_release_refuses_confirmed_redactions(scanned: Workspace, tmp_path: Path) -> None:
    engine = scanned.engine
    rid = requests.intake(
        engine,
        requester="anonymous",
        channel="phone",
        description="texts to students",
        received_on=date(2026, 11, 2),
        actor="cli:custodian",
    )
    requests.set_scope(engine, scanned.directory(), rid, SearchQuery(text="Marisol"), actor="cli:custodian")
    with engine.connect() as conn:
        props = list(conn.execute(select(redactions).where(redactions.c.request_id == rid)))
        ids = list(conn.scalars(select(request_items.c.item_id).where(request_items.c.request_id == rid)))
    requests.decide_redaction(engine, props[0].id, True, actor="cli:custodian")
    with pytest.raises(requests.RequestError, match="confirmed redactions"):
        requests.decide_item(engine, rid, props[0].item_id, "release", actor="cli:custodian")
    for p in props[1:]:
        requests.decide_redaction(engine, p.id, False, actor="cli:custodian")
    for item_id in ids:
        requests.decide_item(engine, rid, item_id, "withhold", actor="cli:custodian", code="stu-ed")
    result = package.build(engine, rid, tmp_path / "r.zip", actor="cli:custodian")
    assert result.released == 0 and result.withheld == len(ids)
    assert {w["code"] for w in result.manifest["withheld"]} == {"STU-ED"}


def test_status_reports_deadlines_and_alerts(workspace: Workspace) -> None:
    rid = requests.intake(
        workspace.engine,
        requester="J. Doe",
        channel="in_person",
        description="board emails",
        received_on=date(2026, 11, 2),
        actor="cli:custodian",
    )
    requests.estimate(
        workspace.engine, rid, minutes=20, hourly_rate_cents=3000, pages=10, per_page_cents=15, actor="cli:custodian"
    )
    state = requests.status(workspace.engine, rid, today=date(2026, 11, 12))
    assert state["deadlines"]["acknowledge_by"] == "2026-11-03" and state["deadlines"]["decide_by"] == "2026-11-22"
    assert state["fee_estimate_cents"] == 150  # under 30 minutes: copies only
    assert any("acknowledgement overdue" in a for a in state["alerts"])
    assert any("7 business days" in a for a in state["alerts"])
    assert requests.estimate(workspace.engine, rid, minutes=90, hourly_rate_cents=3000, actor="cli:custodian") == 4500
