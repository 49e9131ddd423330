"""Full-text search with filters, the same answers on SQLite FTS5 and PostgreSQL; searches audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from aupguard.archive import search
from aupguard.archive.search import SearchQuery
from aupguard.store import audit_repo
from aupguard.store.tables import findings, items
from aupguard.workspace import Workspace

# The small district's items by name: subject for mail, "text" for the one text message.
#   leak      t1 -> reporter  "You can interview Marisol Lindqvist, student id 204417, after practice."  Oct 5
#   parent    t1 -> guardian  "Marisol Lindqvist did great on the lab today."                            Oct 5
#   agenda    t1 -> principal "The staff meeting moves to Thursday."                                     Oct 20
#   practice  t1 (personal) -> guardian "Practice is moved to 4pm."                                      Oct 21
#   text      +15155550199 -> student's phone "Great game!"                                              Oct 7
NAMES = {"story": "leak", "Marisol": "parent", "Agenda": "agenda", "practice": "practice", None: "text"}


def by_name(ws: Workspace) -> dict[str, str]:
    with ws.engine.connect() as conn:
        return {NAMES[r.subject]: r.id for r in conn.execute(select(items.c.id, items.c.subject))}


def addresses(ws: Workspace, *person_ids: str) -> list[str]:
    with ws.engine.connect() as conn:
        return search.addresses_of_people(conn, person_ids)


CASES = [
    ("stemmed word", {"text": "practice"}, {"leak", "practice"}),
    ("plural finds singular", {"text": "meetings"}, {"agenda"}),
    ("phrase", {"text": '"staff meeting"'}, {"agenda"}),
    ("phrase in the wrong order", {"text": '"meeting staff"'}, set()),
    ("exclusion", {"text": "practice -moved"}, {"leak"}),
    ("either word", {"text": "game OR meeting"}, {"text", "agenda"}),
    ("all words", {"text": "Marisol lab"}, {"parent"}),
    ("sender name and subject are searched", {"text": "agenda"}, {"agenda"}),
    ("no such word", {"text": "zeppelin"}, set()),
    ("punctuation is not syntax", {"text": 'AND ( NEAR "'}, set()),
    ("channel", {"channel": "text"}, {"text"}),
    (
        "date range",
        {"since": datetime(2026, 10, 19, tzinfo=UTC), "until": datetime(2026, 10, 22, tzinfo=UTC)},
        {"agenda", "practice"},
    ),
]


@pytest.mark.parametrize(("label", "query", "expected"), CASES, ids=[c[0] for c in CASES])
def test_text_and_simple_filters(scanned: Workspace, label: str, query: dict, expected: set[str]) -> None:
    names = by_name(scanned)
    hits = search.search(scanned.engine, SearchQuery(**query))
    assert {n for n, i in names.items() if i in {h.item_id for h in hits}} == expected


@pytest.mark.parametrize(
    ("people", "extra", "expected"),
    [
        (("t1",), {}, {"leak", "parent", "agenda", "practice"}),  # district and personal address
        (("g1",), {}, {"parent", "practice"}),  # as a recipient
        (("s1",), {}, {"text"}),  # a phone number
        (("t1",), {"text": "practice", "since": datetime(2026, 10, 20, tzinfo=UTC)}, {"practice"}),
        (("prin",), {"text": "practice"}, set()),
    ],
)
def test_person_filter(scanned: Workspace, people: tuple[str, ...], extra: dict, expected: set[str]) -> None:
    names = by_name(scanned)
    hits = search.search(scanned.engine, SearchQuery(addresses=addresses(scanned, *people), **extra))
    assert {n for n, i in names.items() if i in {h.item_id for h in hits}} == expected


def test_building_filter_covers_everyone_in_it(scanned: Workspace) -> None:
    with scanned.engine.connect() as conn:
        members = search.people_in_building(conn, "hs")
    assert set(members) == {"prin", "t1", "s1"}
    hits = search.search(scanned.engine, SearchQuery(addresses=addresses(scanned, *members)))
    assert len(hits) == 5  # every item has a sender or recipient in the building


def test_finding_and_clause_filters(scanned: Workspace) -> None:
    with scanned.engine.connect() as conn:
        flagged = {r.item_id: r.clause_id for r in conn.execute(select(findings.c.item_id, findings.c.clause_id))}
    assert flagged
    with_findings = search.search(scanned.engine, SearchQuery(has_finding=True))
    without = search.search(scanned.engine, SearchQuery(has_finding=False))
    assert {h.item_id for h in with_findings} == set(flagged)
    assert not {h.item_id for h in without} & set(flagged) and len(without) == 5 - len(flagged)
    item_id, clause = next(iter(flagged.items()))
    parent_clause = clause.rsplit("/", 1)[0]
    for c in (clause, parent_clause):
        assert item_id in {h.item_id for h in search.search(scanned.engine, SearchQuery(clause=c))}
    assert search.search(scanned.engine, SearchQuery(clause="401.13R1/no-such-clause")) == []


def test_results_are_newest_first_and_limited(scanned: Workspace) -> None:
    hits = search.search(scanned.engine, SearchQuery(limit=3))
    assert len(hits) == 3
    dates = [h.sent_at for h in hits]
    assert dates == sorted(dates, reverse=True)


def test_searches_are_audited_with_who_why_and_what_was_found(scanned: Workspace) -> None:
    hits = search.audited_search(
        scanned.engine, SearchQuery(text="practice"), actor="cli:custodian", reason="request 12"
    )
    entry = audit_repo.entries(scanned.engine, limit=1)[0]
    assert (entry["action"], entry["actor"], entry["reason"]) == ("archive.search", "cli:custodian", "request 12")
    assert entry["details"]["query"]["text"] == "practice"
    assert entry["details"]["found"] == 2 and set(entry["details"]["item_ids"]) == {h.item_id for h in hits}
    with pytest.raises(search.SearchError, match="reason"):
        search.audited_search(scanned.engine, SearchQuery(text="x"), actor="cli:custodian", reason=" ")


def test_only_exclusions_is_refused() -> None:
    with pytest.raises(search.SearchError):
        search.fts5_query("-budget")


def test_only_exclusions_is_refused_by_the_search_on_either_database(scanned: Workspace) -> None:
    with pytest.raises(search.SearchError, match="only exclusions"):
        search.search(scanned.engine, SearchQuery(text="-moved"))
    # an exclusion beside a word is a query
    assert search.search(scanned.engine, SearchQuery(text="practice -moved"))


def test_index_follows_deletes_and_updates(scanned: Workspace) -> None:
    names = by_name(scanned)
    with scanned.engine.begin() as conn:
        conn.execute(items.update().where(items.c.id == names["agenda"]).values(body="The picnic moves to Friday."))
    assert {h.item_id for h in search.search(scanned.engine, SearchQuery(text="picnic"))} == {names["agenda"]}
    assert search.search(scanned.engine, SearchQuery(text="thursday")) == []


def test_a_drifted_search_index_is_reported_and_rebuilt(scanned: Workspace) -> None:
    from sqlalchemy import text

    from aupguard.archive.verify import verify

    if scanned.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL maintains its GIN indexes itself")
    names = by_name(scanned)
    search.catch_up(scanned.engine)
    with scanned.engine.begin() as conn:  # drop one item from the index behind aupguard's back
        conn.execute(
            text(
                "INSERT INTO items_fts(items_fts, rowid, subject, body, sender_name) "
                "SELECT 'delete', rowid, coalesce(subject, ''), body, coalesce(sender_name, '') "
                "FROM items WHERE id = :id"
            ),
            {"id": names["agenda"]},
        )
    assert search.search(scanned.engine, SearchQuery(text="meeting")) == []
    assert [p.kind for p in verify(scanned.engine, None).problems] == ["search-index"]
    search.rebuild_index(scanned.engine)
    assert verify(scanned.engine, None).ok
    assert [h.item_id for h in search.search(scanned.engine, SearchQuery(text="meeting"))] == [names["agenda"]]


def test_items_are_queued_at_scan_time_and_indexed_in_chunks(scanned: Workspace) -> None:
    from sqlalchemy import text

    if scanned.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL indexes on insert")
    with scanned.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM search_pending")) == 5
    assert search.catch_up(scanned.engine, chunk=2) == 5  # three short transactions
    assert len(search.search(scanned.engine, SearchQuery(text="practice"))) == 2
    with scanned.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM search_pending")) == 0
    assert search.catch_up(scanned.engine, chunk=2) == 0


def test_bulk_indexing_buffers_8_mb_of_terms_per_segment(scanned: Workspace) -> None:
    """Migration 0006: FTS5 writes a segment per 8 MB of buffered terms, not its default 1 MB
    (many small segments made catch_up spend most of its time merging them)."""
    from sqlalchemy import text

    if scanned.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's GIN indexes have no such setting")
    with scanned.engine.connect() as conn:
        value = conn.scalar(text("SELECT v FROM items_fts_config WHERE k = 'hashsize'"))
    assert value == 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("query", "found"),
    [
        (["o'brien@mail.example"], True),  # punctuation that splits tokens: its parts are ANDed
        (["brien@mail.example"], False),  # a part of an address is not the address
        (["coach_k+teams@district.example"], True),
        (["coach_k@district.example"], False),
        (["+15155550100"], True),
        (["+1515555010"], False),
    ],
)
def test_person_filter_matches_whole_addresses_only(workspace: Workspace, query: list[str], found: bool) -> None:
    from datetime import UTC, datetime

    from aupguard.store import findings_repo

    row = {"id": "e" * 64, "channel": "email", "sent_at": datetime(2026, 10, 1, tzinfo=UTC),
           "sender": "coach_k+teams@district.example", "sender_name": "Coach K",
           "recipients": ["o'brien@mail.example", "+15155550100"], "subject": "Practice", "body": "Bring water.",
           "platform": None, "meta": {}, "attachments": [], "size": 10, "first_seen_at": datetime.now(UTC)}  # fmt: skip
    with workspace.engine.begin() as conn:
        findings_repo.store_batch(conn, 0, [(row, "test", "1")], [], [], {})
    hits = search.search(workspace.engine, SearchQuery(addresses=query))
    assert bool(hits) is found
    if found:
        assert search.search(workspace.engine, SearchQuery(text="water", addresses=query))
