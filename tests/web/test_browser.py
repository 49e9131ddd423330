"""The console in a real browser (Debian chromium, headless, via Playwright): enrol two-factor
sign-in from the QR page's key, review and decide a case, request and approve a permission and
see the finding become covered, and check a draft post with htmx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyotp
import pytest

from aupguard.console import cases
from aupguard.store import findings_repo
from aupguard.web import create_app
from tests.web.browser import browser_page, chromium_missing, serve
from tests.web.conftest import NEW_PASSWORD, Demo

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))


@pytest.fixture(scope="module")
def base_url(demo: Demo) -> Iterator[str]:
    with serve(create_app(demo.ws)) as url:
        yield url


def enrol_and_sign_in(page: Any, base_url: str, demo: Demo, username: str) -> None:
    """First sign-in as a person would do it: one-time password, the authenticator app set up
    from the key shown under the QR code, then a password of one's own."""
    page.goto(f"{base_url}/sign-in")
    page.fill("#username", username)
    page.fill("#password", demo.passwords[username])
    page.click("button[type=submit]")
    page.wait_for_selector("figure.qr svg")  # the QR code is on the page
    secret = page.inner_text("#totp-secret").strip()
    page.fill("#code", pyotp.TOTP(secret).now())  # what the authenticator app shows
    page.click("form[action='/sign-in/second-factor'] button")
    page.wait_for_selector("text=Choose your password")
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#repeat", NEW_PASSWORD)
    page.click("form[action='/password'] button")
    page.wait_for_selector("a[href='/home'][aria-current='page']")


def sign_out(page: Any) -> None:
    page.click("form.signout button")
    page.wait_for_selector("#username")


def test_review_request_approve_and_check_a_draft(demo: Demo, base_url: str) -> None:
    ramirez = cases.pseudonym(demo.ws.engine, "stf-023")
    with browser_page() as page:
        # The principal enrols two-factor sign-in and decides a case from the queue.
        enrol_and_sign_in(page, base_url, demo, "mjorgensen")
        page.click("nav >> text=Review queue")
        assert "Ramirez" not in page.content()  # pseudonymized in the queue
        page.click(f"text={ramirez}")
        page.fill("#open-reason", "weekly review")
        page.click("form[action$='/open'] button")
        page.wait_for_selector("h1:has-text('Wendy Ramirez')")
        assert page.locator("mark").count() >= 1 or page.locator("pre.excerpt").count() >= 1
        page.check("input[name=outcome][value=coach]")
        page.fill("#decide-reason", "talked about personal posts on district time")
        page.click("form[action$='/decide'] button")
        page.wait_for_selector("#decided")
        assert "Coach" in page.inner_text("#decided")
        sign_out(page)

        # The employee requests permission to text students from his personal phone.
        enrol_and_sign_in(page, base_url, demo, "cbauman")
        page.click("nav >> text=Permissions")
        page.click("#kind-personal_phone_contact summary")
        form = page.locator("#kind-personal_phone_contact form")
        form.locator("textarea[name=reason]").fill("rides home after away games")
        form.locator("input[name=valid_from]").fill("2026-08-01")
        form.locator("button").click()
        page.wait_for_selector("#filed")
        # ... and checks a draft post before posting it (htmx swaps the result in).
        page.click("nav >> text=Check a draft")
        page.fill("#text", "Great win tonight! Uncensored nude pics and xxx videos in the link.")
        page.click("form[action='/draft'] button")
        page.wait_for_selector("#draft-result .draft-findings")
        assert "401.13R1/prohibited/obscene" in page.inner_text("#draft-result")
        assert page.url.endswith("/draft")  # swapped in place, no page load
        sign_out(page)

        # The principal approves it; the finding about the texts becomes covered.
        page.goto(f"{base_url}/sign-in")
        page.fill("#username", "mjorgensen")
        page.fill("#password", NEW_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#code")
        page.fill("#code", _fresh_code(demo, "mjorgensen"))
        page.click("form[action='/sign-in/second-factor'] button")
        page.click("nav >> text=Approvals")
        card = page.locator("article[id^=request-]").first
        card.locator("input[name=reason]").fill("approved for the season")
        card.locator("button[value=approve]").click()
        page.wait_for_selector("#decided")
        assert "1 finding(s) now covered" in page.inner_text("#decided")
        # ... and looks at her buildings' security posture, drilling down into one clause.
        page.click("nav >> text=Posture")
        page.wait_for_selector("#posture-summary")
        assert "Your buildings only" in page.content()
        page.click("#posture-summary th a")
        page.wait_for_selector("article.posture-finding, #posture-none")
    contact = next(
        r
        for r in findings_repo.query_findings(demo.ws.engine, person="stf-011")
        if r["rule_id"] == "off-district-contact"
    )
    assert contact["status"] == "covered"


def _fresh_code(demo: Demo, username: str) -> str:
    """A code the server has not accepted yet (the first sign-in used this 30-second step's code)."""
    from aupguard.console import auth

    user = auth.find_user(demo.ws.engine, username)
    assert user is not None
    return auth.current_code(demo.ws.engine, user.id)
