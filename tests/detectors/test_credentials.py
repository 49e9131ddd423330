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


# ---------------------------------------------------------------- delivered to the holder vs shared

REPORT_DELIVERIES = DetectContext(settings={"credentials": {"delivery_to_holder_is_sharing": True}})


def mail(body: str, sender: str, subject: str | None = None, **headers: str) -> Item:
    return Item(
        "x", Channel.EMAIL, "t", "", b"", sender=sender, subject=subject, body=body,
        headers={name.replace("_", "-"): [value] for name, value in headers.items()},
    )  # fmt: skip


def kinds(it: Item, ctx: DetectContext = CTX) -> list[str]:
    return [s.kind for s in CredentialsDetector().detect(it, ctx)]


DELIVERIES = [
    # an automated reset to the holder
    mail("Your password has been reset. Your new password is Tigers2023!", "noreply@sis.example.org"),
    mail("Password: Falcons#2026", "it-alerts@district.example.org", auto_submitted="auto-generated"),
    # SAP's reset mail (Enron): the system says so itself
    mail(
        "THIS IS A GENERATED EMAIL - DO NOT REPLY!\n\n"
        "The password for your account:P00531014 has been reset to:14640101",
        "sap_security@corp.example.com",
    ),
    # an administrator provisioning the holder's new account (Enron's UBSWenergy mail)
    mail("STACK MANAGER\nUser ID: ebass\nPassword: q#9M#npX\t(Please Change)", "stephanie.sever@corp.example.com"),
    mail(
        "Welcome! Your temporary password is Bluejay77; you will be prompted to change it.", "helpdesk@corp.example.com"
    ),
    # an automated one-time code to the holder
    mail("Your verification code is 482913.", "no-reply@accounts.example.com"),
]


@pytest.mark.parametrize("it", DELIVERIES)
def test_delivery_to_the_holder_is_not_reported_by_default(it: Item) -> None:
    assert kinds(it) == []
    assert kinds(it, REPORT_DELIVERIES)


def test_a_person_forwarding_a_reset_mail_is_sharing() -> None:
    body = (
        "Can you get in and fix my grades?\n\n-----Original Message-----\nFrom: noreply@sis.example.org\n"
        "THIS IS A GENERATED EMAIL - DO NOT REPLY!\nYour password has been reset. Your new password is Tigers2023!"
    )
    it = mail(body, "jdoe@district.example.org")
    (sig,) = CredentialsDetector().detect(it, CTX)
    assert sig.kind == "credentials.password" and "forwarded" in sig.explanation
    pasted = mail("Your new password is Tigers2023! Please change it.", "jdoe@district.example.org", "Fw: reset")
    assert kinds(pasted) == ["credentials.password"]


def test_a_forwarded_code_from_a_person_is_sharing() -> None:
    body = "Here you go\n\nBegin forwarded message:\n\nYour verification code is 482913."
    assert kinds(mail(body, "jdoe@district.example.org")) == ["credentials.one_time_code"]


def test_first_person_sharing_beats_delivery_wording() -> None:
    it = mail("Use my account for the sub: my password is Tigers2023 (please change nothing).", "jdoe@x.example.org")
    assert kinds(it) == ["credentials.password"]


@pytest.mark.parametrize(
    "body",
    [
        # Enron newsletter: "password" then a slash-joined word is prose
        "If you can't remember your password and/or your user name, click here",
        # an empty password parameter in a link (Enron): nothing after "="
        "<http://intranet/livelink.exe?func=ll.login&username=GCPGuest&password=&nextURL=%2fena>",
    ],
)
def test_prose_and_empty_url_parameters_are_not_passwords(body: str) -> None:
    assert found(body) == []


def test_a_password_in_a_link_is_shared() -> None:
    # Whoever follows the link signs in as jsmith: defensible, so it is reported.
    assert found("Grades: https://portal.example.org/login?user=jsmith&password=Tigers2023") == ["credentials.password"]


def test_set_up_wording_about_users_is_still_delivery() -> None:
    body = "Your temporary password is Bluejay77. All users must change their password at first log in."
    assert kinds(mail(body, "helpdesk@x.example.org")) == []


def test_cue_starts_from_the_shared_pass_are_those_of_str_find() -> None:
    import random

    from aupguard.detectors.credentials import CODE_CUES, PASSWORD_CUES, _cue_starts, _item_cue_starts

    pieces = ["Password: x1", "PW", "pwd", "shipping", "PIN", "opinion", "code", "zipcode", "one-time", "One Time",
              "OTP", "passcode", "passphrase", "2pin", "_pin", " ", "\n", ".", "x"]  # fmt: skip
    rng = random.Random(3)
    for _ in range(3000):
        full = "".join(rng.choices(pieces, k=rng.randint(0, 12)))
        limit = rng.randint(0, len(full))  # the detector reads at most MAX_TEXT characters
        lower = full[:limit].lower()
        assert _item_cue_starts(full, limit) == (_cue_starts(lower, PASSWORD_CUES), _cue_starts(lower, CODE_CUES))
