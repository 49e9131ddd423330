"""sender_identity: tables of items that MUST and MUST NOT produce each identity signal."""

from __future__ import annotations

import pytest

from aupguard.detectors.base import DetectContext
from aupguard.detectors.sender_identity import SenderIdentityDetector, organizational_domain
from aupguard.directory.index import Directory
from aupguard.model import Account, Channel, Item, Person, PersonKind

DISTRICT = "demo.k12.ia.us"
MX = "mx.demo.k12.ia.us"
PAT = "Pat <pat@example.org>"


def _directory() -> Directory:
    people = [
        Person("s1", PersonKind.STAFF, "Jane", "Doe", roles=["superintendent"]),
        Person("s2", PersonKind.STAFF, "Robert", "Lee", preferred_name="Bob"),
        Person("g1", PersonKind.GUARDIAN, "Jane", "Doe"),  # a parent who shares the name
        Person("st1", PersonKind.STUDENT, "Amy", "Park"),
    ]
    accounts = [
        Account(f"jane.doe@{DISTRICT}", "email", "s1", True),
        Account("janedoe.home@gmail.com", "email", "s1", False),
        Account(f"bob.lee@{DISTRICT}", "email", "s2", True),
        Account("jdoe.parent@yahoo.com", "email", "g1", False),
        Account(f"amy.park@{DISTRICT}", "email", "st1", True),
    ]
    return Directory.build(people, accounts=accounts, district_domains=[DISTRICT])


CTX = DetectContext(directory=_directory())


def email_item(
    from_header: str | None = "Bob Lee <bob.lee@demo.k12.ia.us>",
    sender: str | None = None,
    sender_name: str | None = None,
    **headers: str | list[str],
) -> Item:
    hdrs: dict[str, list[str]] = {}
    if from_header is not None:
        hdrs["from"] = [from_header]
    for key, value in headers.items():
        hdrs[key.replace("_", "-")] = value if isinstance(value, list) else [value]
    if sender is None and from_header and "@" in from_header:
        sender = from_header.rsplit("<", 1)[-1].strip(" >").lower()
        if sender_name is None and "<" in from_header:
            sender_name = from_header.split("<", 1)[0].strip().strip('"') or None
    return Item("x", Channel.EMAIL, "t.eml", "", b"", sender=sender, sender_name=sender_name, headers=hdrs)


def kinds(item: Item, ctx: DetectContext = CTX) -> list[str]:
    return [s.kind for s in SenderIdentityDetector().detect(item, ctx)]


# --------------------------------------------------------------------------- anonymous

ANONYMOUS_FIRES = [
    ("no From header", email_item(None)),
    ("empty From", email_item("")),
    ("From without address", email_item("Undisclosed")),
    ("group syntax only", email_item("undisclosed-recipients:;")),
    ("remailer domain", email_item("nobody@dizum.com")),
    ("remailer subdomain", email_item("anon@remailer.paranoici.org")),
    ("anonymous local part outside", email_item("anonymous@example.org")),
    ("anonymous display name outside", email_item('"Anonymous" <x9183@example.org>')),
]

ANONYMOUS_SILENT = [
    ("district sender", email_item()),
    ("ordinary outside sender", email_item("Pat Smith <pat@example.org>")),
    ("noreply of a real service", email_item("GitHub <noreply@github.com>")),
    ("district anonymous mailbox is a known address", email_item(f"anonymous@{DISTRICT}")),
]


@pytest.mark.parametrize(("label", "item"), ANONYMOUS_FIRES, ids=[x[0] for x in ANONYMOUS_FIRES])
def test_anonymous_email_fires(label: str, item: Item) -> None:
    assert "identity.anonymous" in kinds(item)


@pytest.mark.parametrize(("label", "item"), ANONYMOUS_SILENT, ids=[x[0] for x in ANONYMOUS_SILENT])
def test_anonymous_email_silent(label: str, item: Item) -> None:
    assert "identity.anonymous" not in kinds(item)


@pytest.mark.parametrize(
    ("channel", "sender", "fires"),
    [
        (Channel.TEXT, None, True),
        (Channel.TEXT, "", True),
        (Channel.TEXT, "Unknown", True),
        (Channel.TEXT, "Private Number", True),
        (Channel.POST, "facebook:anonymous", True),
        (Channel.POST, "x:anonymous_4821", True),
        (Channel.TEXT, "+15155550100", False),
        (Channel.POST, "facebook:jdoe", False),
        (Channel.POST, "instagram:anonymouse_art_club", True),  # starts with "anonymous"
        (Channel.POST, "instagram:canon_photos", False),
        (Channel.CONNECTION, None, False),  # connections are another detector's business
    ],
)
def test_anonymous_text_and_post(channel: Channel, sender: str | None, fires: bool) -> None:
    item = Item("x", channel, "t.csv", "", b"", sender=sender)
    assert ("identity.anonymous" in kinds(item)) is fires


