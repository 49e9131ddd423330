"""The records section of the console on the scanned sample district: audited archive search and
opening, a records request from intake to the release package, legal holds against disposal, the
disposal's separation of duties, and which roles reach which page.

The tests of this module share one demo workspace and run in order: searches first, then the
request, then holds and disposition (which delete items)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from aupguard.archive import search
from aupguard.model import Item
from aupguard.scanning import add_envelope
from aupguard.sources.eml import parse_email
from aupguard.store import findings_repo
from aupguard.store.records_tables import disposition_items, redactions, request_items
from aupguard.store.tables import audit_log, findings, items
from tests.web.conftest import USER_OF_ROLE, Demo, client_for, sign_in

Users = dict[str, tuple[TestClient, str]]
CUSTODIAN = "jkowalczyk"
SUPERINTENDENT = "kholt"
COUNSELOR = "sclark@pccsd.example.org"  # sends the "Check-in: <student>" mails of the sample district


@pytest.fixture(scope="module")
def users(demo: Demo) -> Users:
    out = {}
    for name in (CUSTODIAN, SUPERINTENDENT, USER_OF_ROLE["designee"]):
        client = client_for(demo)
        out[name] = (client, sign_in(client, demo, name))
    return out


def _last_audit(demo: Demo, action: str) -> dict[str, Any]:
    with demo.ws.engine.connect() as conn:
        row = (
            conn.execute(select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id.desc()).limit(1))
            .mappings()
            .first()
        )
    assert row is not None, f"no {action} in the audit log"
    return dict(row)


def _hit_ids(html: str) -> set[str]:
    import re

    return set(re.findall(r'<tr data-item="([0-9a-f]{64})"', html))


def _items_where(demo: Demo, keep: Callable[[Any], bool]) -> set[str]:
    with demo.ws.engine.connect() as conn:
        return {r["id"] for r in conn.execute(select(items)).mappings() if keep(r)}


def _checkins(demo: Demo) -> set[str]:
    """The counselor's "Check-in: <student>" mails."""
    found = _items_where(demo, lambda i: i["sender"] == COUNSELOR and (i["subject"] or "").startswith("Check-in"))
    assert len(found) >= 5
    return found


# ---------------------------------------------------------------------------- search


def _search(users: Users, form: dict[str, str]) -> Any:
    client, csrf = users[CUSTODIAN]
    return client.post("/archive/search", data={"csrf_token": csrf, "limit": "500", **form})


def test_search_by_words_person_and_dates_finds_exactly_those_items(demo: Demo, users: Users) -> None:
    r = _search(
        users,
        {"text": "check-in", "person": COUNSELOR, "since": "2026-09-29", "to": "2026-09-29", "reason": "request 1"},
    )
    assert r.status_code == 200, r.text
    expected = _items_where(
        demo,
        lambda i: (
            i["sender"] == COUNSELOR
            and (i["subject"] or "").startswith("Check-in")
            and i["sent_at"].date().isoformat() == "2026-09-29"
        ),
    )
    assert len(expected) == 2
    assert _hit_ids(r.text) == expected
    entry = _last_audit(demo, "archive.search")
    assert entry["actor"] == f"console:{CUSTODIAN}"
    assert entry["reason"] == "request 1"
    assert set(entry["details"]["item_ids"]) == expected
    assert entry["details"]["query"]["text"] == "check-in"


@pytest.mark.parametrize(
    ("form", "keep"),
    [
        # MUST find: each filter alone, checked against the table itself.
        ({"channel": "text"}, lambda i, f: i["channel"] == "text"),
        ({"has_finding": "yes"}, lambda i, f: i["id"] in f),
        ({"has_finding": "no", "channel": "email"}, lambda i, f: i["id"] not in f and i["channel"] == "email"),
        ({"text": "check-in", "channel": "text"}, lambda i, f: False),  # MUST NOT: no text is a check-in mail
        ({"person": COUNSELOR, "to": "2026-09-01"}, lambda i, f: False),  # before the term: nothing
    ],
)
def test_each_filter(demo: Demo, users: Users, form: dict[str, str], keep: Callable[[Any, set[str]], bool]) -> None:
    with demo.ws.engine.connect() as conn:
        with_finding = set(conn.scalars(select(findings.c.item_id)))
    r = _search(users, form | {"reason": "filter check"})
    assert r.status_code == 200, r.text
    assert _hit_ids(r.text) == _items_where(demo, lambda i: keep(i, with_finding))


