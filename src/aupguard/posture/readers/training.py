"""In-service training and policy acknowledgement records (CSV), as a learning platform or a
sign-off form exports them. One import may hold several files; each row is classified by the
columns its file has:

- assignments: person, course, due (and optionally assigned)
- completions: person, course, completed
- acknowledgements: person, document (e.g. 401.13R1), signed (date), optionally version
- courses: course, title (optional; names the courses in summaries)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aupguard.exportfiles import open_text, parse_time
from aupguard.model import ReadError
from aupguard.posture.evidence import SourceLines
from aupguard.posture.readers.tabular import header_keys, read_csv

_PERSON = ("person", "personid", "employeeid", "email", "user", "staff", "sourcedid")
_COURSE = ("course", "courseid", "coursecode", "program", "session")


@dataclass(slots=True)
class TrainingRecord:
    kind: str  # "assignment" | "completion" | "acknowledgement" | "course"
    person: str
    subject: str  # course id, or the document acknowledged
    at: datetime | None  # due date / completion / signature date
    title: str
    lines: SourceLines


def read_training(path: Path, errors: list[ReadError]) -> list[TrainingRecord]:
    before = len(errors)
    rows = read_csv(path, errors)
    if len(errors) > before:
        return []  # an unreadable file: its error is recorded
    header = open_first_line(path)
    kind = _classify(header_keys(header))
    if kind is None:
        errors.append(
            ReadError(
                str(path),
                "line 1",
                "not a training file: needs person+course+due (assignments), "
                "person+course+completed (completions), person+document+signed (acknowledgements) "
                "or course+title (courses)",
            )
        )
        return []
    out = []
    for row in rows:
        subject = row.pick("document", "policy", *_COURSE) if kind == "acknowledgement" else row.pick(*_COURSE)
        person = row.pick(*_PERSON)
        when = {
            "assignment": ("due", "duedate"),
            "completion": ("completed", "completedat", "completiondate"),
            "acknowledgement": ("signed", "signedat", "acknowledged", "date"),
            "course": (),
        }[kind]
        at = parse_time(row.pick(*when)) if when else None
        if not subject or (kind != "course" and (not person or at is None)):
            errors.append(
                ReadError(row.lines.source, row.lines.position, f"{kind} row without person, subject or date")
            )
            continue
        out.append(TrainingRecord(kind, person, subject, at, row.pick("title", "name"), row.lines))
    return out


def open_first_line(path: Path) -> str:
    with open_text(path) as stream:
        return stream.readline()


def _classify(columns: set[str]) -> str | None:
    has = columns.intersection
    if has(_PERSON) and has(("document", "policy")) and has(("signed", "signedat", "acknowledged", "date")):
        return "acknowledgement"
    if has(_PERSON) and has(_COURSE) and has(("completed", "completedat", "completiondate")):
        return "completion"
    if has(_PERSON) and has(_COURSE) and has(("due", "duedate")):
        return "assignment"
    if has(_COURSE) and has(("title", "name")):
        return "course"
    return None