# --------------------------------------------------------------------------- disposable


@pytest.mark.parametrize(
    ("item", "fires"),
    [
        (email_item("Pat <pat@mailinator.com>"), True),
        (email_item("Pat <pat@guerrillamail.com>"), True),
        (email_item("Bob <bob.lee@demo.k12.ia.us>", reply_to="bob@10minutemail.com"), True),
        (email_item("Pat <pat@gmail.com>"), False),
        (email_item(PAT, reply_to="pat@outlook.com"), False),
        (email_item(), False),
    ],
)
def test_disposable_domain(item: Item, fires: bool) -> None:
    assert ("identity.disposable_domain" in kinds(item)) is fires


# --------------------------------------------------------------------------- forged

FORGED_FIRES = [
    (
        "dmarc fail",
        email_item(
            f"Bob Lee <bob.lee@{DISTRICT}>",
            authentication_results=f"{MX}; spf=fail smtp.mailfrom={DISTRICT}; dmarc=fail",
        ),
    ),
    (
        "dkim only for unrelated domain, spf softfail for From",
        email_item(
            "Payroll <payroll@example.org>",
            authentication_results=(
                f"{MX}; dkim=pass header.d=bulkmailer.net; spf=softfail smtp.mailfrom=payroll@example.org"
            ),
        ),
    ),
    (
        "spf fail for From domain, no dkim",
        email_item(
            "Pat <pat@example.org>",
            authentication_results=f"{MX}; spf=fail smtp.mailfrom=pat@example.org; dkim=none",
        ),
    ),
    (
        "header name kept in value, folded",
        email_item(
            "Pat <pat@example.org>",
            authentication_results=f"Authentication-Results: {MX};\r\n\tdmarc=fail header.from=example.org",
        ),
    ),
    (
        "received-spf fail",
        email_item(
            "Pat <pat@example.org>",
            received_spf="Fail (mx.demo: domain of pat@example.org does not designate 203.0.113.9) "
            "client-ip=203.0.113.9; envelope-from=pat@example.org",
        ),
    ),
    (
        "superintendent display-name spoof",
        email_item('"Superintendent Jane Doe" <jane.doe.office@gmail.com>'),
    ),
    ("preferred name spoof", email_item('"Bob Lee" <boblee1960@outlook.com>')),
    ("Last, First spoof", email_item('"Doe, Jane" <urgent-request@example.net>')),
    (
        "topmost (district) header wins over a forged pass added upstream",
        email_item(
            "Pat <pat@example.org>",
            authentication_results=[
                f"{MX}; dmarc=fail header.from=example.org",
                f"{MX}; dmarc=pass header.from=example.org",
            ],
        ),
    ),
]

FORGED_SILENT = [
    ("no auth headers", email_item(PAT)),
    (
        "all pass",
        email_item(
            "Pat <pat@example.org>",
            authentication_results=(
                f"{MX}; dkim=pass header.d=example.org; spf=pass smtp.mailfrom=example.org; "
                "dmarc=pass header.from=example.org"
            ),
        ),
    ),
    (
        "aligned dkim (subdomain) rescues spf fail",
        email_item(
            "Pat <pat@example.org>",
            authentication_results=f"{MX}; dkim=pass header.d=mail.example.org; spf=fail",
        ),
    ),
    (
        "mailing list: spf fail about the list's bounce domain",
        email_item(
            "Pat <pat@example.org>",
            authentication_results=f"{MX}; spf=fail smtp.mailfrom=bounces@lists.other.net; dkim=none",
        ),
    ),
    (
        "softfail without any dkim pass is only soft",
        email_item("Pat <pat@example.org>", authentication_results=f"{MX}; spf=softfail smtp.mailfrom=example.org"),
    ),
    (
        "received-spf pass",
        email_item(PAT, received_spf="Pass (mx: ok) client-ip=1.2.3.4"),
    ),
    (
        "received-spf softfail",
        email_item(PAT, received_spf="SoftFail (mx) client-ip=1.2.3.4"),
    ),
    ("unparsable auth header", email_item(PAT, authentication_results=";;; ===")),
    ("staff name on district address", email_item(f'"Superintendent Jane Doe" <jane.doe@{DISTRICT}>')),
    ("staff's own recorded personal address", email_item('"Jane Doe" <janedoe.home@gmail.com>')),
    ("parent with the same name, known address", email_item('"Jane Doe" <jdoe.parent@yahoo.com>')),
    ("student name is not a staff impersonation", email_item('"Amy Park" <amy.p@gmail.com>')),
    ("name pieces not adjacent", email_item('"Jane Smith and John Doe" <team@example.org>')),
]


