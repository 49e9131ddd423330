"""The engine: conditions, externality, routing with recusal, permission coverage, pack versions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from aupguard.directory.index import Directory
from aupguard.engine import CompiledRule, EngineContext, RuleSet, compile_reviewers, evaluate, route
from aupguard.model import (
    Account,
    Building,
    Channel,
    FindingStatus,
    Item,
    Permission,
    Person,
    PersonKind,
    Severity,
    Signal,
)
from aupguard.policy.loader import default_pack

T = datetime(2026, 10, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def directory() -> Directory:
    people = [
        Person("sup", PersonKind.STAFF, "Dana", "Reyes", roles=["superintendent"]),
        Person("board", PersonKind.STAFF, "Lee", "Park", roles=["board_president"]),
        Person("prin", PersonKind.STAFF, "Avery", "Cole", roles=["principal"], building_ids=["hs"]),
        Person("t1", PersonKind.STAFF, "Sam", "Ortiz", roles=["teacher"], building_ids=["hs"]),
        Person("s1", PersonKind.STUDENT, "Mia", "Lund", building_ids=["hs"]),
        Person("g1", PersonKind.GUARDIAN, "Ruth", "Lund", guardian_of=["s1"]),
        Person("td", PersonKind.STAFF, "Kim", "Hale", roles=["technology_director"]),
    ]
    accounts = [
        Account("sam.ortiz@district.example", "email", "t1", True),
        Account("+15155550101", "phone", "t1", False),
        Account("ruth.lund@gmail.com", "email", "g1", False),
        Account("avery.cole@district.example", "email", "prin", True),
        Account("dana.reyes@district.example", "email", "sup", True),
    ]
    return Directory.build(people, [Building("hs", "High School", ["prin"])], [], accounts, ["district.example"])


def rule(**kw) -> CompiledRule:  # type: ignore[no-untyped-def]
    base = dict(id="r", clause_id="401.13/x/y", signals=("student.*",), severity=Severity.HIGH, reviewer="principal")
    base.update(kw)
    return CompiledRule(**base)  # type: ignore[arg-type]


def item(sender: str, recipients: list[str], channel: Channel = Channel.EMAIL, **meta) -> Item:  # type: ignore[no-untyped-def]
    return Item("i1", channel, "f.eml", "", b"x", sent_at=T, sender=sender, recipients=recipients, body="b", meta=meta)


def sig(kind: str = "student.name", **data) -> Signal:  # type: ignore[no-untyped-def]
    return Signal("student_info", kind, 0, 3, "Mia", 1.0, "roster match", data)


REVIEWERS = compile_reviewers(default_pack())  # the routing table of the bundled pack


def ctx(directory: Directory, *rules: CompiledRule, permissions=()) -> EngineContext:  # type: ignore[no-untyped-def]
    ruleset = RuleSet("v1", datetime(2023, 1, 25, tzinfo=UTC), list(rules), REVIEWERS)
    return EngineContext(directory, [ruleset], list(permissions))


def test_external_student_info_fires_and_cites_clause(directory: Directory) -> None:
    found = evaluate(
        item("sam.ortiz@district.example", ["someone@news.example"]), [sig(person_id="s1")],
        ctx(directory, rule(external=True)),
    )  # fmt: skip
    assert [(f.rule_id, f.clause_id, f.person_id, f.status) for f in found] == [
        ("r", "401.13/x/y", "t1", FindingStatus.OPEN)
    ]
    assert found[0].reviewer == "prin"


def test_student_info_to_the_students_own_guardian_is_not_external(directory: Directory) -> None:
    found = evaluate(
        item("sam.ortiz@district.example", ["ruth.lund@gmail.com"]), [sig(person_id="s1")],
        ctx(directory, rule(external=True)),
    )  # fmt: skip
    assert found == []


def test_internal_mail_is_not_external(directory: Directory) -> None:
    found = evaluate(
        item("sam.ortiz@district.example", ["avery.cole@district.example"]), [sig(person_id="s1")],
        ctx(directory, rule(external=True)),
    )  # fmt: skip
    assert found == []


def test_conditions_channel_sender_kind_roles_and_min_score(directory: Directory) -> None:
    it = item("sam.ortiz@district.example", ["x@news.example"])
    assert evaluate(it, [sig()], ctx(directory, rule(channels=("text",)))) == []
    assert evaluate(it, [sig()], ctx(directory, rule(sender_kinds=("student",)))) == []
    assert evaluate(it, [sig()], ctx(directory, rule(sender_roles=("coach",)))) == []
    assert evaluate(it, [sig()], ctx(directory, rule(min_score=1.5))) == []
    assert len(evaluate(it, [sig()], ctx(directory, rule(sender_kinds=("staff",), sender_roles=("teacher",))))) == 1


def test_a_rule_judges_each_kind_and_score_on_its_own_however_often_asked() -> None:
    # `wants` remembers per kind whether a pattern matches; the score is judged per signal.
    r = rule(signals=("student.*", "pii.phone"), min_score=0.5)
    for _ in range(2):  # the second round answers from what the first remembered
        assert r.wants(sig("student.name")) and r.wants(sig("pii.phone"))
        assert not r.wants(sig("pii.address")) and not r.wants(sig("studentname"))
        assert not r.wants(replace(sig("student.name"), score=0.4))
        assert r.wants(replace(sig("student.id"), score=0.5))


def test_unknown_sender_has_kind_unknown(directory: Directory) -> None:
    it = item("stranger@else.example", ["x@news.example"])
    assert evaluate(it, [sig()], ctx(directory, rule(sender_kinds=("staff",)))) == []
    found = evaluate(it, [sig()], ctx(directory, rule(sender_kinds=("unknown",))))
    assert found[0].person_id is None and found[0].reviewer == "sup"


@pytest.mark.parametrize(
    ("reviewer", "subject", "expected"),
    [
        ("principal", "t1", "prin"),  # the teacher's building principal
        ("principal", "prin", "sup"),  # a principal's own case goes to the superintendent
        ("principal", "sup", "board"),  # the superintendent's to the board president
        ("superintendent", "sup", "board"),
        ("technology_director", "td", "sup"),  # nobody reviews themself
        ("technology_director", "t1", "td"),
        ("records_custodian", "t1", "role:records_custodian"),  # nobody holds it: the role is named
    ],
)
def test_routing_with_recusal(directory: Directory, reviewer: str, subject: str, expected: str) -> None:
    assert route(reviewer, directory.person(subject), directory, REVIEWERS) == expected


def test_subject_is_the_staff_member_named_by_the_signal(directory: Directory) -> None:
    it = item("+15155550101", ["+15155550999"], Channel.TEXT)
    s = Signal("contact_channel", "contact.personal_account_student", -1, -1, "x", 1.0, "e", {"staff_id": "t1"})
    found = evaluate(it, [s], ctx(directory, rule(signals=("contact.*",))))
    assert found[0].person_id == "t1"


def permission(**kw) -> Permission:  # type: ignore[no-untyped-def]
    base = dict(kind="post_confidential", grantee_id="t1", approver_id="sup", valid_from=T.replace(month=9), id=7)
    base.update(kw)
    return Permission(**base)  # type: ignore[arg-type]


def test_permission_covers_instead_of_dropping(directory: Directory) -> None:
    it = item("sam.ortiz@district.example", ["x@news.example"])
    r = rule(covered_by=("post_confidential",))
    found = evaluate(it, [sig(person_id="s1")], ctx(directory, r, permissions=[permission()]))
    assert [(f.status, f.permission_id) for f in found] == [(FindingStatus.COVERED, 7)]


@pytest.mark.parametrize(
    ("perm", "covered"),
    [
        (dict(), True),
        (dict(kind="social_site"), False),  # wrong kind
        (dict(grantee_id="prin"), False),  # someone else's
        (dict(valid_from=T.replace(month=11)), False),  # not yet valid
        (dict(valid_until=T.replace(month=9, day=30)), False),  # expired before the item
        (dict(revoked_at=T.replace(hour=9)), False),  # revoked before the item
        (dict(revoked_at=T.replace(hour=18)), True),  # revoked after: still covers this item
        (dict(scope={"students": ["s1"]}), True),
        (dict(scope={"students": ["s2"]}), False),  # scope names another student
        (dict(scope={"phones": ["+15155550000"]}), False),
    ],
)
def test_permission_validity_and_scope(directory: Directory, perm: dict, covered: bool) -> None:
    it = item("sam.ortiz@district.example", ["x@news.example"])
    r = rule(covered_by=("post_confidential",))
    found = evaluate(it, [sig(person_id="s1")], ctx(directory, r, permissions=[permission(**perm)]))
    assert (found[0].status == FindingStatus.COVERED) is covered


def test_item_judged_under_pack_version_in_force(directory: Directory) -> None:
    old = RuleSet("2015", datetime(2015, 9, 23, tzinfo=UTC), [rule(id="old")])
    new = RuleSet("2023", datetime(2023, 1, 25, tzinfo=UTC), [rule(id="new")])
    c = EngineContext(directory, [new, old])
    it = item("sam.ortiz@district.example", ["x@news.example"])
    assert [f.pack_version for f in evaluate(it, [sig()], c)] == ["2023"]
    it.sent_at = datetime(2020, 5, 1, tzinfo=UTC)
    assert [(f.rule_id, f.pack_version) for f in evaluate(it, [sig()], c)] == [("old", "2015")]


def test_forged_mail_is_about_nobody_not_the_victim(directory: Directory) -> None:
    it = item("dana.reyes@district.example", ["x@news.example"])
    s = Signal("sender_identity", "identity.forged", -1, -1, "dmarc=fail", 0.9, "e")
    (found,) = evaluate(it, [s], ctx(directory, rule(signals=("identity.forged",), reviewer="technology_director")))
    assert found.person_id is None and found.reviewer == "td"


def test_routing_follows_the_packs_reviewer_table(directory: Directory) -> None:
    # A district that sends cases about its Technology Director to the board president instead.
    edited = dict(REVIEWERS)
    td = REVIEWERS["technology_director"]
    edited["technology_director"] = replace(td, escalate=(("technology_director", "board_president"),))
    assert route("technology_director", directory.person("td"), directory, REVIEWERS) == "sup"
    assert route("technology_director", directory.person("td"), directory, edited) == "board"