def test_clause_and_building_filters(demo: Demo, users: Users) -> None:
    with demo.ws.engine.connect() as conn:
        clause = str(conn.scalar(select(findings.c.clause_id).limit(1)))
        cited = set(conn.scalars(select(findings.c.item_id).where(findings.c.clause_id == clause)))
        in_ms = set(search.addresses_of_people(conn, search.people_in_building(conn, "bld-ms")))
    assert cited and in_ms
    r = _search(users, {"clause": clause, "reason": "clause check"})
    assert _hit_ids(r.text) == cited
    r = _search(users, {"building": "bld-ms", "reason": "building check"})
    expected = _items_where(
        demo, lambda i: (i["sender"] or "").lower() in in_ms or bool({a.lower() for a in i["recipients"] or []} & in_ms)
    )
    assert expected and _hit_ids(r.text) == expected


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"text": "budget", "reason": "   "}, 400),  # a reason of blanks is no reason
        ({"text": "budget"}, 422),  # no reason at all
        ({"text": "budget", "since": "yesterday", "reason": "x"}, 400),
        ({"person": "nobody-at-all", "reason": "x"}, 400),
    ],
)
def test_a_search_that_cannot_run_is_refused_and_not_audited(
    demo: Demo, users: Users, form: dict[str, str], status: int
) -> None:
    def searches() -> int:
        with demo.ws.engine.connect() as conn:
            return len(list(conn.scalars(select(audit_log.c.id).where(audit_log.c.action == "archive.search"))))

    before = searches()
    assert _search(users, form).status_code == status
    assert searches() == before


def test_opening_an_item_asks_a_reason_and_is_audited(demo: Demo, users: Users) -> None:
    client, csrf = users[CUSTODIAN]
    item_id = next(iter(_items_where(demo, lambda i: (i["subject"] or "") == "Check-in: Chloe Lindgren")))
    r = client.post(f"/archive/items/{item_id}/open", data={"csrf_token": csrf, "reason": " "})
    assert r.status_code == 400 and "Check-in: Chloe" not in r.text
    r = client.post(f"/archive/items/{item_id}/open", data={"csrf_token": csrf, "reason": "request 1 review"})
    assert r.status_code == 200 and "Chloe Lindgren" in r.text
    entry = _last_audit(demo, "archive.open")
    assert (entry["target"], entry["reason"], entry["actor"]) == (
        f"item:{item_id}",
        "request 1 review",
        f"console:{CUSTODIAN}",
    )
    assert client.post("/archive/items/nothing/open", data={"csrf_token": csrf, "reason": "x"}).status_code == 404