@pytest.mark.parametrize(("label", "item"), FORGED_FIRES, ids=[x[0] for x in FORGED_FIRES])
def test_forged_fires(label: str, item: Item) -> None:
    assert "identity.forged" in kinds(item)


@pytest.mark.parametrize(("label", "item"), FORGED_SILENT, ids=[x[0] for x in FORGED_SILENT])
def test_forged_silent(label: str, item: Item) -> None:
    assert "identity.forged" not in kinds(item)


def test_only_trusted_authserv_ids_are_read() -> None:
    item = email_item(
        "Pat <pat@example.org>",
        authentication_results=[
            "relay.example; dmarc=pass header.from=example.org",
            f"{MX}; dmarc=fail header.from=example.org",
        ],
    )
    assert "identity.forged" not in kinds(item)  # topmost header wins when no ids are configured
    trusted = DetectContext(directory=CTX.directory, settings={"sender_identity": {"authserv_ids": [MX]}})
    assert "identity.forged" in kinds(item, trusted)


def test_forged_explanation_cites_header_and_result() -> None:
    item = email_item("Pat <pat@example.org>", authentication_results=f"{MX}; dmarc=fail header.from=example.org")
    (sig,) = [s for s in SenderIdentityDetector().detect(item, CTX) if s.kind == "identity.forged"]
    assert "Authentication-Results" in sig.explanation and "dmarc=fail" in sig.explanation
    assert (sig.start, sig.end) == (-1, -1)


def test_display_name_spoof_names_the_person_and_scores_titles_higher() -> None:
    titled = SenderIdentityDetector().detect(email_item('"Superintendent Jane Doe" <jd@gmail.com>'), CTX)
    plain = SenderIdentityDetector().detect(email_item('"Jane Doe" <jd@gmail.com>'), CTX)
    assert titled[0].data["person_id"] == "s1" and titled[0].score > plain[0].score


def test_display_name_spoof_can_be_turned_off() -> None:
    ctx = DetectContext(directory=CTX.directory, settings={"sender_identity": {"display_name_spoof": False}})
    assert kinds(email_item('"Superintendent Jane Doe" <jd@gmail.com>'), ctx) == []


@pytest.mark.parametrize(
    ("domain", "org"),
    [
        ("example.org", "example.org"),
        ("mail.example.org", "example.org"),
        ("demo.k12.ia.us", "demo.k12.ia.us"),
        ("mx.demo.k12.ia.us", "demo.k12.ia.us"),
        ("ames.ia.us", "ames.ia.us"),
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("localhost", "localhost"),
    ],
)
def test_organizational_domain(domain: str, org: str) -> None:
    assert organizational_domain(domain) == org


def test_dkim_pass_without_header_d_uses_the_signature_domain() -> None:
    auth = f"{MX}; dkim=pass; spf=fail smtp.mailfrom=example.org"
    aligned = email_item(PAT, authentication_results=auth, dkim_signature="v=1; a=rsa-sha256; d=example.org; s=s1")
    unrelated = email_item(PAT, authentication_results=auth, dkim_signature="v=1; a=rsa-sha256; d=bulk.net; s=s1")
    assert "identity.forged" not in kinds(aligned)
    assert "identity.forged" in kinds(unrelated)


def test_auth_results_without_a_fail_are_not_parsed(record_calls) -> None:
    """Only a header saying "fail" can show a failure: the others are not parsed at all, and a
    failure in a lower header still counts when the topmost one cannot be parsed."""
    import aupguard.detectors.sender_identity as module

    parsed = record_calls(module, "_parse_auth_results")
    passing = f"{MX}; dkim=pass header.d=example.org; spf=pass smtp.mailfrom=example.org; dmarc=pass"
    assert "identity.forged" not in kinds(email_item("Pat <pat@example.org>", authentication_results=passing))
    assert parsed == []
    failing_below = [";;; ===", f"{MX}; dmarc=FAIL header.from=example.org"]
    assert "identity.forged" in kinds(email_item("Pat <pat@example.org>", authentication_results=failing_below))
    assert len(parsed) == 2
