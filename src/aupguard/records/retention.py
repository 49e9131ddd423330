"""Retention classes (domain notes 7.1), how each item gets one, and when it falls due.

A district may lengthen a class, never shorten it below its floor. Each item gets the class with
the longest retention among those that apply to it: by channel, by the rule or clause of a
finding on it, or by its involvement in a case (a confirmed finding). A person may change an
item's class with a recorded reason; automatic assignment then leaves that item alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, case, func, literal, select

from aupguard.store import audit_repo
from aupguard.store.records_tables import item_retention, retention_changes, retention_classes, retention_rules
from aupguard.store.tables import findings, items


class RetentionError(ValueError):
    """A change the retention rules forbid (below a floor, unknown class, no reason)."""


def years(n: int) -> int:
    return n * 365 + n // 4  # leap days included, so "7 years" never ends a day early


@dataclass(frozen=True)
class RetentionClass:
    id: str
    name: str
    days: int | None  # None: permanent
    floor_days: int | None  # None: the floor is permanent
    starts: str  # "sent" | "separation" | "closure"
    basis: str
    no_purge: bool = False

    @property
    def rank(self) -> tuple[int, int, int]:
        """Longer retention ranks higher: never purged > permanent > after separation > days."""
        return (int(self.no_purge), int(self.days is None), (self.days or 0) + (10**6 if self.starts != "sent" else 0))


# Section 7.1 of the domain notes. `starts`: sent = from send/receive; separation = after the
# person leaves; closure = after the records request closes.
DEFAULT_CLASSES = [
    RetentionClass(
        "general",
        "Staff email and messages, general business",
        years(3),
        years(1),
        "sent",
        "Decorah 705.1 3 y; Iowa DE 2 y; Linn-Mar 805.2 at least 1 y",
    ),
    RetentionClass(
        "transitory", "Transitory (spam, auto-notices), confirmed by a person", years(1), 30, "sent", "assumption [A]"
    ),
    RetentionClass(
        "personnel",
        "Messages tagged to a personnel or discipline matter",
        years(7),
        years(7),
        "separation",
        "IASB 708; Decorah",
    ),
    RetentionClass(
        "discipline", "Discipline, including access suspensions", years(7), years(7), "separation", "IASB 708"
    ),
    RetentionClass(
        "discharge",
        "Discharge, demotion, resignation in lieu, with reasons; BOEE reports",
        None,
        None,
        "sent",
        "Ankeny 805.10; Iowa Code 22.7(11)(a)(5); 256.160",
    ),
    RetentionClass(
        "acknowledgements",
        "Acknowledgements, training, staff consents",
        years(7),
        years(3),
        "separation",
        "personnel [A]",
    ),
    RetentionClass(
        "ferpa-consents",
        "FERPA consents and disclosure logs",
        None,
        None,
        "sent",
        "34 CFR 99.30/99.32: life of the related education record",
        no_purge=True,
    ),
    RetentionClass(
        "education-record",
        "Messages that are student education records",
        None,
        None,
        "sent",
        "FERPA; Iowa Code 22.7(1): routed to the student-records schedule, never purged here",
        no_purge=True,
    ),
    RetentionClass("title-ix", "Title IX related", years(7), years(7), "sent", "IASB 708"),
    RetentionClass("open-minutes", "Open-meeting minutes", None, None, "sent", "IASB 708"),
    RetentionClass(
        "closed-minutes",
        "Closed-session minutes and audio (sealed)",
        years(1),
        years(1),
        "sent",
        "Iowa Code 21.5(4): then review",
    ),
    RetentionClass("records-request", "Records-request file", years(5), years(3), "closure", "assumption [A]"),
    RetentionClass(
        "cipa-erate",
        "CIPA / E-rate documents",
        years(11),
        years(11),
        "sent",
        "47 CFR 54.516: 10 y after the funding year (a year added for the funding year itself)",
    ),
    RetentionClass(
        "security-logs",
        "Security and audit logs",
        years(3),
        years(1),
        "sent",
        "assumption [A]; Iowa Code 22.7(50) if listed",
    ),
    RetentionClass("surveillance-video", "Surveillance video", 30, 30, "sent", "Linn-Mar"),
]

# How a class is chosen when nobody has said otherwise. "case"/"confirmed": an item with a
# confirmed finding is part of a personnel matter.
DEFAULT_RULES = [
    ("channel", "email", "general"),
    ("channel", "text", "general"),
    ("channel", "post", "general"),
    ("channel", "connection", "general"),
    ("channel", "log", "security-logs"),
    ("case", "confirmed", "personnel"),
]


def ensure_defaults(conn: Connection) -> None:
    """Insert the default classes and rules the first time (a district's edits are kept)."""
    known = set(conn.scalars(select(retention_classes.c.id)))
    fresh = [c for c in DEFAULT_CLASSES if c.id not in known]
    if fresh:
        conn.execute(retention_classes.insert(), [c.__dict__ for c in fresh])
    if conn.execute(select(retention_rules.c.id).limit(1)).first() is None:
        conn.execute(retention_rules.insert(), [{"match": m, "value": v, "class_id": c} for m, v, c in DEFAULT_RULES])


def classes(conn: Connection) -> dict[str, RetentionClass]:
    ensure_defaults(conn)
    return {
        r.id: RetentionClass(r.id, r.name, r.days, r.floor_days, r.starts, r.basis, r.no_purge)
        for r in conn.execute(select(retention_classes))
    }


def default_for(class_id: str) -> RetentionClass | None:
    return next((c for c in DEFAULT_CLASSES if c.id == class_id), None)


def set_class_days(engine: Engine, class_id: str, days: int | None, *, actor: str, reason: str) -> None:
    """Change how long a class keeps items: longer is always allowed, shorter never below the floor."""
    if not reason.strip():
        raise RetentionError("changing a retention period needs a reason")
    with engine.begin() as conn:
        known = classes(conn)
        cls = known.get(class_id)
        if cls is None:
            raise RetentionError(f"no retention class {class_id!r}; known: {', '.join(sorted(known))}")
        if days is not None and (cls.floor_days is None or days < cls.floor_days):
            floor = "permanent" if cls.floor_days is None else f"{cls.floor_days} days"
            raise RetentionError(f"{class_id}: {days} days is below its floor ({floor}; {cls.basis})")
        conn.execute(retention_classes.update().where(retention_classes.c.id == class_id).values(days=days))
        audit_repo.record_in(
            conn, "retention.class", target=f"class:{class_id}", reason=reason, actor=actor, before=cls.days, after=days
        )


def add_rule(engine: Engine, match: str, value: str, class_id: str, *, actor: str, reason: str) -> None:
    if match not in ("channel", "rule", "clause", "case"):
        raise RetentionError(f"a rule matches channel, rule, clause or case, not {match!r}")
    with engine.begin() as conn:
        if class_id not in classes(conn):
            raise RetentionError(f"no retention class {class_id!r}")
        conn.execute(retention_rules.insert().values(match=match, value=value, class_id=class_id))
        audit_repo.record_in(
            conn, "retention.rule", target=f"class:{class_id}", reason=reason, actor=actor, match=match, value=value
        )


def _record_change(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(retention_changes.insert(), list(rows))


def assign(engine: Engine, *, actor: str = "retention") -> dict[str, int]:
    """Give every item a class by the rules; returns how many items got or changed a class.

    Channel defaults are one INSERT ... SELECT; rule, clause and case rules then raise an item's
    class where they give a longer retention. Items a person classed by hand are left alone."""
    now = datetime.now(UTC)
    counts = {"assigned": 0, "raised": 0}
    with engine.begin() as conn:
        known = classes(conn)
        rules = list(conn.execute(select(retention_rules)))
        by_channel = {r.value: r.class_id for r in rules if r.match == "channel"}
        unclassed = (
            select(items.c.id)
            .select_from(items.outerjoin(item_retention, item_retention.c.item_id == items.c.id))
            .where(item_retention.c.item_id.is_(None))
        )
        channel_class: Any = (
            case(by_channel, value=items.c.channel, else_="general") if by_channel else literal("general")
        )
        reason: Any = literal("by channel: ") + items.c.channel if by_channel else literal("default class")
        counts["assigned"] = int(conn.scalar(select(func.count()).select_from(unclassed.subquery())) or 0)
        conn.execute(
            item_retention.insert().from_select(
                ["item_id", "class_id", "reason", "assigned_by", "assigned_at", "manual"],
                select(
                    items.c.id,
                    channel_class,
                    reason,
                    literal(actor),
                    literal(now, type_=item_retention.c.assigned_at.type),
                    literal(False),
                ).where(items.c.id.in_(unclassed)),
            )
        )
        for rule in rules:
            if rule.match == "channel":
                continue
            target = known[rule.class_id]
            q = select(findings.c.item_id, findings.c.id).distinct()
            if rule.match == "rule":
                q = q.where(findings.c.rule_id == rule.value)
            elif rule.match == "clause":
                q = q.where((findings.c.clause_id == rule.value) | findings.c.clause_id.like(f"{rule.value}/%"))
            else:  # case: the status a finding has when it is part of a case ("confirmed")
                q = q.where(findings.c.status == rule.value)
            matched = {r.item_id: r.id for r in conn.execute(q)}
            counts["raised"] += _raise_to(conn, matched, target, known, rule, actor, now)
    return counts


def _raise_to(
    conn: Connection,
    matched: dict[str, int],
    target: RetentionClass,
    known: dict[str, RetentionClass],
    rule: Any,
    actor: str,
    now: datetime,
) -> int:
    raised = 0
    ids = list(matched)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        current = {
            r.item_id: r for r in conn.execute(select(item_retention).where(item_retention.c.item_id.in_(chunk)))
        }
        changes = []
        for item_id in chunk:
            row = current.get(item_id)
            if row is None or row.manual or row.class_id == target.id:
                continue
            if known[row.class_id].rank >= target.rank:
                continue
            why = f"by {rule.match} {rule.value} (finding {matched[item_id]})"
            conn.execute(
                item_retention.update()
                .where(item_retention.c.item_id == item_id)
                .values(class_id=target.id, reason=why, assigned_by=actor, assigned_at=now)
            )
            changes.append(
                {
                    "item_id": item_id,
                    "from_class": row.class_id,
                    "to_class": target.id,
                    "reason": why,
                    "actor": actor,
                    "at": now,
                }
            )
        _record_change(conn, changes)
        raised += len(changes)
    return raised


def reclassify(engine: Engine, item_ids: Iterable[str], class_id: str, *, actor: str, reason: str) -> int:
    """A person sets the class of items, with a recorded reason."""
    if not reason.strip():
        raise RetentionError("changing an item's retention class needs a reason")
    now = datetime.now(UTC)
    ids = list(dict.fromkeys(item_ids))
    with engine.begin() as conn:
        if class_id not in classes(conn):
            raise RetentionError(f"no retention class {class_id!r}")
        present = set(conn.scalars(select(items.c.id).where(items.c.id.in_(ids)))) if ids else set()
        missing = [i for i in ids if i not in present]
        if missing:
            raise RetentionError(f"no such item: {', '.join(missing[:5])}")
        current = {
            r.item_id: r.class_id for r in conn.execute(select(item_retention).where(item_retention.c.item_id.in_(ids)))
        }
        for item_id in ids:
            values = {"class_id": class_id, "reason": reason, "assigned_by": actor, "assigned_at": now, "manual": True}
            if item_id in current:
                conn.execute(item_retention.update().where(item_retention.c.item_id == item_id).values(**values))
            else:
                conn.execute(item_retention.insert().values(item_id=item_id, **values))
        _record_change(
            conn,
            [
                {
                    "item_id": i,
                    "from_class": current.get(i),
                    "to_class": class_id,
                    "reason": reason,
                    "actor": actor,
                    "at": now,
                }
                for i in ids
            ],
        )
        audit_repo.record_in(
            conn, "retention.reclassify", target=f"class:{class_id}", reason=reason, actor=actor, items=ids
        )
    return len(ids)


def due_at(
    cls: RetentionClass, sent_at: datetime | None, first_seen_at: datetime, separated_at: datetime | None
) -> datetime | None:
    """When an item of this class may be disposed of; None while it may not (permanent, no purge,
    the person has not left, a records-request file not yet closed)."""
    if cls.no_purge or cls.days is None:
        return None
    if cls.starts == "sent":
        start = sent_at or first_seen_at
    elif cls.starts == "separation":
        start = separated_at  # type: ignore[assignment]
    else:
        return None  # request files are kept with their request, not disposed of from here
    if start is None:
        return None
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    return start + timedelta(days=cls.days)
