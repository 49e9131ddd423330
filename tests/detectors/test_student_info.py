"""student_info: tables of texts that MUST and MUST NOT name a roster student (see conftest's district)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aupguard.detectors.base import DetectContext
from aupguard.detectors.student_info import StudentInfoDetector
from aupguard.detectors.student_roster import roster_for
from aupguard.directory.index import Directory
from aupguard.model import Person, PersonKind

DETECTOR = StudentInfoDetector()

MUST_FIRE = [
    # (text, kind, person id, exact original span)
    ("José Núñez scored twice", "student.name", "jose", "José Núñez"),
    ("Jose Nunez scored twice", "student.name", "jose", "Jose Nunez"),
    ("JOSE NUNEZ WAS ABSENT", "student.name", "jose", "JOSE NUNEZ"),
    ("Absent: Núñez, José (11th)", "student.name", "jose", "Núñez, José"),
    ("Jose M. Nunez made varsity", "student.name", "jose", "Jose M. Nunez"),
    ("José Miguel Núñez", "student.name", "jose", "José Miguel Núñez"),
    (
        "Jose\u0301 Nu\u0301n\u0303ez (decomposed accents)",
        "student.name",
        "jose",
        "Jose\u0301 Nu\u0301n\u0303ez",
    ),
    ("Bob Jones forgot his cleats", "student.name", "robert", "Bob Jones"),
    ("Robert Jones forgot his cleats", "student.name", "robert", "Robert Jones"),
    ("Will Best is out today", "student.name", "will", "Will Best"),
    ("Kate Smith has a fever", "student.name", "kate", "Kate Smith"),
    ("Katherine Smith has a fever", "student.name", "kate", "Katherine Smith"),
    ("Sofia Delgado-Ruiz won the regional", "student.name", "sofia", "Sofia Delgado-Ruiz"),
    ("Sofía Delgado Ruiz won", "student.name", "sofia", "Sofía Delgado Ruiz"),
    ("Liam O'Brien was sent home", "student.name", "liam", "Liam O'Brien"),
    ("Ask Kate about Varsity Soccer practice", "student.first_name_context", "kate", "Kate"),
    ("Sofia will bring the robotics parts", "student.first_name_context", "sofia", "Sofia"),
    ("Kate is sick, please tell Lincoln High", "student.first_name_context", "kate", "Kate"),
    ("Student ID 4512 has a hold", "student.id", "kate", "4512"),
    ("S100234 is missing a form", "student.id", "jose", "S100234"),
    ("student # 100235 is missing a form", "student.id", "robert", "100235"),
    ("Robert Jones (100235) is missing a form", "student.id", "robert", "100235"),
    ("His cell is 515-555-0131", "student.phone", "jose", "515-555-0131"),
    ("Mom's number: (515) 555-0141", "student.phone", "jose", "(515) 555-0141"),
    ("He lives at 412 Maple St. in Ames", "student.address", "jose", "412 Maple St"),
    ("DOB 03/14/2009", "student.birth_date", "jose", "03/14/2009"),
    ("Jose Nunez, 2009-03-14, grade 11", "student.birth_date", "jose", "2009-03-14"),
    ("Kate Smith was born January 20, 2010", "student.birth_date", "kate", "January 20, 2010"),
]


@pytest.mark.parametrize(("text", "kind", "person_id", "span"), MUST_FIRE)
def test_must_fire(make_item, ctx: DetectContext, text: str, kind: str, person_id: str, span: str) -> None:
    signals = DETECTOR.detect(make_item(text), ctx)
    hits = [s for s in signals if s.kind == kind and s.data["person_id"] == person_id]
    assert hits, f"no {kind} for {person_id} in {text!r}: {signals}"
    assert hits[0].text == span
    assert text[hits[0].start : hits[0].end] == span  # span points at the exact original characters
    assert 0 < hits[0].score <= 1
    assert hits[0].explanation


MUST_NOT_FIRE = [
    "we will do our best",
    "we will best them on Friday",  # common words, not capitalized: not the student Will Best
    "Smith called about the bus",  # a surname alone never fires
    "Mr. Jones called about the bus",
    "Jones, the coach said",
    "Josephine Nunez is a new hire",  # different first name
    "Jose Nunezville",  # no match inside a longer word
    "Jose, Nunez said",  # a comma between first and last name: not 'First Last'
    "Kate is sick",  # first name alone without building or group
    "Will we see Varsity Soccer on TV?",  # a common-word first name never fires alone
    "Liam at Lincoln High",  # Liam is at Roosevelt Elementary
    "Ada Quimby moved away",  # inactive student
    "4512 items on the list",  # short id without an id label
    "S1002345",  # a longer token containing an id
    "invoice 100235 is paid",  # an all-digit id without a label or the student's name
    "Call the office at 515-555-0100",  # the principal's district phone
    "born 01/01/2001",  # no student has this birth date
    "03/14/2009 was a Saturday",  # a student's birth date, but no name and no 'born'
    "He lives at 12 Maple St",  # not a student's address
]


@pytest.mark.parametrize("text", MUST_NOT_FIRE)
def test_must_not_fire(make_item, ctx: DetectContext, text: str) -> None:
    assert DETECTOR.detect(make_item(text), ctx) == []


def test_explanation_names_roster_entry_and_variant(make_item, ctx: DetectContext) -> None:
    (signal,) = DETECTOR.detect(make_item("Bob Jones"), ctx)
    assert "Robert Jones (robert)" in signal.explanation
    assert "nickname" in signal.explanation


def test_two_students_with_one_name_both_reported(make_item) -> None:
    twins = [
        Person("a", PersonKind.STUDENT, "Sam", "Lee"),
        Person("b", PersonKind.STUDENT, "Sam", "Lee"),
    ]
    ctx = DetectContext(directory=Directory.build(twins))
    signals = DETECTOR.detect(make_item("Sam Lee"), ctx)
    assert sorted(s.data["person_id"] for s in signals) == ["a", "b"]


def test_common_words_setting_extends_list(make_item, directory: Directory) -> None:
    ctx = DetectContext(directory=directory, settings={"student_info": {"common_words": ["Jose"]}})
    assert DETECTOR.detect(make_item("jose nunez"), ctx) == []
    assert DETECTOR.detect(make_item("Jose Nunez"), ctx) != []


def test_settings_changed_in_place_are_read_again(make_item, directory: Directory) -> None:
    settings: dict[str, Any] = {"common_words": []}
    ctx = DetectContext(directory=directory, settings={"student_info": settings})
    assert DETECTOR.detect(make_item("jose nunez"), ctx) != []
    settings["common_words"].append("Jose")  # the same dict, new content
    assert DETECTOR.detect(make_item("jose nunez"), ctx) == []


def test_roster_index_built_once_per_directory(directory: Directory) -> None:
    assert roster_for(directory) is roster_for(directory)
    assert roster_for(Directory.build([])) is not roster_for(directory)


def test_empty_directory_and_empty_text(make_item) -> None:
    assert DETECTOR.detect(make_item("José Núñez"), DetectContext()) == []
    assert DETECTOR.detect(make_item(""), DetectContext()) == []


def test_subject_is_scanned_with_offsets_into_item_text(make_item, ctx: DetectContext) -> None:
    item = make_item("see below", subject="About Jose Nunez")
    (signal,) = DETECTOR.detect(item, ctx)
    assert item.text[signal.start : signal.end] == "Jose Nunez"


@pytest.mark.parametrize(
    ("text", "fires"),
    [("record 2024-0012 updated", True), ("record 2024 0012 updated", False), ("record 2024-00123", False)],
)
def test_identifier_with_punctuation_matches_as_written(make_item, text: str, fires: bool) -> None:
    ctx = DetectContext(
        directory=Directory.build([Person("p", PersonKind.STUDENT, "Ann", "Ek", identifier="2024-0012")])
    )
    assert bool(DETECTOR.detect(make_item(text), ctx)) is fires


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("Kate has the LHS bus list", False),  # acronyms are not guessed (see building_aliases)
        ("tell kate lincoln high practice moved", True),  # all-lowercase writer: names are lowercase too
        ("Tell kate that Lincoln High practice moved", False),  # a lowercase word in capitalized text
    ],
)
def test_first_name_context_needs_name_shape(make_item, ctx: DetectContext, text: str, fires: bool) -> None:
    kinds = {s.kind for s in DETECTOR.detect(make_item(text), ctx)}
    assert ("student.first_name_context" in kinds) is fires


@pytest.mark.parametrize(("text", "fires"), [("Kate has the LHS bus list", True), ("Kate has lhs notes", False)])
def test_building_alias_setting(make_item, directory: Directory, text: str, fires: bool) -> None:
    ctx = DetectContext(directory=directory, settings={"student_info": {"building_aliases": {"lhs": ["LHS"]}}})
    kinds = {s.kind for s in DETECTOR.detect(make_item(text), ctx)}
    assert ("student.first_name_context" in kinds) is fires


@pytest.mark.parametrize(
    "text",
    [
        "Coach Kate said Lincoln High is closed",  # after a title: a surname, not a first name
        "Kate Smith and Kate from Lincoln High",  # the second Kate is Kate Smith, already named
        "Dana Whitfield from Lincoln High called",  # 'Dana' belongs to the principal's full name
    ],
)
def test_lone_first_name_not_reported(make_item, directory: Directory, text: str) -> None:
    roster_people = [
        *directory.people.values(),
        Person("dana-s", PersonKind.STUDENT, "Dana", "Ames", building_ids=["lhs"]),
    ]
    d = Directory.build(roster_people, directory.buildings.values(), directory.groups.values())
    kinds = [s.kind for s in DETECTOR.detect(make_item(text), DetectContext(directory=d))]
    assert "student.first_name_context" not in kinds


def test_longer_name_wins_over_name_inside_it(make_item) -> None:
    s = PersonKind.STUDENT
    people = [Person("mary-ann", s, "Mary Ann", "Smith"), Person("ann", s, "Ann", "Smith")]
    ctx = DetectContext(directory=Directory.build(people))
    signals = DETECTOR.detect(make_item("Mary Ann Smith and Ann Smith"), ctx)
    assert [(s.text, s.data["person_id"]) for s in signals] == [("Mary Ann Smith", "mary-ann"), ("Ann Smith", "ann")]


# ---------------------------------------------------------------- folding fast paths agree with the plain fold


def _reference_fold(text: str) -> tuple[list[str], list[int], list[int]]:
    """ASCII text: the runs of [a-z0-9] of text.lower(). Other text: each `[\\w\\u0300-\\u036f]+`
    word folded on its own, every token keeping its word's span."""
    import re

    from aupguard.detectors.roster_names import fold

    if text.isascii():
        runs = list(re.finditer(r"[a-z0-9]+", text.lower()))
        return [m.group() for m in runs], [m.start() for m in runs], [m.end() for m in runs]
    tokens, starts, ends = [], [], []
    for m in re.finditer(r"[\w\u0300-\u036f]+", text):
        for part in fold(m.group()):
            tokens.append(part)
            starts.append(m.start())
            ends.append(m.end())
    return tokens, starts, ends


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Jose Nunez, 9th-grade (S100234) isn't here_today",
        "N\u00fa\u00f1ez, Jos\u00e9 \u2014 \u201cCaf\u00e9\u201d \u5317\u4eac 2024-0012",
        "Nu\u0301n\u0303ez e\u0301 \u0130stanbul \u212a \u017f \u0661\u0662\u0663 foo_bar\u00e9 \ufffd\ufffd x",
    ],
)
def test_folded_text_matches_plain_fold(text: str) -> None:
    from aupguard.detectors.roster_names import FoldedText

    ft = FoldedText.of(text)
    assert (list(ft.tokens), ft.starts, ft.ends) == _reference_fold(text)


