"""Personal web use from Squid logs: categories (UT1 format), work hours, per person per day,
first occurrence coaching and repeats."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from aupguard.model import ReadError
from aupguard.posture.checks.web import check_web
from aupguard.posture.readers.categories import BUNDLED, Categorizer
from aupguard.posture.readers.squid import parse_line, read_squid, split_url
from tests.conftest import dev_data
from tests.posture.conftest import context, write


def native(at: str, user: str, url: str, n: int = 1, client: str = "10.1.2.3") -> str:
    """n Squid native lines at a UTC time ("2026-10-05T14:00:00")."""
    ts = datetime.fromisoformat(at).replace(tzinfo=UTC).timestamp()
    method = "CONNECT" if "://" not in url else "GET"
    return "".join(
        f"{ts + i:.3f}    120 {client} TCP_MISS/200 {1000 + i} {method} {url} {user} HIER_DIRECT/157.240.1.35 "
        "text/html\n"
        for i in range(n)
    )


def categorizer(tmp_path: Path) -> Categorizer:
    shopping = tmp_path / "ut1" / "shopping"
    shopping.mkdir(parents=True, exist_ok=True)
    (shopping / "domains").write_text("shop.example\n")
    (shopping / "urls").write_text("portal.example/store\n")
    return Categorizer.load(["social_networks", "shopping"], [BUNDLED, tmp_path / "ut1"])


# Monday 2026-10-05; Central time is UTC-5, so 14:00Z is 09:00 local.
CASES = [
    (
        "social in work hours",
        native("2026-10-05T14:00:00", "t1", "https://www.facebook.com/home", 25),
        {("posture.web.social.first", "t1", "2026-10-05")},
    ),
    (
        "two days: first, then repeat",
        native("2026-10-05T14:00:00", "t1", "www.instagram.com:443", 25)
        + native("2026-10-06T14:00:00", "t1", "www.instagram.com:443", 25),
        {("posture.web.social.first", "t1", "2026-10-05"), ("posture.web.social.repeat", "t1", "2026-10-06")},
    ),
    ("Saturday is not work time", native("2026-10-10T14:00:00", "t2", "http://www.facebook.com/", 25), set()),
    ("after hours", native("2026-10-05T23:00:00", "t2", "http://www.facebook.com/", 25), set()),
    (
        "a few widget loads are not use",
        native("2026-10-05T14:00:00", "prin", "http://connect.facebook.net.fb.com/", 5),
        set(),
    ),
    ("work sites are not counted", native("2026-10-05T14:00:00", "t1", "http://www.iowa.gov/", 50), set()),
    (
        "shopping is non-work",
        native("2026-10-05T15:00:00", "t2", "http://cart.shop.example/basket", 30),
        {("posture.web.non_work.first", "t2", "2026-10-05")},
    ),
    (
        "url-list prefix",
        native("2026-10-05T15:00:00", "t2", "http://portal.example/store/item", 30),
        {("posture.web.non_work.first", "t2", "2026-10-05")},
    ),
    ("same host, other path", native("2026-10-05T15:00:00", "t2", "http://portal.example/grades", 30), set()),
    (
        "no proxy user: the client address",
        native("2026-10-05T14:00:00", "-", "https://x.com/", 25, client="10.9.9.9"),
        {("posture.web.social.first", "ip:10.9.9.9", "2026-10-05")},
    ),
]


@pytest.mark.parametrize(("name", "log", "expected"), CASES, ids=[c[0] for c in CASES])
def test_personal_web_use(tmp_path: Path, name: str, log: str, expected: set) -> None:
    path = write(tmp_path / "access.log", log)
    errors: list[ReadError] = []
    found = check_web(read_squid(path, errors), str(path), categorizer(tmp_path), context())
    assert errors == []
    assert {(o.signals[0].kind, o.signals[0].data["who"], o.signals[0].data["day"]) for o in found} == expected


def test_evidence_is_a_day_aggregate_not_a_list_of_sites(tmp_path: Path) -> None:
    log = native("2026-10-05T14:00:00", "t1", "https://www.facebook.com/groups/secret-page", 20)
    log += native("2026-10-05T15:00:00", "t1", "https://www.reddit.com/r/private", 10)
    path = write(tmp_path / "access.log", log)
    (obs,) = check_web(read_squid(path, []), str(path), categorizer(tmp_path), context())
    record = json.loads(obs.item.raw)
    assert record["requests"] == 30 and record["distinct_domains"] == 2
    assert record["top_domains"] == {"facebook.com": 20, "reddit.com": 10}
    assert b"/groups" not in obs.item.raw and b"/r/private" not in obs.item.raw
    assert "coaching" in obs.signals[0].explanation
    # Same log, same aggregate, same item id: re-importing adds nothing.
    (again,) = check_web(read_squid(path, []), str(path), categorizer(tmp_path), context())
    assert again.item.id == obs.item.id


def test_an_earlier_finding_makes_the_first_day_a_repeat(tmp_path: Path) -> None:
    path = write(tmp_path / "access.log", native("2026-10-05T14:00:00", "t1", "https://x.com/", 25))
    ctx = context()
    ctx.web_seen = {("t1", "social"): date(2026, 10, 1)}
    (obs,) = check_web(read_squid(path, []), str(path), categorizer(tmp_path), ctx)
    assert obs.signals[0].kind == "posture.web.social.repeat"


def test_common_and_combined_logformat() -> None:
    common = (
        '10.1.2.3 - t1 [05/Oct/2026:09:00:00 -0500] "GET http://www.facebook.com/ HTTP/1.1" 200 5120 '
        "TCP_MISS:HIER_DIRECT"
    )
    combined = common[: common.index(" TCP_MISS")] + ' "-" "Mozilla/5.0"'
    for line in (common, combined):
        r = parse_line(line, 7)
        assert r is not None
        assert (r.user, r.host, r.nbytes, r.line) == ("t1", "www.facebook.com", 5120, 7)
        assert r.ts == datetime(2026, 10, 5, 14, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://user:pw@Example.COM:8080/a", "example.com"),
        ("login.yahoo.com:443", "login.yahoo.com"),
        ("https://[2001:db8::1]:443/x", "2001:db8::1"),
        ("cache_object://localhost/counters", "localhost"),
    ],
)
def test_split_url(url: str, host: str) -> None:
    assert split_url(url)[0] == host


def test_junk_lines_are_errors_with_line_numbers(tmp_path: Path) -> None:
    log = native("2026-10-05T14:00:00", "t1", "https://x.com/") + "garbage here\n\n" + "1.5 x y z\n"
    errors: list[ReadError] = []
    assert len(list(read_squid(write(tmp_path / "a.log", log), errors))) == 1
    assert [e.position for e in errors] == ["line 2", "line 4"]


def test_dev_data_squid_logs_read_or_recorded() -> None:
    root = dev_data("squid_access_logs")
    for path in sorted(root.rglob("*.log")):
        if "squidguard" in str(path):
            continue  # squidGuard's own log, not an access log
        errors: list[ReadError] = []
        parsed = list(read_squid(path, errors))
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
        assert len(parsed) + len(errors) == len(lines), path
    assert list(read_squid(root / "elastic_beats" / "access2.log", []))[0].host == "www.fas.harvard.edu"


def test_dev_data_ut1_lists() -> None:
    root = dev_data("url_categories_ut1_toulouse")
    cat = Categorizer.load(["social_networks", "shopping"], [root])
    assert cat.categorize("www.facebook.com") == ("social_networks", "facebook.com")
    assert cat.categorize("epicurious.com", "/community/recipes") == ("social_networks", "epicurious.com")
    assert cat.categorize("www.iowa.gov") is None


def test_ntlm_user_names_resolve_to_people(tmp_path: Path) -> None:
    path = write(tmp_path / "access.log", native("2026-10-05T14:00:00", "PCCSD\\t1", "https://x.com/", 25))
    (obs,) = check_web(read_squid(path, []), str(path), categorizer(tmp_path), context())
    assert obs.signals[0].data["staff_id"] == "t1"


def test_the_first_day_stays_first_when_imported_again(tmp_path: Path) -> None:
    path = write(tmp_path / "access.log", native("2026-10-05T14:00:00", "t1", "https://x.com/", 25))
    ctx = context()
    ctx.web_seen = {("t1", "social"): date(2026, 10, 5)}
    (obs,) = check_web(read_squid(path, []), str(path), categorizer(tmp_path), ctx)
    assert obs.signals[0].kind == "posture.web.social.first"
