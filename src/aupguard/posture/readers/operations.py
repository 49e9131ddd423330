"""Backup job reports, disaster-recovery restore tests, duty assignments (CSV or JSON).

Backup jobs: system, job, finished, status, size (the columns every backup product's report can
be cut to; Veeam's "Job Name" / "End Time" / "Result" read too). Restore tests: system, what
was restored, tested (date), duration, by, result. Duties: person, duty (one row per duty a
person holds in a system: "backup_admin", "audit_log_admin", "approve_payment" ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aupguard.exportfiles import parse_time
from aupguard.model import ReadError
from aupguard.posture.evidence import SourceLines
from aupguard.posture.readers.tabular import Row, read_csv, read_json_records

_GOOD = {"success", "succeeded", "successful", "ok", "completed", "complete", "passed", "pass", "warning"}


def _rows(path: Path, errors: list[ReadError], required: tuple[tuple[str, ...], ...]) -> list[Row]:
    if path.suffix.lower() in (".json", ".ndjson", ".jsonl"):
        from aupguard.posture.readers.tabular import loose_key

        rows = []
        for row in read_json_records(path, errors, list_keys=("items", "jobs", "tests", "results")):
            row.values = {loose_key(k): v for k, v in row.values.items()}
            rows.append(row)
        return rows
    return read_csv(path, errors, required=required)


@dataclass(slots=True)
class BackupJob:
    system: str
    job: str
    finished: datetime
    ok: bool
    status: str
    size: str
    lines: SourceLines


_SYSTEM = ("system", "source", "server", "host", "vm", "object")
_FINISHED = ("finished", "endtime", "end", "completed", "finishedat", "date", "time")


def read_backup_jobs(path: Path, errors: list[ReadError]) -> list[BackupJob]:
    out = []
    for row in _rows(path, errors, required=(_SYSTEM + ("jobname", "job"), _FINISHED)):
        system = row.pick(*_SYSTEM) or row.pick("jobname", "job")
        finished = parse_time(row.pick(*_FINISHED))
        if not system or finished is None:
            errors.append(ReadError(row.lines.source, row.lines.position, "no system or finish time"))
            continue
        status = row.pick("status", "result", "state").lower()
        out.append(
            BackupJob(
                system.lower(),
                row.pick("job", "jobname"),
                finished,
                status in _GOOD,
                status,
                row.pick("size", "transferred", "bytes"),
                row.lines,
            )
        )
    return out


@dataclass(slots=True)
class RestoreTest:
    system: str
    restored: str
    tested: datetime
    ok: bool
    by: str
    duration: str
    lines: SourceLines


def read_restore_tests(path: Path, errors: list[ReadError]) -> list[RestoreTest]:
    out = []
    for row in _rows(path, errors, required=(_SYSTEM, ("tested", "date", "testedat", "when"))):
        tested = parse_time(row.pick("tested", "date", "testedat", "when"))
        system = row.pick(*_SYSTEM)
        if not system or tested is None:
            errors.append(ReadError(row.lines.source, row.lines.position, "no system or test date"))
            continue
        out.append(
            RestoreTest(
                system.lower(),
                row.pick("restored", "what", "item"),
                tested,
                row.pick("result", "status").lower() in _GOOD,
                row.pick("by", "tester", "testedby"),
                row.pick("duration", "minutes", "took"),
                row.lines,
            )
        )
    return out


@dataclass(slots=True)
class DutyAssignment:
    person: str  # person id or e-mail, as the file gives it
    duty: str
    system: str
    lines: SourceLines


def read_duties(path: Path, errors: list[ReadError]) -> list[DutyAssignment]:
    out = []
    for row in read_csv(path, errors, required=(("person", "email", "user"), ("duty", "role"))):
        person, duty = row.pick("person", "email", "user"), row.pick("duty", "role")
        if not person or not duty:
            errors.append(ReadError(row.lines.source, row.lines.position, "no person or duty"))
            continue
        out.append(DutyAssignment(person, duty.strip().lower(), row.pick("system", "application"), row.lines))
    return out