def test_phrase_index_finds_whole_token_runs_in_automaton_order() -> None:
    from aupguard.detectors.roster_names import FoldedText, PhraseIndex

    index = PhraseIndex({"lincoln": "a", "abraham lincoln": "b", "lincoln high": "c", "high": "d", "lin": "e"})
    ft = FoldedText.of("Abraham Lincoln High; Lincoln-high, abraham  lincolnx")
    # Ordered by end token, then longest first; "lin" and "lincolnx" are no whole-token match.
    assert index.find(ft) == [(0, 2, "b"), (1, 2, "a"), (1, 3, "c"), (2, 3, "d"), (3, 4, "a"), (3, 5, "c"), (4, 5, "d")]


@pytest.mark.parametrize("text", ["Ann O'Neil-Smith met ann again", "José Núñez, JOSE nunez", "", "42 Main St."])
def test_the_words_looked_for_meet_a_looked_for_set_as_all_the_tokens_do(text: str) -> None:
    from aupguard.detectors.roster_names import FoldedText, ascii_words_looked_for, look_for

    wanted = look_for(["ann", "smith", "nunez", "42", "main", "st", "again"])
    ft = FoldedText.of(text)
    assert wanted & ft.words_looked_for == wanted & frozenset(ft.tokens)
    if text.isascii():  # the ASCII words looked for: few, and shared by every reader of the item
        assert ft.words_looked_for is ascii_words_looked_for(text)
        assert ft.words_looked_for <= frozenset(ft.tokens)
    else:  # all the tokens (folded with unidecode, which the shared set of ASCII words is not)
        assert ft.words_looked_for == frozenset(ft.tokens)


