"""Retention classes never go below their floors; classes are assigned by channel and case with a
recorded reason; holds (surviving a person's departure) keep items out of disposal; an approved
disposal deletes rows, index and blobs and leaves tombstones the chain still verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from aupguard.archive import search
from aupguard.archive.verify import verify
from aupguard.records import disposition, holds, retention
from aupguard.store.records_tables import archive_tombstones, item_retention, retention_changes
from aupguard.store.tables import findings, items
from aupguard.workspace import Workspace

LATER = datetime.now(UTC) + timedelta(days=retention.years(4))  # past the 3-year general class


@pytest.mark.parametrize(
    ("class_id", "days", "allowed"),
    [
        ("general", retention.years(5), True),  # longer: always
        ("general", retention.years(1), True),  # exactly the floor
        ("general", 200, False),  # below the 1-year floor
        ("transitory", 30, True),
        ("transitory", 29, False),
        ("discipline", retention.years(6), False),  # 7-year floor
        ("discharge", retention.years(50), False),  # permanent: no finite period
        ("open-minutes", None, True),  # permanent stays permanent
        ("surveillance-video", 31, True),
    ],
)
def test_class_periods_never_go_below_the_floor(
    workspace: Workspace, class_id: str, days: int | None, allowed: bool
) -> None:
    if allowed:
        retention.set_class_days(workspace.engine, class_id, days, actor="cli:tech", reason="board policy 708 update")
        with workspace.engine.connect() as conn:
            assert retention.classes(conn)[class_id].days == days
    else:
        with pytest.raises(retention.RetentionError, match="floor"):
            retention.set_class_days(workspace.engine, class_id, days, actor="cli:tech", reason="shorter")


def test_defaults_follow_the_domain_notes(workspace: Workspace) -> None:
    with workspace.engine.connect() as conn:
        known = retention.classes(conn)
    assert known["general"].days == retention.years(3) and known["general"].floor_days == retention.years(1)
    assert known["discharge"].days is None and known["education-record"].no_purge
    assert known["surveillance-video"].days == 30


def classes_of(ws: Workspace) -> dict[str, tuple[str, str]]:
    with ws.engine.connect() as conn:
        return {r.item_id: (r.class_id, r.reason) for r in conn.execute(select(item_retention))}


def test_assignment_by_channel_then_case_and_by_hand(scanned: Workspace) -> None:
    counts = retention.assign(scanned.engine)
    assigned = classes_of(scanned)
    assert counts["assigned"] == len(assigned) >= 4
    assert {c for c, _ in assigned.values()} == {"general"}
    assert all(reason.startswith("by channel: ") for _, reason in assigned.values())
    with scanned.engine.begin() as conn:
        flagged = conn.execute(select(findings.c.id, findings.c.item_id).limit(1)).one()
        conn.execute(findings.update().where(findings.c.id == flagged.id).values(status="confirmed"))
    assert retention.assign(scanned.engine)["raised"] == 1
    cls, reason = classes_of(scanned)[flagged.item_id]
    assert cls == "personnel" and f"finding {flagged.id}" in reason
    other = next(i for i in assigned if i != flagged.item_id)
    retention.reclassify(scanned.engine, [other], "title-ix", actor="cli:custodian", reason="Title IX complaint 2026-3")
    retention.assign(scanned.engine)
    assert classes_of(scanned)[other] == ("title-ix", "Title IX complaint 2026-3")  # a person's choice is kept
    with scanned.engine.connect() as conn:
        change = conn.execute(select(retention_changes).where(retention_changes.c.item_id == other)).one()
    assert (change.from_class, change.to_class, change.actor) == ("general", "title-ix", "cli:custodian")
    with pytest.raises(retention.RetentionError, match="reason"):
        retention.reclassify(scanned.engine, [other], "general", actor="cli:custodian", reason=" ")


def item_ids(ws: Workspace) -> set[str]:
    with ws.engine.connect() as conn:
        return set(conn.scalars(select(items.c.id)))


def person_items(ws: Workspace, address: str) -> set[str]:
    search.catch_up(ws.engine)
    with ws.engine.connect() as conn:
        return set(search.matching_ids(conn, search.SearchQuery(addresses=[address])))


def test_a_hold_on_a_person_survives_their_departure_and_disposal_tombstones_verify(scanned: Workspace) -> None:
    ortiz = person_items(scanned, "sam.ortiz@district.example") | person_items(scanned, "samortiz77@gmail.com")
    assert ortiz
    hold = holds.add(
        scanned.engine, "Ortiz grievance", reason="grievance 2026-14", actor="cli:custodian", person_id="t1"
    )
    # He leaves the district: his accounts disappear from the directory.
    with scanned.engine.begin() as conn:
        conn.execute(text("DELETE FROM accounts WHERE person_id = 't1'"))
        conn.execute(text("UPDATE people SET active = false WHERE id = 't1'"))
    batch, count = disposition.propose(scanned.engine, actor="cli:custodian", as_of=LATER)
    with scanned.engine.connect() as conn:
        proposed = set(conn.scalars(text("SELECT item_id FROM disposition_items WHERE batch_id = :b"), {"b": batch}))
    assert batch is not None and count == len(proposed) > 0
    assert not proposed & ortiz  # held, even though the person is gone from the directory
    assert proposed == item_ids(scanned) - ortiz
    with pytest.raises(disposition.DispositionError, match="separation of duties"):
        disposition.approve(scanned.engine, scanned.blobs, batch, actor="cli:custodian", reason="schedule 708")
    result = disposition.approve(
        scanned.engine, scanned.blobs, batch, actor="cli:superintendent", reason="schedule 708"
    )
    assert result["disposed"] == len(proposed)
    assert item_ids(scanned) == ortiz
    assert not any(scanned.blobs.has(i) for i in proposed)
    with scanned.engine.connect() as conn:
        assert set(conn.scalars(select(archive_tombstones.c.item_id))) == proposed
        assert not set(search.matching_ids(conn, search.SearchQuery(text="practice"))) & proposed
    report = verify(scanned.engine, scanned.blobs)
    assert report.ok, report.problems
    assert report.tombstones == len(proposed)
    # Only a recorded decision releases the hold; then his items can go too.
    with pytest.raises(holds.HoldError, match="reason"):
        holds.release(scanned.engine, hold, actor="cli:custodian", reason="")
    holds.release(scanned.engine, hold, actor="cli:custodian", reason="grievance settled")
    _, count = disposition.propose(scanned.engine, actor="cli:custodian", as_of=LATER)
    assert count == len(ortiz)


@pytest.mark.parametrize(
    ("criteria", "held_address"),
    [
        ({"query": "practice"}, None),
        ({"date_from": datetime(2026, 10, 19, tzinfo=UTC), "date_until": datetime(2026, 10, 22, tzinfo=UTC)}, None),
        ({"addresses": ["ruth.lindqvist@gmail.com"]}, "ruth.lindqvist@gmail.com"),
    ],
)
def test_holds_by_query_date_and_address(scanned: Workspace, criteria: dict, held_address: str | None) -> None:
    holds.add(scanned.engine, "matter", reason="litigation notice", actor="cli:custodian", **criteria)
    search.catch_up(scanned.engine)
    with scanned.engine.connect() as conn:
        held = holds.held(conn, sorted(item_ids(scanned)))
        if "query" in criteria:
            expected = set(search.matching_ids(conn, search.SearchQuery(text=criteria["query"])))
        elif held_address:
            expected = person_items(scanned, held_address)
        else:
            expected = set(
                conn.scalars(
                    select(items.c.id).where(
                        items.c.sent_at >= criteria["date_from"], items.c.sent_at < criteria["date_until"]
                    )
                )
            )
    assert expected and set(held) == expected


def test_a_hold_made_after_the_proposal_wins_at_approval(scanned: Workspace) -> None:
    batch, count = disposition.propose(scanned.engine, actor="cli:custodian", as_of=LATER)
    assert batch is not None
    with scanned.engine.connect() as conn:
        case_finding = conn.execute(select(findings.c.id, findings.c.item_id).limit(1)).one()
    holds.add(
        scanned.engine, "case 4", reason="discipline review", actor="cli:principal", finding_ids=[case_finding.id]
    )
    result = disposition.approve(scanned.engine, scanned.blobs, batch, actor="cli:superintendent", reason="708")
    assert result["kept_by_hold"] == {case_finding.item_id: "hold 1"}
    assert result["disposed"] == count - 1
    assert case_finding.item_id in item_ids(scanned)
    assert verify(scanned.engine, scanned.blobs).ok


def test_a_hold_needs_criteria_and_a_reason(workspace: Workspace) -> None:
    with pytest.raises(holds.HoldError):
        holds.add(workspace.engine, "empty", reason="x", actor="cli:a")
    with pytest.raises(holds.HoldError):
        holds.add(workspace.engine, "no reason", reason="", actor="cli:a", query="budget")
