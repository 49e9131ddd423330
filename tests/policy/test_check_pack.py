"""check_pack on broken copies of the default pack: the right line and a message a district can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from aupguard.policy import PackError, PackProblem, check_pack, load_pack
from aupguard.policy.loader import DEFAULT_PACK

PACK_TEXT = (Path(__file__).resolve().parents[2] / "src" / "aupguard" / "policy" / DEFAULT_PACK).read_text(
    encoding="utf-8"
)

# The commercial rule's lines in the default pack, a unique anchor for edits.
COMMERCIAL = (
    "    signals: [content.commercial]\n"
    "    # A vendor's advertising received by staff is not staff's commercial activity.\n"
    "    when: {sender_kind: [staff, volunteer]}\n"
    "    severity: low\n"
)


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    assert PACK_TEXT.count(old) == 1, f"edit target not unique: {old!r}"
    path = tmp_path / "district-pack.yaml"
    path.write_text(PACK_TEXT.replace(old, new), encoding="utf-8")
    return path


def line_of(path: Path, marker: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [n for n, line in enumerate(lines, start=1) if marker in line]
    assert len(found) == 1, f"marker not unique: {marker!r}"
    return found[0]


def errors(problems: list[PackProblem]) -> list[PackProblem]:
    return [p for p in problems if p.level == "error"]


# (case, text to replace, replacement, marker of the expected line, expected message)
CASES = [
    (
        "unknown clause",
        "clause: 401.13R1/prohibited/harassing\n",
        "clause: 401.13R1/prohibited/harasing\n",
        "prohibited/harasing",
        "rule 'harassing-messages' names unknown clause '401.13R1/prohibited/harasing' "
        "(did you mean '401.13R1/prohibited/harassing'?)",
    ),
    (
        "unknown clause under the 713 number",
        "clause: 401.13R1/prohibited/forging\n",
        "clause: 713R1/prohibited/forge\n",
        "713R1/prohibited/forge",
        "rule 'forged-message' names unknown clause '713R1/prohibited/forge' "
        "(did you mean '401.13R1/prohibited/forging'?)",
    ),
    (
        "unknown detector",
        "detectors: [offensive_language]",
        "detectors: [ofensive_language]",
        "ofensive_language",
        "rule 'offensive-language' names unknown detector 'ofensive_language' (did you mean 'offensive_language'?)",
    ),
    (
        "unknown signal kind",
        "signals: [identity.forged]",
        "signals: [identity.forgery]",
        "identity.forgery",
        "rule 'forged-message' names signal kind 'identity.forgery' that sender_identity does not emit "
        "(did you mean 'identity.forged'?)",
    ),
    (
        "signal kind of a detector the rule does not run",
        "signals: [content.commercial]",
        "signals: [content.commercial, pii.phone]",
        "content.commercial, pii.phone",
        "rule 'commercial-activity' names signal kind 'pii.phone' that commercial does not emit "
        "(it comes from detector personal_info: add it to detectors)",
    ),
    (
        "bad severity",
        "    signals: [identity.forged]\n    when: {channel: [email]}\n    severity: high\n",
        "    signals: [identity.forged]\n    when: {channel: [email]}\n    severity: urgent\n",
        "severity: urgent",
        "rule 'forged-message': severity 'urgent': input should be 'low', 'medium', 'high' or 'critical'",
    ),
    (
        "misspelt field",
        COMMERCIAL,
        "    signals: [content.commercial]\n    severty: low\n",
        "severty",
        "rule 'commercial-activity': unknown field 'severty' (did you mean 'severity'?)",
    ),
    (
        "extra field at the top",
        "timezone: America/Chicago\n",
        "timezone: America/Chicago\ncolour: blue\n",
        "colour",
        "unknown field 'colour'",
    ),
    (
        "bad date",
        "adopted: 2015-09-23\n",
        "adopted: 2015-13-40\n",
        "2015-13-40",
        "adopted '2015-13-40' is not a date (write YYYY-MM-DD)",
    ),
    (
        "not a date at all",
        "effective: 2023-01-25\n",
        "effective: next fall\n",
        "next fall",
        "effective 'next fall' is not a date (write YYYY-MM-DD)",
    ),
    (
        "duplicate rule id",
        "  - id: commercial-activity\n",
        "  - id: sexual-content  # copied\n",
        "# copied",
        "duplicate rule id 'sexual-content' (first defined at line",
    ),
    (
        "unknown permission kind",
        "covered_by: [social_site]",
        "covered_by: [social_sites]",
        "social_sites",
        "rule 'social-site-unapproved' names unknown permission kind 'social_sites' (did you mean 'social_site'?)",
    ),
    (
        "unknown reviewer",
        COMMERCIAL + "    reviewer: principal\n",
        COMMERCIAL + "    reviewer: principle\n",
        "reviewer: principle",
        "rule 'commercial-activity' names unknown reviewer 'principle' (did you mean 'principal'?)",
    ),
    (
        "duplicate YAML key",
        COMMERCIAL,
        COMMERCIAL + "    signals: [content.sexual]\n",
        "signals: [content.sexual]",
        "duplicate key 'signals' (first at line",
    ),
    (
        "malformed example",
        "      - expect: fire\n        text: DM me to order!",
        "      - expect: maybe\n        text: DM me to order!",
        "expect: maybe",
        "rule 'commercial-activity': examples[0].expect 'maybe': input should be 'fire' or 'pass'",
    ),
    (
        "example on a channel the rule does not run on",
        "    when: {channel: [text]}\n",
        "    when: {channel: [text]}\n    examples:\n      - {expect: fire, text: hi team, channel: email}\n",
        "hi team",
        "rule 'group-text-incomplete': example on channel 'email' can never fire: the rule runs only on text",
    ),
    (
        "unquoted number as a code",
        '  - code: "605"\n',
        "  - code: 605\n",
        "code: 605",
        "cross_references[5].code 605 must be text: put it in quotes",
    ),
    (
        "uncheckable clause without a reason",
        "            why: The procedure topics listed after this sentence are checked one by one.\n",
        "",
        "id: 401.13/procedures/technology-records",
        "clause '401.13/procedures/technology-records': a clause with checkable: false needs `why`",
    ),
    (
        "active rule without detectors",
        "    detectors: [commercial]\n",
        "",
        "id: commercial-activity",
        "rule 'commercial-activity': an active rule needs `detectors` and `signals`",
    ),
    (
        "waiting rule without needs",
        "    needs: >-\n      Needs the district's logo files and a detector that compares post media with them\n"
        "      (perceptual image hashes).\n",
        "",
        "id: district-logo-external",
        "rule 'district-logo-external': a rule with status needs_detector needs `needs`",
    ),
    (
        "clause id outside its section",
        "  - id: 401.13/external/logos\n",
        "  - id: 401.13/general/logos\n",
        "401.13/general/logos",
        "clause '401.13/general/logos' is in section 'external' of 401.13: its id must start with '401.13/external/'",
    ),
    (
        "unknown detector in settings",
        "    offensive_language:\n      # Vulgar",
        "    offensive_langauge:\n      # Vulgar",
        "offensive_langauge",
        "settings name unknown detector 'offensive_langauge' (did you mean 'offensive_language'?)",
    ),
    (
        "unknown approver role",
        "approver_roles: [superintendent, designee]",
        "approver_roles: [superintendent, desginee]",
        "desginee",
        "permission kind 'social_site' names unknown approver role 'desginee' (did you mean 'designee'?)",
    ),
    (
        "unknown time zone",
        "timezone: America/Chicago\n",
        "timezone: America/Iowa\n",
        "America/Iowa",
        "unknown time zone 'America/Iowa'",
    ),
]


@pytest.mark.parametrize(("case", "old", "new", "marker", "message"), CASES, ids=[c[0] for c in CASES])
def test_check_pack_reports_line_and_message(
    tmp_path: Path, case: str, old: str, new: str, marker: str, message: str
) -> None:
    path = broken_copy(tmp_path, old, new)
    problems = errors(check_pack(path))
    expected_line = line_of(path, marker)
    matching = [p for p in problems if message in p.message]
    assert matching, f"{case}: no problem says {message!r}; got {[str(p) for p in problems]}"
    assert matching[0].line == expected_line, f"{case}: {matching[0]} (expected line {expected_line})"
    assert str(matching[0]).startswith(f"line {expected_line}: ")
    assert matching[0].render("district.yaml").startswith(f"district.yaml:{expected_line}: ")
    with pytest.raises(PackError) as raised:
        load_pack(path)
    assert any(message in p.message for p in raised.value.problems)


def test_misspelt_field_also_reports_the_missing_one(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path,
        COMMERCIAL,
        "    signals: [content.commercial]\n    sev: low\n",
    )
    messages = [p.message for p in check_pack(path)]
    assert "rule 'commercial-activity': missing required field 'severity'" in messages


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "title: Staff Technology Use/Social Networking\n", "title: [unclosed\n")
    (problem,) = check_pack(path)
    assert problem.message.startswith("YAML syntax error")
    assert problem.line > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "the file is empty"), ("- just\n- a list\n", "must be a YAML mapping")],
)
def test_not_a_pack(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(content, encoding="utf-8")
    (problem,) = check_pack(path)
    assert message in problem.message


def test_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (problem,) = check_pack(tmp_path / "nope.yaml")
    assert "cannot read" in problem.message
    with pytest.raises(PackError):
        load_pack(tmp_path / "nope.yaml")


def test_uncovered_obligation_is_a_warning_only(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path,
        "            why: Advice to ask the building administrator when unsure; there is nothing to observe.\n",
        "",
    )
    clause = "          - id: 401.13R1/general/consult-administrator\n            kind: duty\n"
    text = path.read_text(encoding="utf-8").replace(clause + "            checkable: false\n", clause)
    path.write_text(text, encoding="utf-8")
    problems = check_pack(path)
    assert [p.level for p in problems] == ["warning"]
    assert "clause '401.13R1/general/consult-administrator' is a duty that no rule cites" in problems[0].message
    assert problems[0].line == line_of(path, "id: 401.13R1/general/consult-administrator")
    assert load_pack(path).clause("401.13R1/general/consult-administrator").checkable  # still loads


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "covered_by: [social_site]", "covered_by: [social_sites]")
    text = path.read_text(encoding="utf-8").replace("adopted: 2015-09-23\n", "adopted: 2015-02-30\n")
    path.write_text(text, encoding="utf-8")
    messages = " | ".join(p.message for p in check_pack(path))
    assert "is not a date" in messages and "unknown permission kind 'social_sites'" in messages