_WORDS = st.text("abc1", min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=12), st.sampled_from([" ", ", ", "-", "\n"]), st.frozensets(_WORDS, max_size=6))
def test_a_set_made_by_look_for_meets_the_words_looked_for_as_all_words(
    words: list[str], separator: str, wanted_words: frozenset[str]
) -> None:
    from aupguard.detectors.roster_names import ascii_words, ascii_words_looked_for, look_for

    text = separator.join(words)
    ascii_words_looked_for(text)  # remembered with the words looked for until now
    wanted = look_for(wanted_words)  # often words not looked for before, some of them in the text
    assert wanted & ascii_words_looked_for(text) == wanted & frozenset(ascii_words(text))


def test_every_set_the_detectors_meet_with_an_items_words_is_looked_for(directory: Directory) -> None:
    # A set intersected with `words_looked_for` or `ascii_words_looked_for` must have been made by
    # `look_for`, or it would miss its words: here, every such set of the roster and directory.
    from aupguard.detectors import pii_finders, roster_names
    from aupguard.detectors.personal_info import home_house_numbers

    roster = roster_for(directory)
    assert roster._contexts is not None
    sets = {
        "surnames": roster.names._surnames._firsts,
        "buildings and groups": roster._contexts._firsts,
        "student numbers": roster.id_first_tokens,
        "students' house numbers": roster.house_number_words,
        "house numbers": home_house_numbers(directory),
        "street suffixes": pii_finders._STREET_SUFFIX_WORDS,
    }
    assert all(sets.values())  # the test directory has some of each
    for name, words in sets.items():
        assert words <= roster_names._looked_for, name