def test_api_search_is_audited_too(demo: Demo, users: Users) -> None:
    client, csrf = users[CUSTODIAN]
    r = client.post(
        "/api/records/search",
        json={"text": "check-in", "person": COUNSELOR, "reason": "api check"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 200, r.text
    assert _last_audit(demo, "archive.search")["reason"] == "api check"
    page = _search(users, {"text": "check-in", "person": COUNSELOR, "reason": "page check"})
    assert {h["item_id"] for h in r.json()} == _hit_ids(page.text)
    assert _checkins(demo) <= _hit_ids(page.text)
    r = client.post("/api/records/search", json={"text": "x", "reason": ""}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422


def test_archive_status_shows_the_chain_head(demo: Demo, users: Users) -> None:
    client, _ = users[CUSTODIAN]
    r = client.get("/archive/status")
    assert r.status_code == 200
    from aupguard.archive import chain

    with demo.ws.engine.connect() as conn:
        assert chain.head(conn).hash in r.text
    assert "No restore has been tested yet" in r.text
    assert client.get("/api/records/archive-status").json()["head"]["hash"] == chain.head(demo.ws.engine.connect()).hash


# ---------------------------------------------------------------------------- a records request


def _post(users: Users, who: str, url: str, **form: str) -> Any:
    client, csrf = users[who]
    return client.post(url, data={"csrf_token": csrf, **form}, follow_redirects=True)


def _intake(users: Users, who: str, requester: str) -> int:
    r = _post(
        users,
        who,
        "/records/requests",
        requester=requester,
        channel="electronic",
        received_on=date.today().isoformat(),  # day 0 today: the clock's first alert is "acknowledge by"
        description="Counselor check-in mails of September",
    )
    assert r.status_code == 200, r.text
    return int(str(r.url).rstrip("/").rsplit("/", 1)[-1])


def test_request_intake_review_redaction_and_package(demo: Demo, users: Users) -> None:
    rid = _intake(users, CUSTODIAN, "anonymous")  # no reason, no name needed
    page = users[CUSTODIAN][0].get("/records")
    assert f'data-request="{rid}"' in page.text and "acknowledge by" in page.text
    r = _post(users, CUSTODIAN, f"/records/requests/{rid}/scope", text="check-in", person=COUNSELOR)
    assert r.status_code == 200, r.text
    with demo.ws.engine.connect() as conn:
        in_scope = list(conn.scalars(select(request_items.c.item_id).where(request_items.c.request_id == rid)))
        proposals = list(conn.execute(select(redactions).where(redactions.c.request_id == rid)).mappings())
    assert _checkins(demo) <= set(in_scope)
    assert {"Chloe Lindgren", "200137"} <= {p["text"] for p in proposals}
    assert not any("Clark" in p["text"] for p in proposals)  # the counselor is staff: never proposed
    assert _last_audit(demo, "archive.search")["target"] == f"request:{rid}"

    r = _post(users, CUSTODIAN, f"/records/requests/{rid}/extend", until="2027-03-01", reason="letter of today")
    assert r.status_code == 200 and "decide by 2027-03-01" in r.text

    # The package waits for every item and every proposal.
    r = _post(users, CUSTODIAN, f"/records/requests/{rid}/package", confirm="yes")
    assert r.status_code == 400 and "not decided" in r.text
    for p in proposals:
        r = _post(users, CUSTODIAN, f"/records/requests/{rid}/redactions/{p['id']}", confirm="yes")
        assert r.status_code == 200
    withheld = in_scope[0]
    assert (
        _post(
            users, CUSTODIAN, f"/records/requests/{rid}/items/{withheld}/decide", decision="withhold", code=""
        ).status_code
        == 400
    )  # withholding needs a 7.3 code
    for item_id in in_scope:
        decision, code = ("withhold", "STU-ED") if item_id == withheld else ("redact", "STU-PII")
        url = f"/records/requests/{rid}/items/{item_id}/decide"
        r = _post(users, CUSTODIAN, url, decision=decision, code=code)
        assert r.status_code == 200, r.text

    client, csrf = users[CUSTODIAN]
    r = client.post(f"/records/requests/{rid}/package", data={"csrf_token": csrf, "confirm": "yes"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    pdfs = [n for n in zf.namelist() if n.endswith(".pdf")]
    assert len(pdfs) == len(in_scope) - 1 and {"manifest.json", "redaction_log.csv"} <= set(zf.namelist())
    text = "\n".join(page.extract_text() for n in pdfs for page in PdfReader(io.BytesIO(zf.read(n))).pages)
    flat = " ".join(text.split()).casefold()
    assert "[redacted stu-pii]" in flat
    confirmed = {p["text"] for p in proposals if p["item_id"] != withheld}
    for secret in confirmed:
        assert " ".join(secret.split()).casefold() not in flat, secret
    assert any((demo.ws.root / "requests").glob(f"request-{rid}-*.zip"))  # the copy that stays


def test_nobody_decides_a_request_they_filed(demo: Demo, users: Users) -> None:
    rid = _intake(users, CUSTODIAN, "Karen Holt")  # the superintendent, asking as a citizen
    r = _post(users, SUPERINTENDENT, f"/records/requests/{rid}/scope", text="budget")
    assert r.status_code == 403 and "separation of duties" in r.text
    assert 'id="own-request"' in users[SUPERINTENDENT][0].get(f"/records/requests/{rid}").text
    r = _post(users, CUSTODIAN, f"/records/requests/{rid}/scope", text="budget")
    assert r.status_code == 200 and 'id="own-request"' not in r.text


def test_intake_refuses_what_is_missing(users: Users) -> None:
    r = _post(
        users,
        CUSTODIAN,
        "/records/requests",
        requester="x",
        channel="pigeon",
        received_on="2026-11-20",
        description="y",
    )
    assert r.status_code == 400 and "channel" in r.text
    r = _post(
        users, CUSTODIAN, "/records/requests", requester="x", channel="phone", received_on="soon", description="y"
    )
    assert r.status_code == 400


# ---------------------------------------------------------------------------- holds and disposition


def _batch_items(demo: Demo, batch: int) -> set[str]:
    with demo.ws.engine.connect() as conn:
        return set(conn.scalars(select(disposition_items.c.item_id).where(disposition_items.c.batch_id == batch)))


def _latest_batch(users: Users) -> int:
    rows = users[CUSTODIAN][0].get("/api/records/disposition").json()
    return max(r["id"] for r in rows)


def test_hold_blocks_disposal_and_proposer_cannot_approve(demo: Demo, users: Users) -> None:
    # Close the open requests first: an open request holds its items as well.
    for row in users[CUSTODIAN][0].get("/api/records/requests").json():
        _post(users, USER_OF_ROLE["designee"], f"/records/requests/{row['id']}/close", note="done")
    assert _post(users, CUSTODIAN, "/records/holds", name="Matter A", reason=" ").status_code == 400
    assert _post(users, CUSTODIAN, "/records/holds", name="Matter A", reason="litigation").status_code == 400
    r = _post(users, CUSTODIAN, "/records/holds", name="Matter A", reason="litigation", person=COUNSELOR)
    assert r.status_code == 200 and "Matter A" in r.text
    counselor_items = _items_where(demo, lambda i: i["sender"] == COUNSELOR)
    assert counselor_items

    r = _post(users, CUSTODIAN, "/records/disposition/propose", as_of="2200-01-01")
    assert r.status_code == 200, r.text
    batch = _latest_batch(users)
    proposed = _batch_items(demo, batch)
    assert proposed and not proposed & counselor_items  # held: never proposed

    r = _post(users, CUSTODIAN, f"/records/disposition/{batch}/approve", reason="retention ran out")
    assert r.status_code == 400 and "separation of duties" in r.text
    assert _items_where(demo, lambda i: i["id"] in proposed) == proposed  # nothing deleted

    # A hold placed after the proposal still wins at approval.
    late = sorted(proposed)[0]
    with demo.ws.engine.connect() as conn:
        sender = str(conn.scalar(select(items.c.sender).where(items.c.id == late)))
    r = _post(users, SUPERINTENDENT, "/records/holds", name="Matter B", reason="new claim", person=sender)
    assert r.status_code == 200
    r = _post(users, SUPERINTENDENT, f"/records/disposition/{batch}/approve", reason="retention ran out")
    assert r.status_code == 200 and "disposed of" in r.text
    left = _items_where(demo, lambda i: i["id"] in proposed)
    assert late in left and left != proposed  # the held one stays, the rest are gone


def test_hold_release_needs_a_recorded_decision(demo: Demo, users: Users) -> None:
    hold = max(h["id"] for h in users[CUSTODIAN][0].get("/api/records/holds").json())
    assert _post(users, CUSTODIAN, f"/records/holds/{hold}/release", reason=" ").status_code == 400
    r = _post(users, CUSTODIAN, f"/records/holds/{hold}/release", reason="claim withdrawn (board, 2026-11-20)")
    assert r.status_code == 200
    entry = _last_audit(demo, "hold.release")
    assert (entry["target"], entry["reason"]) == (f"hold:{hold}", "claim withdrawn (board, 2026-11-20)")
    assert _post(users, CUSTODIAN, f"/records/holds/{hold}/release", reason="again").status_code == 400


# ---------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("role", "archive", "records"),
    [
        ("records_custodian", 200, 200),
        ("superintendent", 200, 200),
        ("designee", 200, 200),
        ("technology_director", 200, 403),
        ("principal", 403, 403),
        ("technology_integrationist", 403, 403),
        ("reviewer", 403, 403),
        ("board_president", 403, 403),
        ("employee", 403, 403),
    ],
)
def test_roles(demo: Demo, role: str, archive: int, records: int) -> None:
    client = client_for(demo)
    sign_in(client, demo, USER_OF_ROLE[role])
    assert client.get("/archive").status_code == archive
    assert client.get("/archive/status").status_code == archive
    assert client.get("/records").status_code == records
    assert client.get("/records/holds").status_code == records
    assert client.get("/records/disposition").status_code == records
    assert client.get("/api/records/requests").status_code == records
    assert ('href="/records"' in client.get("/home").text) == (records == 200)


def test_an_opened_item_names_its_recipients_and_its_envelope_only_bcc(demo: Demo, users: Users) -> None:
    client, csrf = users[CUSTODIAN]
    raw = b"From: kholt@pccsd.example.org\r\nTo: reporter@news.example\r\nSubject: envelope\r\n\r\nHello.\r\n"
    item = parse_email(raw, "gateway-spool/new/x.eml", "")
    assert isinstance(item, Item)
    add_envelope(item, ["reporter@news.example", "hidden@news.example"])  # as the gateway's spool gives it
    demo.ws.blobs.put(raw, item.id)
    with demo.ws.engine.begin() as conn:
        findings_repo.store_batch(conn, 0, [(findings_repo.item_row(item, datetime.now(UTC)), "test", "1")], [], [], {})
    r = client.post(f"/archive/items/{item.id}/open", data={"csrf_token": csrf, "reason": "request 1 review"})
    assert r.status_code == 200
    assert "<dt>To</dt><dd>reporter@news.example</dd>" in r.text
    assert "<dt>Bcc (named only by the mail envelope)</dt><dd>hidden@news.example</dd>" in r.text
