"""Item + signals + context -> findings that cite a clause. No I/O of its own.

The policy pack's rules are compiled once into `CompiledRule`s; `evaluate` then judges each item
under the pack version in force when the item happened, routes each finding to its reviewer and
marks it covered when a permission covers it (never drops it).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aupguard.directory.index import Directory
from aupguard.model import Channel, Finding, FindingStatus, Item, Permission, Person, Severity, Signal
from aupguard.permissions.coverage import covering

# Evidence data keys naming the staff member a signal is about (contact, group text, social).
_SUBJECT_KEYS = ("staff_id",)
# Signal kinds that say the From header is not the author: the person it names is a victim.
_UNVERIFIED_SENDER = ("identity.forged",)
# Evidence data keys naming the person (student) whose information a signal carries.
_ABOUT_KEYS = ("person_id", "student_id")


@dataclass(frozen=True)
class CompiledRule:
    id: str
    clause_id: str
    signals: tuple[str, ...]  # signal kinds, `*` wildcards allowed
    severity: Severity
    reviewer: str
    covered_by: tuple[str, ...] = ()
    min_score: float = 0.0
    channels: tuple[str, ...] = ()
    external: bool | None = None
    sender_kinds: tuple[str, ...] = ()
    sender_roles: tuple[str, ...] = ()
    hold: bool = False
    # signal kind -> does some pattern of `signals` match it: a scan asks of the same few dozen
    # kinds for every rule and every signal, and fnmatch per pattern each time was most of
    # `evaluate`'s cost.
    _kind_wanted: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def wants(self, signal: Signal) -> bool:
        if signal.score < self.min_score:
            return False
        wanted = self._kind_wanted.get(signal.kind)
        if wanted is None:
            wanted = self._kind_wanted[signal.kind] = any(fnmatch.fnmatchcase(signal.kind, p) for p in self.signals)
        return wanted


@dataclass(frozen=True)
class ReviewerSpec:
    """Who holds a reviewer key (the pack's `settings.reviewers`), and where a case goes instead
    when its subject holds one of `escalate`'s roles (nobody reviews a case about themself)."""

    roles: tuple[str, ...]
    building_scoped: bool = False
    escalate: tuple[tuple[str, str], ...] = ()


@dataclass
class RuleSet:
    """The active rules of one pack version."""

    version: str
    effective: datetime  # the instant the version came into force (local midnight of its date)
    rules: list[CompiledRule]
    reviewers: dict[str, ReviewerSpec] = field(default_factory=dict)


@dataclass
class EngineContext:
    directory: Directory
    rulesets: list[RuleSet]  # any order; the one in force at the item's time is used
    permissions: list[Permission] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Oldest first, once: the scan asks for the rule set of every item, twice.
        self.rulesets = sorted(self.rulesets, key=lambda r: r.effective)

    def ruleset_at(self, at: datetime | None) -> RuleSet:
        ordered = self.rulesets
        if at is None:
            return ordered[-1]
        in_force = [r for r in ordered if r.effective <= at]
        # An item older than every version we hold is judged under the oldest one (the policy was
        # adopted in 2015; a district that needs the older text adds that version's pack).
        return in_force[-1] if in_force else ordered[0]


def compile_pack(pack: Any) -> RuleSet:
    """Compile a policy pack (aupguard.policy.schema.Pack) into the engine's rule set."""
    rules = []
    for r in pack.active_rules():
        when = r.when
        rules.append(
            CompiledRule(
                id=r.id,
                clause_id=pack.canonical_clause_id(r.clause),  # 713R1/... is stored as 401.13R1/...
                signals=tuple(r.signals),
                severity=Severity(r.severity),
                reviewer=r.reviewer,
                covered_by=tuple(r.covered_by or ()),
                min_score=float(r.min_score or 0.0),
                channels=tuple(str(c) for c in (when.channel or ())) if when else (),
                external=when.external if when else None,
                sender_kinds=tuple(str(k) for k in (when.sender_kind or ())) if when else (),
                sender_roles=tuple(when.sender_roles or ()) if when else (),
                hold=bool(getattr(r, "hold", False)),
            )
        )
    return RuleSet(str(pack.version), pack.effective_from, rules, compile_reviewers(pack))


# --------------------------------------------------------------------------- context


def _related(address: str, about: Person | None, directory: Directory) -> bool:
    """True when the address belongs to the person a signal is about, or to their guardian."""
    if about is None:
        return False
    owner = directory.person_at(address)
    return owner is not None and (owner.id == about.id or about.id in owner.guardian_of)


def is_external(item: Item, signal: Signal | None, directory: Directory) -> bool:
    """Does the item leave the district, as far as this signal is concerned?

    Social posts and connections are on external sites by definition (401.13). A message is
    external when some recipient is not a district address, ignoring the student the signal is
    about and that student's guardians: a teacher writing to a parent about their own child is
    district business, not a disclosure.
    """
    if item.channel in (Channel.POST, Channel.CONNECTION):
        return item.meta.get("visibility", "public") != "only_me"
    about = None
    if signal is not None:
        for key in _ABOUT_KEYS:
            if signal.data.get(key):
                about = directory.person(str(signal.data[key]))
                break
    if about is None:  # most calls (the scan asks before any signal): no one to discount
        return not all(map(directory.is_district_address, item.recipients))
    return any(not directory.is_district_address(r) and not _related(r, about, directory) for r in item.recipients)


def subject_of(evidence: Sequence[Signal], sender: Person | None, directory: Directory) -> Person | None:
    """Whom a finding is about: the staff member a signal names, else the sender.

    Nobody, when the evidence says the sender is forged: the person in From is the victim.
    """
    if any(s.kind in _UNVERIFIED_SENDER for s in evidence):
        return None
    for s in evidence:
        for key in _SUBJECT_KEYS:
            person = directory.person(s.data.get(key))
            if person is not None:
                return person
    return sender


# --------------------------------------------------------------------------- routing


def compile_reviewers(pack: Any) -> dict[str, ReviewerSpec]:
    return {
        key: ReviewerSpec(tuple(r.directory_roles), r.scope == "building", tuple(r.escalate.items()))
        for key, r in pack.settings.reviewers.items()
    }


def route(reviewer: str, subject: Person | None, directory: Directory, reviewers: dict[str, ReviewerSpec]) -> str:
    """Person id (or "role:<key>" when nobody holds it) of who reviews a finding about `subject`.

    Follows the pack's reviewer table: a case about someone who holds an escalating role goes
    to that role's replacement (principal -> superintendent -> board president); a
    building-scoped reviewer is sought among the subject's buildings, and when the building has
    none, the case goes where a case about that reviewer would.
    """
    key, seen = reviewer, set()
    while key not in seen:
        seen.add(key)
        spec = reviewers.get(key, ReviewerSpec((key,)))
        escalate = dict(spec.escalate)
        moved = next((escalate[r] for r in (subject.roles if subject else ()) if r in escalate), None)
        if moved is not None:
            key = moved
            continue
        holders = directory.active_holders(spec.roles)
        if spec.building_scoped:
            buildings = set(subject.building_ids) if subject else set()
            holders = [p for p in holders if buildings & set(p.building_ids)]
        holders = [p for p in holders if subject is None or p.id != subject.id]
        if holders:
            return holders[0].id  # in id order
        if spec.building_scoped and key in escalate:
            key = escalate[key]  # no principal in the building: as for a case about one
            continue
        return f"role:{key}"
    return f"role:{key}"


# --------------------------------------------------------------------------- evaluate


def may_apply(
    rule: CompiledRule, item: Item, sender: Person | None, directory: Directory, leaves: bool | None = None
) -> bool:
    """Can the rule's `when` hold for this item, whatever its signals? Channel, sender kind and
    roles are the item's; `external: true` needs some recipient outside the district, since a
    signal can only narrow that (it discounts the student it is about and their guardians).

    `evaluate` applies it before judging signals, and the scan asks it before detecting, so a
    detector runs only where a rule could use what it finds (students' data, for one, is read
    only for messages that leave the district from staff).

    `leaves` is `is_external(item, None, directory)` where the caller has it already: asking it
    rule after rule walks every recipient again (hundreds on a list mailing)."""
    if rule.channels and item.channel.value not in rule.channels:
        return False
    if rule.sender_kinds and (sender.kind.value if sender else "unknown") not in rule.sender_kinds:
        return False
    if rule.sender_roles and not (sender and set(sender.roles) & set(rule.sender_roles)):
        return False
    if rule.external is not True:
        return True
    return is_external(item, None, directory) if leaves is None else leaves


def evaluate(item: Item, signals: Sequence[Signal], ctx: EngineContext) -> list[Finding]:
    if not signals:
        return []
    ruleset = ctx.ruleset_at(item.sent_at)
    directory = ctx.directory
    sender = directory.person_at(item.sender)
    findings: list[Finding] = []
    for rule in ruleset.rules:
        matched = [s for s in signals if rule.wants(s)]
        if not matched or not may_apply(rule, item, sender, directory):
            continue
        if rule.external is not None:
            matched = [s for s in matched if is_external(item, s, directory) == rule.external]
            if not matched:
                continue
        subject = subject_of(matched, sender, directory)
        person_id = subject.id if subject else None
        permit = covering(ctx.permissions, rule.covered_by, person_id, item.sent_at, item, matched)
        findings.append(
            Finding(
                item_id=item.id,
                rule_id=rule.id,
                clause_id=rule.clause_id,
                severity=rule.severity,
                status=FindingStatus.COVERED if permit else FindingStatus.OPEN,
                person_id=person_id,
                reviewer=route(rule.reviewer, subject, directory, ruleset.reviewers),
                evidence=list(matched),
                pack_version=ruleset.version,
                permission_id=permit.id if permit else None,
            )
        )
    return findings


def now() -> datetime:
    return datetime.now(UTC)
