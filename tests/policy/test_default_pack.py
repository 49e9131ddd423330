"""The packaged 401.13 / 401.13R1 pack: complete policy text, the spec's rules, coherent references."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.detectors.registry import BUILTIN
from aupguard.model import Channel, Severity
from aupguard.policy import UnknownClause, check_pack, default_pack, load_pack
from aupguard.policy.loader import DEFAULT_PACK
from aupguard.posture.kinds import POSTURE_SIGNAL_KINDS

PACK_FILE = Path(__file__).resolve().parents[2] / "src" / "aupguard" / "policy" / DEFAULT_PACK
POLICY_TEXT = Path(__file__).resolve().parents[3] / "shared" / "policy" / "401.13-staff-technology-use.txt"

# Distinctive words from every paragraph and bullet of 401.13 and 401.13R1.
PHRASES = [
    "are a powerful and valuable education and research tool",
    "does not disrupt from or disrupt the educational process",
    "designating a Technology Integrationist Specialist",
    "prepare in-service programs for the training and development",
    "shall establish regulations governing the use and security",
    "make every reasonable effort to maintain the security",
    "suspension and/or revocation of technology access privileges",
    "is a privilege, not a right, and that use entails responsibility",
    "district maintained social media and e-mail accounts are the property",
    "are considered a public record",
    "is determined on a case by case basis",
    "including web sites visited",
    "reserves the right to access and view any material",
    "procedures governing management of technology records",
    "The procedures will address at a minimum:",
    "passwords,",
    "system administration,",
    "separation of duties,",
    "remote access,",
    "data back-up (including archiving of email),",
    "record retention, and",
    "disaster recovery plans.",
    "school-school district sanctioned web sites, are considered external web sites",
    "including photographic images",
    "adhere to all applicable privacy and confidentiality policies",
    "logos, images, iconography, etc.",
    "not in direct-relation to the employee’s job",
    "the internet is not a closed system",
    "should refrain from exposing it on the Internet",
    "should not connect with students via external web sites or social media",
    "should contact the superintendent and/or designee",
    "develop administrative regulations implementing this policy",
    "management of digital records:",
    "Employees will be issued a school district email account.",
    "Passwords should be changed periodically.",
    "two-factor authentication for Google accounts, the Student Information System (SIS)",
    "responsible at all times for its proper use",
    "reply as the circumstances allow",
    "must be made on a school district computer, unless in the case of an emergency",
    "for education-related and/or work-related activities",
    "including access to social networking sites",
    "subject to inspection or search at any time",
    "or any content therein",
    "the acceptable use and conduct regulation, outlined below",
    "Inappropriate use may result in the suspension or revocation of that privilege.",
    "Off-site access to the school district network will be determined by the superintendent",
    "Abusive language, vulgarities and swear words are all inappropriate.",
    "identifying a security problem on the school district's network must notify appropriate staff",
    "identified as a security risk or having a history of violations",
    "mindful of their conduct, both on and off the worksite",
    "material posted with personal devices and on personal websites",
    "adversely affect an employee’s ability to effectively perform job duties",
    "should be limited as appropriate and consistent with professional obligations",
    "consult their building administrator",
    "The following is a list of prohibited activities for all employees",
    "or other appropriate penalty, including suspension or revocation",
    "commercial activity, including advertising, or personal gain",
    "making available any copyrighted software on the school district network",
    "See Policy 605.7, Use of Information Resources for more information.",
    "obscene, or sexually explicit material",
    "racist, sexist, and abusive or harassing to others",
    "Use of another’s account or password.",
    "Attempting to read, delete, copy or modify the electronic mail (e-mail) of other system users.",
    "Forging or attempting to forge e-mail messages",
    "creating and/or placing a virus on the network",
    "Using the network to send anonymous messages or files.",
    "personal address, telephone number or other personal information of oneself or another person",
    "Intentionally disrupting network traffic or crashing the network",
    "without the permission of the Technology Director",
    "inconsistent with directions from teachers and other staff",
    "should limit phone usage for school district business",
    "unless in the case of an emergency or with prior consent of the principal",
    "texts go to all students and the principal is included",
    "limit the use of personal information when contacting families",
]

# The spec's table of rules that work now: clause, signals, when, severity, reviewer, covered_by.
ACTIVE = {
    "student-info-external": (
        "401.13/external/confidential",
        ["student.*"],
        {"external": True, "sender_kind": ["staff", "volunteer"]},
        "high",
        "principal",
        ["post_confidential"],
    ),
    "personal-info-revealed": (
        "401.13R1/prohibited/personal-info",
        ["pii.*"],
        {"external": True, "sender_kind": ["staff", "volunteer"]},
        "medium",
        "principal",
        ["personal_info_release"],
    ),
    "off-district-contact": (
        "401.13R1/other/contact-through-district",
        ["contact.*"],
        {},
        "medium",
        "principal",
        ["personal_phone_contact", "emergency_contact"],
    ),
    "group-text-incomplete": (
        "401.13R1/other/coach-text-lists",
        ["group_text.*"],
        {"channel": ["text"]},
        "medium",
        "principal",
        [],
    ),
    "social-student-connection": (
        "401.13/external/connect-students",
        ["social.student_connection"],
        {},
        "high",
        "superintendent",
        ["social_connect_students"],
    ),
    "social-site-unapproved": (
        "401.13/external/start-site",
        ["social.site_created"],
        {},
        "medium",
        "superintendent",
        ["social_site"],
    ),
    "anonymous-message": (
        "401.13R1/prohibited/anonymous",
        ["identity.anonymous", "identity.disposable_domain"],
        {"channel": ["email"]},
        "medium",
        "technology_director",
        [],
    ),
    "forged-message": (
        "401.13R1/prohibited/forging",
        ["identity.forged"],
        {"channel": ["email"]},
        "high",
        "technology_director",
        [],
    ),
    "software-transfer": (
        "401.13R1/prohibited/copyright-software",
        ["software.*"],
        {},
        "medium",
        "technology_director",
        ["personal_software"],
    ),
    "offensive-language": (
        "401.13R1/general/network-etiquette",
        ["language.offensive"],
        {"sender_kind": ["staff", "volunteer"]},
        "low",
        "principal",
        [],
    ),
    "harassing-messages": (
        "401.13R1/prohibited/harassing",
        ["language.harassment", "language.identity_attack"],
        {"sender_kind": ["staff", "volunteer"]},
        "high",
        "principal",
        [],
    ),
    "credentials-in-message": (
        "401.13R1/general/account-responsibility",
        ["credentials.*"],
        {"sender_kind": ["staff", "volunteer"]},
        "medium",
        "technology_director",
        [],
    ),
    "sexual-content": (
        "401.13R1/prohibited/obscene",
        ["content.sexual", "content.sexual_attachment"],
        {},
        "high",
        "principal",
        [],
    ),
    "commercial-activity": (
        "401.13R1/prohibited/commercial",
        ["content.commercial"],
        {"sender_kind": ["staff", "volunteer"]},
        "low",
        "principal",
        [],
    ),
}

PERMISSION_APPROVERS = {
    "post_confidential": ["superintendent"],
    "social_connect_students": ["superintendent"],
    "social_site": ["superintendent", "designee"],
    "offsite_access": ["superintendent"],
    "personal_phone_contact": ["principal"],
    "emergency_contact": ["principal"],
    "personal_info_release": ["principal"],
    "personal_software": ["technology_director"],
    "personal_device": ["technology_director"],
    "mailbox_access": ["technology_director"],
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def test_default_pack_loads_with_no_problems_at_all() -> None:
    pack = load_pack()
    assert pack.id == "iasb-401.13"
    assert pack.codes == ["401.13", "713"]
    assert str(pack.adopted) == "2015-09-23" and str(pack.revised) == "2023-01-25"
    assert check_pack(PACK_FILE) == []  # not even a warning
    assert default_pack() is default_pack()


@pytest.mark.parametrize("phrase", PHRASES)
def test_every_part_of_the_policy_is_a_clause(phrase: str) -> None:
    matches = [c.id for c in default_pack().clauses() if phrase in c.text]
    assert matches, f"no clause holds {phrase!r}"


def test_clause_text_is_verbatim_and_complete() -> None:
    """Against the policy file itself: each clause is its words, and each sentence is in the pack."""
    if not POLICY_TEXT.exists():
        pytest.skip("shared policy text not present")
    pack = default_pack()
    source = _norm(POLICY_TEXT.read_text(encoding="utf-8"))
    for clause in pack.clauses():
        assert _norm(clause.text) in source, clause.id
    # Everything else the file prints is held as data: titles, headings, references, the note.
    held = [c.text for c in pack.clauses()]
    for doc in pack.documents:
        held += [doc.title, *(s.heading or "" for s in doc.sections), *(a.text for a in doc.annotations)]
    held += [r.citation for r in pack.legal_references] + [f"{r.code} {r.title}" for r in pack.cross_references]
    corpus = _norm(" ".join(held))
    metadata = re.compile(r"^(Code No\.|Approved:|Revised:|Legal Reference:|Cross Reference:|401\.13(R1)? Staff)")
    for line in POLICY_TEXT.read_text(encoding="utf-8").splitlines():
        line = _norm(line).lstrip("• ").removeprefix("[SS1]").rstrip(".")
        if line and not metadata.match(line):
            assert line in corpus, f"policy line not in the pack: {line[:80]!r}"


def test_clause_ids_follow_document_and_section() -> None:
    pack = default_pack()
    for doc in pack.documents:
        for section in doc.sections:
            for clause in section.clauses:
                assert clause.id.startswith(f"{doc.code}/{section.slug}/")
    assert len({c.id for c in pack.clauses()}) == len(pack.clauses())


def test_clauses_resolve_under_713_numbers() -> None:
    pack = default_pack()
    assert pack.clause("713R1/prohibited/harassing") is pack.clause("401.13R1/prohibited/harassing")
    assert pack.clause("713/external/connect-students").id == "401.13/external/connect-students"
    assert pack.has_clause("713R1/other/coach-text-lists")
    with pytest.raises(UnknownClause, match="did you mean '401.13R1/prohibited/harassing'"):
        pack.clause("401.13R1/prohibited/harasing")


def test_active_rules_are_exactly_the_spec_table() -> None:
    pack = default_pack()
    # Rules on posture checks (logs and exports) have their own table in tests/posture.
    message_rules = [r for r in pack.active_rules() if not set(r.detectors) & set(POSTURE_SIGNAL_KINDS)]
    assert {r.id for r in message_rules} == set(ACTIVE)
    for rule in message_rules:
        clause, signals, when, severity, reviewer, covered_by = ACTIVE[rule.id]
        assert rule.clause == clause and pack.has_clause(rule.clause)
        assert rule.signals == signals
        assert rule.when.model_dump(exclude_none=True) == when
        assert rule.severity == Severity(severity)
        assert rule.reviewer == reviewer
        assert rule.covered_by == covered_by
        assert not rule.hold
        for kind in rule.covered_by:
            assert pack.permission_kind(kind)


def test_rules_for_signal_selects_by_pattern() -> None:
    pack = default_pack()
    assert [r.id for r in pack.rules_for_signal("student.birth_date")] == ["student-info-external"]
    assert [r.id for r in pack.rules_for_signal("identity.disposable_domain")] == ["anonymous-message"]
    assert [r.id for r in pack.rules_for_signal("group_text.principal_missing")] == ["group-text-incomplete"]
    assert pack.rules_for_signal("language.unknown") == []
    # Signals of every detector reach at least one active rule.
    for kinds in SIGNAL_KINDS.values():
        for kind in kinds:
            assert pack.rules_for_signal(kind), kind


def test_waiting_rules_say_what_they_need() -> None:
    pack = default_pack()
    waiting = [r for r in pack.rules if not r.active]
    assert len(waiting) >= 10
    for rule in waiting:
        assert rule.status in ("needs_source", "needs_detector")
        assert rule.needs and rule.needs.endswith(".")
        assert pack.has_clause(rule.clause)
    needs = {r.clause: r.needs or "" for r in waiting}
    assert "VPN" in needs["401.13/procedures/remote-access"]
    assert "password policy settings" in needs["401.13/procedures/passwords"]
    # Clauses whose sources arrived with the posture checks (issue 6) are cited by active rules.
    active = {r.clause for r in pack.active_rules()}
    assert {"401.13R1/general/passwords", "401.13R1/general/personal-use", "401.13R1/prohibited/personal-software",
            "401.13R1/prohibited/others-email"} <= active  # fmt: skip


def test_uncheckable_clauses_say_why() -> None:
    pack = default_pack()
    review = pack.clause("401.13R1/general/email-review")
    assert review.checkable is False and review.why
    cited = {r.clause for r in pack.rules}
    for clause in pack.clauses():
        if clause.kind in ("duty", "prohibition"):
            assert clause.id in cited or not clause.checkable, clause.id


def test_permission_kinds_and_social_site_form() -> None:
    pack = default_pack()
    assert {k.id: k.approver_roles for k in pack.permission_kinds} == PERMISSION_APPROVERS
    assert pack.permission_kind("emergency_contact").emergency
    assert not pack.permission_kind("personal_phone_contact").emergency
    for kind in pack.permission_kinds:
        assert pack.has_clause(kind.clause)
    form = {f.id: f.type for f in pack.permission_kind("social_site").form}
    for field in ("request_date", "building", "employee", "title", "email", "platform", "purpose", "audience"):
        assert field in form
    assert form["launch_date"] == "date"
    assert form["age_restriction_checked"] == "boolean"
    assert form["principal_signature"] == "signature"


def test_settings() -> None:
    pack = default_pack()
    offensive = pack.detector_settings()["offensive_language"]
    assert offensive["threshold"] == {"default": 0.95, "post": 0.45} and offensive["allow"] == []
    assert set(pack.settings.detectors) <= set(BUILTIN)
    reviewers = pack.settings.reviewers
    assert {r.reviewer for r in pack.rules} <= set(reviewers)
    assert reviewers["principal"].scope == "building"
    assert reviewers["principal"].escalate == {"principal": "superintendent", "superintendent": "board_president"}


def test_examples_are_on_text_rules_and_channels_they_run_on() -> None:
    pack = default_pack()
    with_examples = [r for r in pack.rules if r.examples]
    assert {"offensive-language", "sexual-content", "commercial-activity"} <= {r.id for r in with_examples}
    for rule in with_examples:
        assert {e.expect for e in rule.examples} == {"fire", "pass"}
        for example in rule.examples:
            channel = example.channel or Channel.EMAIL
            assert rule.when.channel is None or channel in rule.when.channel


def test_signal_kind_table_names_every_registered_detector() -> None:
    assert set(SIGNAL_KINDS) == set(BUILTIN)
