"""group_text: coach/sponsor texts must go to all students of the group with the principal included."""

from __future__ import annotations

import pytest

from aupguard.detectors.base import DetectContext
from aupguard.detectors.group_text import GroupTextDetector, name_list
from aupguard.directory.index import Directory
from aupguard.model import Account, Channel, Group, Person, PersonKind

DETECTOR = GroupTextDetector()
T = Channel.TEXT
COACH_DISTRICT = "+15155550111"
COACH_PERSONAL = "+15155550112"
PRINCIPAL = "+15155550100"
JOSE, ROBERT, WILL, KATE, SOFIA = (
    "+15155550131",
    "+15155550132",
    "+15155550133",
    "+15155550134",
    "+15155550135",
)
JOSE_MOM = "+15155550141"
SPONSOR = "+15155550122"

CASES = [
    # (sender, recipients, {kind: missing ids})
    (COACH_DISTRICT, [JOSE, ROBERT, WILL, KATE, PRINCIPAL], {}),
    (COACH_PERSONAL, [JOSE, ROBERT, WILL, KATE, PRINCIPAL, JOSE_MOM], {}),  # guardians are optional
    (
        COACH_DISTRICT,
        [JOSE],
        {
            "group_text.one_to_one": ["robert", "will", "kate"],
            "group_text.principal_missing": ["hs-principal"],
        },
    ),
    (COACH_DISTRICT, [JOSE, PRINCIPAL], {"group_text.incomplete": ["robert", "will", "kate"]}),
    (COACH_DISTRICT, [JOSE, JOSE_MOM, PRINCIPAL], {"group_text.incomplete": ["robert", "will", "kate"]}),
    (COACH_DISTRICT, [JOSE, ROBERT, PRINCIPAL], {"group_text.incomplete": ["will", "kate"]}),
    (COACH_DISTRICT, [JOSE, ROBERT, WILL, KATE], {"group_text.principal_missing": ["hs-principal"]}),
    (SPONSOR, [SOFIA, JOSE], {"group_text.principal_missing": ["hs-principal"]}),
    (SPONSOR, [SOFIA, PRINCIPAL], {"group_text.incomplete": ["jose"]}),
    # not judged: sender leads no group, or no student of the led group is a recipient
    ("+15155550199", [JOSE, ROBERT], {}),
    (PRINCIPAL, [JOSE], {}),
    (JOSE, [ROBERT], {}),
    (COACH_DISTRICT, [PRINCIPAL, JOSE_MOM], {}),
    (SPONSOR, [ROBERT, WILL], {}),  # soccer players, but the sponsor leads robotics
]


@pytest.mark.parametrize(("sender", "recipients", "expected"), CASES)
def test_text_lists(make_item, ctx: DetectContext, sender: str, recipients: list[str], expected: dict) -> None:
    signals = DETECTOR.detect(make_item("practice moved", channel=T, sender=sender, recipients=recipients), ctx)
    assert {s.kind: s.data["missing"] for s in signals} == expected
    for s in signals:
        assert (s.start, s.end) == (-1, -1)


def test_explanation_names_group_and_missing_students(make_item, ctx: DetectContext) -> None:
    item = make_item("bus at 3", channel=T, sender=COACH_DISTRICT, recipients=[JOSE, ROBERT, PRINCIPAL])
    (signal,) = DETECTOR.detect(item, ctx)
    assert "Varsity Soccer" in signal.explanation
    assert "missing: Will Best, Kate Smith" in signal.explanation
    assert signal.data["group_id"] == "soccer"


def test_email_judged_for_teams_only(make_item, ctx: DetectContext) -> None:
    d = "district.k12.ia.us"
    team = make_item("hi", channel=Channel.EMAIL, sender=f"ckowalski@{d}", recipients=[f"jnunez@{d}"])
    club = make_item("hi", channel=Channel.EMAIL, sender=f"tnakamura@{d}", recipients=[f"jnunez@{d}"])
    assert {s.kind for s in DETECTOR.detect(team, ctx)} == {
        "group_text.one_to_one",
        "group_text.principal_missing",
    }
    assert DETECTOR.detect(club, ctx) == []


def test_posts_ignored(make_item, ctx: DetectContext) -> None:
    assert DETECTOR.detect(make_item("hi", channel=Channel.POST, sender=COACH_DISTRICT, recipients=[JOSE]), ctx) == []


def _two_group_coach() -> Directory:
    """Coach 'c' leads Track (a, b, e) and Cross Country (b, d, e); no buildings, so no principals."""
    s = PersonKind.STUDENT
    people = [Person("c", PersonKind.STAFF, "Pat", "Coach")] + [Person(x, s, x.upper(), "Kid") for x in "abde"]
    accounts = [Account(f"+1515555020{i}", "phone", pid, False) for i, pid in enumerate("cabde")]
    groups = [
        Group("track", "Track", "team", members={"c": "coach", "a": "student", "b": "student", "e": "student"}),
        Group(
            "xc",
            "Cross Country",
            "team",
            members={"c": "coach", "b": "student", "d": "student", "e": "student"},
        ),
    ]
    return Directory.build(people, groups=groups, accounts=accounts)


PHONE = {pid: f"+1515555020{i}" for i, pid in enumerate("cabde")}


def test_judged_against_group_with_most_recipients(make_item) -> None:
    ctx = DetectContext(directory=_two_group_coach())
    # b, d, e are all of Cross Country (only b and e are in Track): complete, nothing to report.
    item = make_item("run", channel=T, sender=PHONE["c"], recipients=[PHONE["b"], PHONE["d"], PHONE["e"]])
    assert DETECTOR.detect(item, ctx) == []
    # a and b: two Track members, one Cross Country member -> judged against Track.
    item = make_item("run", channel=T, sender=PHONE["c"], recipients=[PHONE["a"], PHONE["b"]])
    (signal,) = DETECTOR.detect(item, ctx)
    assert signal.data == {"group_id": "track", "missing": ["e"]}


def test_name_list_caps_at_ten(directory: Directory) -> None:
    ids = ["jose", "robert"] + [f"x{i}" for i in range(10)]
    assert name_list(directory, ids).endswith("and 2 more")
    assert name_list(directory, ["jose", "robert"]) == "José Núñez, Robert Jones"


def test_recipients_are_looked_up_only_for_a_group_leader(make_item, ctx: DetectContext, record_calls) -> None:
    """The principal leads no group: however many recipients, none is looked up."""
    looked_up = record_calls(ctx.directory, "person_at")
    assert DETECTOR.detect(make_item("hi", channel=T, sender=PRINCIPAL, recipients=[JOSE, ROBERT, WILL]), ctx) == []
    assert looked_up == [PRINCIPAL]
    assert DETECTOR.detect(make_item("hi", channel=T, sender=COACH_DISTRICT, recipients=[JOSE, PRINCIPAL]), ctx)
    assert looked_up[1:] == [COACH_DISTRICT, JOSE, PRINCIPAL]
