"""credentials: passwords and one-time codes that MUST and MUST NOT be reported; the secret is masked."""

from __future__ import annotations

import pytest

from aupguard.detectors.base import DetectContext
from aupguard.detectors.credentials import CredentialsDetector, looks_secret, mask
from aupguard.model import Channel, Item

CTX = DetectContext()


def item(body: str, subject: str | None = None) -> Item:
    return Item("x", Channel.EMAIL, "t", "", b"", subject=subject, body=body)


def found(body: str, ctx: DetectContext = CTX, subject: str | None = None) -> list[str]:
    return [s.kind for s in CredentialsDetector().detect(item(body, subject), ctx)]


MUST_FIRE = [
    ("Can you enter my grades today? My login is jsmith and my password is Tigers2023!", "credentials.password"),
    ("password: Falcons#2026", "credentials.password"),
    ("pw Summer2024 for the lab laptops", "credentials.password"),
    ('The wifi password for the library is "readmore".', "credentials.password"),
    ("The password for the gradebook is Bluejay77", "credentials.password"),
    ("Your verification code is 482913. Do not share it.", "credentials.one_time_code"),
    ("Here's the one-time code for my district sign-in: 735201", "credentials.one_time_code"),
    ("Can you log in as me? The sign-in code it just sent me is 735201.", "credentials.one_time_code"),
]

MUST_NOT_FIRE = [
    "Reminder to change your password before the new semester starts.",
    "Your password is expiring in 3 days.",
    "password: required",
    "I reset my password yesterday and it works now.",
    "Please bring code 1234 forms to the office.",
    "Dial in and mention the passcode 6550314# to join the call.",
    "(use your district log in & password)",
    "The bus leaves at 7:30; the pin on the map marks the gym.",
    "Passwords must be at least 12 characters long.",
]


@pytest.mark.parametrize(("body", "kind"), MUST_FIRE)
def test_must_fire(body: str, kind: str) -> None:
    assert kind in found(body)


@pytest.mark.parametrize("body", MUST_NOT_FIRE)
def test_must_not_fire(body: str) -> None:
    assert found(body) == []


def test_secret_is_masked_and_span_points_at_it() -> None:
    it = item("My password is Tigers2023 if you need it.")
    (sig,) = CredentialsDetector().detect(it, CTX)
    assert it.text[sig.start : sig.end] == "password is Tigers2023"
    assert "Tigers2023" not in sig.text + sig.explanation + str(sig.data)
    assert sig.text == "password ... T********3" and sig.data["length"] == 10


def test_one_code_one_signal() -> None:
    assert found("Your one-time code is 482913 for sign-in.") == ["credentials.one_time_code"]


def test_quoted_reply_lines_and_allow_are_skipped() -> None:
    assert found("Thanks!\n> my password is Tigers2023", subject="Re: grades") == []
    allow = DetectContext(settings={"credentials": {"allow": ["password is Demo1234"]}})
    assert found("The training password is Demo1234.", allow) == []
    assert found("The training password is Demo1234.") == ["credentials.password"]


def test_codes_setting_turns_codes_off() -> None:
    off = DetectContext(settings={"credentials": {"codes": False}})
    assert found("Your verification code is 482913.", off) == []


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        ("Tigers2023", True),
        ("q#9M#npX", True),
        ("McKinley", True),
        ("expiring", False),
        ("(use", False),
        ("the", False),
    ],
)
def test_looks_secret(value: str, secret: bool) -> None:
    assert looks_secret(value) is secret


def test_mask() -> None:
    assert mask("Tigers2023") == "T********3" and mask("ab") == "**"
