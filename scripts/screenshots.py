"""Screenshots of the console's main pages for docs/screenshots/, from the sample district.

    python scripts/screenshots.py [--out docs/screenshots]

Builds a throw-away demo workspace (SQLite, in a temporary folder), serves the console on a free
loopback port, signs in through the real pages with Debian's chromium (Playwright) and saves one
PNG per page. Needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pyotp
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.web.browser import browser_page, chromium_missing, serve  # noqa: E402
from tests.web.conftest import NEW_PASSWORD, Demo, build_demo  # noqa: E402

from aupguard.cli.demo_cmd import demo_district_dir  # noqa: E402
from aupguard.console import cases  # noqa: E402
from aupguard.posture.demo import import_demo_posture  # noqa: E402
from aupguard.web import create_app  # noqa: E402


def records_request(demo: Demo) -> int:
    """A request scoped to two of the counselor's check-in mails, for records.png."""
    from datetime import UTC, date, datetime

    from aupguard.archive.search import SearchQuery
    from aupguard.records import requests

    ws = demo.ws
    rid = requests.intake(
        ws.engine,
        requester="anonymous",
        channel="electronic",
        description="Counselor check-in mails of 29 September",
        received_on=date.today(),
        actor="console:jkowalczyk",
    )
    q = SearchQuery(
        text="check-in",
        addresses=["sclark@pccsd.example.org"],
        since=datetime(2026, 9, 29, tzinfo=UTC),
        until=datetime(2026, 9, 30, tzinfo=UTC),
    )
    requests.set_scope(ws.engine, ws.directory(), rid, q, actor="console:jkowalczyk")
    return rid


def sign_in(page, base: str, demo: Demo, username: str, shots: Path | None = None) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/sign-in")
    if shots:
        page.screenshot(path=str(shots / "sign-in.png"))
    page.fill("#username", username)
    page.fill("#password", demo.passwords[username])
    page.click("button[type=submit]")
    page.wait_for_selector("#code")
    if shots:
        page.screenshot(path=str(shots / "enrol-two-factor.png"))
    secret = page.inner_text("#totp-secret").strip()
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("form[action='/sign-in/second-factor'] button")
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#repeat", NEW_PASSWORD)
    page.click("form[action='/password'] button")
    page.wait_for_selector("a[href='/home']")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    why = chromium_missing()
    if why:
        print(f"cannot take screenshots: {why}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        demo = build_demo(Path(tmp) / "ws", None, mp)
        import_demo_posture(demo.ws, demo_district_dir() / "posture")  # as `aupguard demo` does
        with serve(create_app(demo.ws)) as base, browser_page() as page:
            sign_in(page, base, demo, "mjorgensen", args.out)
            for name, path in (("queue", "/queue"), ("dashboard", "/dashboard"), ("approvals", "/approvals")):
                page.goto(base + path)
                page.screenshot(path=str(args.out / f"{name}.png"), full_page=True)
            page.goto(f"{base}/cases/{cases.pseudonym(demo.ws.engine, 'stf-011').removeprefix('Person ')}")
            page.screenshot(path=str(args.out / "case-before-opening.png"), full_page=True)
            page.fill("#open-reason", "weekly review")
            page.click("form[action$='/open'] button")
            page.wait_for_selector("#decide-h")
            page.screenshot(path=str(args.out / "case.png"), full_page=True)
            page.click("form.signout button")
            sign_in(page, base, demo, "cbauman")
            page.goto(base + "/home")
            page.screenshot(path=str(args.out / "employee-home.png"), full_page=True)
            page.goto(base + "/draft")
            page.fill("#text", "Congrats to Jackson Schroeder on making the honor roll! His GPA is 3.9 this term.")
            page.select_option("#channel", "post")
            page.click("form[action='/draft'] button")
            page.wait_for_selector("#draft-result h2, #draft-clean")
            page.screenshot(path=str(args.out / "draft-check.png"), full_page=True)
            page.goto(base + "/permissions")
            page.click("#kind-personal_phone_contact summary")
            page.screenshot(path=str(args.out / "permissions.png"), full_page=True)
            page.click("form.signout button")
            sign_in(page, base, demo, "bdecker")
            page.goto(base + "/posture")
            page.screenshot(path=str(args.out / "posture.png"), full_page=True)
            page.click("form.signout button")
            sign_in(page, base, demo, "jkowalczyk")
            page.goto(f"{base}/records/requests/{records_request(demo)}")
            page.screenshot(path=str(args.out / "records.png"), full_page=True)
        demo.ws.close()
    for png in sorted(args.out.glob("*.png")):
        print(png.relative_to(REPO) if png.is_relative_to(REPO) else png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
