"""In-service training (401.13: the Technology Integrationist Specialist's programs) and annual
acknowledgement of the policy and regulation (401.13 general/regulations): who is missing what.

The roster-wide parts run only when the import holds that kind of record: an import of
completions alone does not make every staff member "missing" their acknowledgements.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from aupguard.model import Person, PersonKind
from aupguard.posture.checks.context import CheckContext
from aupguard.posture.evidence import Observation, SourceLines, evidence_item, signal, synthetic_line
from aupguard.posture.readers.training import TrainingRecord


def training_year(ctx: CheckContext, at: datetime | None = None) -> tuple[date, str]:
    """(first day, "2026-2027") of the training year holding `at` (default: `as_of`)."""
    month, day = (int(x) for x in ctx.settings.training.year_starts.split("-"))
    today = (at or ctx.as_of).astimezone(ctx.timezone).date()
    start = date(today.year, month, day)
    if start > today:
        start = date(today.year - 1, month, day)
    return start, f"{start.year}-{start.year + 1}"


def _year_start(ctx: CheckContext, at: datetime | None = None) -> datetime:
    return datetime.combine(training_year(ctx, at)[0], datetime.min.time(), ctx.timezone)


def _who(rec: TrainingRecord, ctx: CheckContext) -> str:
    person = ctx.person(rec.person)
    return person.id if person else rec.person.lower()


def check_training(records: list[TrainingRecord], ctx: CheckContext, source: str) -> list[Observation]:
    year = training_year(ctx)[1]
    year_start = _year_start(ctx)
    completed: dict[tuple[str, str], datetime] = {}
    for r in records:
        if r.kind == "completion" and r.at is not None:
            key = (_who(r, ctx), r.subject.lower())
            completed[key] = max(completed.get(key, r.at), r.at)
    missing: dict[str, list[tuple[str, SourceLines]]] = defaultdict(list)
    for r in records:
        if r.kind == "assignment" and r.at is not None and r.at < ctx.as_of:
            who = _who(r, ctx)
            done = completed.get((who, r.subject.lower()))
            # A completion in the training year the assignment was due in (or later) meets it.
            if done is None or done < _year_start(ctx, r.at):
                missing[who].append((r.subject, r.lines))
    if any(r.kind == "completion" for r in records):
        for person in _staff(ctx, volunteers=False):
            for course in ctx.settings.training.required_courses:
                done = completed.get((person.id, course.lower()))
                assigned = any(c.lower() == course.lower() for c, _ in missing.get(person.id, []))
                if (done is None or done < year_start) and not assigned:
                    line = synthetic_line(
                        source, {"person": person.id, "course": course, "year": year, "completed": None}
                    )
                    missing[person.id].append((course, line))
    titles = {r.subject.lower(): f"{r.subject} {r.title}" for r in records if r.kind == "course" and r.title}
    out = []
    for who, gaps in sorted(missing.items()):
        holder = ctx.directory.person(who)
        name = holder.display_name if holder else who
        courses = sorted({c for c, _ in gaps})
        sig = signal(
            "posture_training",
            "posture.training_missing",
            f"{name} has not completed {', '.join(titles.get(c.lower(), c) for c in courses)} ({year})",
            text=", ".join(courses),
            person_id=holder.id if holder else None,
            courses=courses,
            year=year,
            buildings=list(holder.building_ids) if holder else [],
        )
        out.append(
            Observation(
                evidence_item(
                    [ln for _, ln in gaps],
                    kind="training",
                    at=ctx.as_of,
                    address=None,
                    summary=f"training missing for {name}",
                ),
                [sig],
            )
        )
    if any(r.kind == "acknowledgement" for r in records):
        out.extend(_acknowledgements(records, ctx, source, year))
    return out


def _staff(ctx: CheckContext, *, volunteers: bool) -> list[Person]:
    kinds = {PersonKind.STAFF, PersonKind.VOLUNTEER} if volunteers else {PersonKind.STAFF}
    return sorted((p for p in ctx.directory.people.values() if p.active and p.kind in kinds), key=lambda p: p.id)


def _acknowledgements(records: list[TrainingRecord], ctx: CheckContext, source: str, year: str) -> list[Observation]:
    latest: dict[tuple[str, str], TrainingRecord] = {}
    for r in records:
        if r.kind == "acknowledgement" and r.at is not None:
            key = (_who(r, ctx), r.subject.upper())
            if key not in latest or latest[key].at < r.at:  # type: ignore[operator]
                latest[key] = r
    window = timedelta(days=ctx.settings.training.acknowledgement_days)
    out = []
    for person in _staff(ctx, volunteers=True):
        lines, docs = [], []
        for doc in ctx.settings.training.acknowledgements:
            signed = latest.get((person.id, doc.upper()))
            if signed is not None and signed.at is not None and ctx.as_of - signed.at <= window:
                continue
            docs.append(doc)
            lines.append(
                signed.lines
                if signed
                else synthetic_line(source, {"person": person.id, "document": doc, "year": year, "signed": None})
            )
        if docs:
            sig = signal(
                "posture_training",
                "posture.acknowledgement_missing",
                f"{person.display_name} has no current acknowledgement of {', '.join(docs)}",
                text=", ".join(docs),
                person_id=person.id,
                documents=docs,
                year=year,
                buildings=list(person.building_ids),
            )
            out.append(
                Observation(
                    evidence_item(
                        lines,
                        kind="acknowledgements",
                        at=ctx.as_of,
                        address=None,
                        summary=f"acknowledgements missing for {person.display_name}",
                    ),
                    [sig],
                )
            )
    return out
