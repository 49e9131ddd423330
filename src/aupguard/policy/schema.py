"""The policy pack as typed data: clauses of the policy text, rules, permission kinds, settings.

The models check the shape of one pack (types, allowed values, unknown fields). Checks that
span the pack (a rule's clause exists, a detector is known) live in `crosscheck`, so that
`check_pack` can report them with YAML line numbers. See docs/policy-pack.md for the format.
"""

from __future__ import annotations

import difflib
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from aupguard.detectors.kinds import signal_matches
from aupguard.model import Channel, Severity

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
IDENTIFIER_PATTERN = r"^[a-z][a-z0-9_]*$"
POLICY_CODE_PATTERN = r"^[0-9]+(\.[0-9]+)*(R[0-9]+)?$"
CLAUSE_ID_PATTERN = r"^[0-9]+(\.[0-9]+)*(R[0-9]+)?/[a-z0-9-]+/[a-z0-9-]+$"
SIGNAL_PATTERN = r"^[a-z_]+(\.[a-z_]+)*(\.\*|\*)?$"
PACK_ID_PATTERN = r"^[a-z0-9][a-z0-9.-]*$"
RESPONSIBILITY_PATTERN = r"^26\.3\([0-9]+\)$"
# What each pattern means, for error messages a district can act on.
PATTERN_HELP = {
    SLUG_PATTERN: "a slug: lowercase letters and digits joined by single hyphens",
    IDENTIFIER_PATTERN: "an identifier: lowercase letters, digits and underscores",
    POLICY_CODE_PATTERN: "a policy code like 401.13 or 401.13R1",
    CLAUSE_ID_PATTERN: "a clause id like 401.13R1/prohibited/harassing",
    SIGNAL_PATTERN: "a signal kind like student.name, or a prefix with a wildcard like student.*",
    PACK_ID_PATTERN: "a pack id: lowercase letters, digits, dots and hyphens",
    RESPONSIBILITY_PATTERN: "a 282 IAC 26.3 paragraph like 26.3(9)",
}

Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN)]
# "401.13", "401.13R1", "713R1": a board policy code.
PolicyCode = Annotated[str, Field(pattern=POLICY_CODE_PATTERN)]
ClauseId = Annotated[str, Field(pattern=CLAUSE_ID_PATTERN)]
# "student.name", or a prefix with a trailing wildcard: "student.*".
SignalPattern = Annotated[str, Field(pattern=SIGNAL_PATTERN)]

ClauseKind = Literal["statement", "definition", "duty", "prohibition", "allowance", "consequence"]
RuleStatus = Literal["active", "needs_source", "needs_detector"]
SenderKind = Literal["staff", "student", "guardian", "volunteer", "unknown"]
# Keys a permission's scope may be narrowed by (see aupguard.model.Permission.scope).
ScopeKey = Literal["students", "groups", "phones", "sites", "software", "devices", "mailboxes"]
FormFieldType = Literal["text", "date", "email", "boolean", "signature", "person", "building"]
RomanStandard = Literal["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
# Areas of mandatory reporting to the BOEE (Iowa Code §256.160).
ReportingArea = Literal[
    "inappropriate_relationship",
    "falsification",
    "public_property_personal_use",
    "under_influence",
    "free_speech_discrimination",
]


class _Model(BaseModel):
    # A typo in a district's copy must be reported, not silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------------------- policy text


class Clause(_Model):
    id: ClauseId
    kind: ClauseKind
    text: Annotated[str, Field(min_length=1)]
    # False for a duty or prohibition that software cannot observe; `why` says so.
    checkable: bool = True
    why: str | None = None

    @model_validator(mode="after")
    def _why_when_not_checkable(self) -> Clause:
        if not self.checkable and not (self.why or "").strip():
            raise ValueError("a clause with checkable: false needs `why` (the reason)")
        return self


class Section(_Model):
    slug: Slug
    heading: str | None = None  # the heading as printed, or null for untitled paragraphs
    clauses: list[Clause]


class Annotation(_Model):
    """A drafter's note printed with the policy (e.g. IASB's [SS1] comment), kept as data."""

    mark: str
    text: str
    clauses: list[ClauseId] = []


class Document(_Model):
    code: PolicyCode
    aliases: list[PolicyCode] = []  # other numbers the same text is cited by (713R1 ...)
    kind: Literal["policy", "regulation"]
    title: str
    approved: date
    revised: date | None = None
    sections: list[Section]
    annotations: list[Annotation] = []


class LegalReference(_Model):
    citation: str
    title: str | None = None


class CrossReference(_Model):
    code: str
    title: str
    clause: ClauseId | None = None  # where the text points to it, when one clause does


# ----------------------------------------------------------------------------- rules


class When(_Model):
    """Conditions on the item's context; the engine implements exactly these keys."""

    channel: list[Channel] | None = None
    external: bool | None = None
    sender_kind: list[SenderKind] | None = None
    sender_roles: list[str] | None = None  # any of


class Boee(_Model):
    """Iowa Board of Educational Examiners references (282 IAC 25.3 / 26.3; §256.160)."""

    standard: RomanStandard | None = None  # 282—25.3 standard
    responsibility: Annotated[str, Field(pattern=RESPONSIBILITY_PATTERN)] | None = None
    reporting_area: ReportingArea | None = None


class Example(_Model):
    """A text that the rule's detectors must fire on (or must not), checked in tests."""

    expect: Literal["fire", "pass"]
    text: Annotated[str, Field(min_length=1)]
    channel: Channel | None = None


class Rule(_Model):
    id: Slug
    title: str
    clause: ClauseId
    status: RuleStatus
    needs: str | None = None  # what a non-active rule waits for, as a sentence
    detectors: list[str] = []
    signals: list[SignalPattern] = []
    min_score: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    when: When = When()
    severity: Severity
    reviewer: str
    covered_by: list[str] = []
    hold: bool = False  # the mail gateway holds a matching message for review
    boee: Boee | None = None
    examples: list[Example] = []

    @model_validator(mode="after")
    def _status_fields(self) -> Rule:
        if self.status == "active":
            if not self.detectors or not self.signals:
                raise ValueError("an active rule needs `detectors` and `signals`")
        elif not (self.needs or "").strip():
            raise ValueError(f"a rule with status {self.status} needs `needs` (what it waits for)")
        return self

    @property
    def active(self) -> bool:
        return self.status == "active"

    def matches_signal(self, kind: str) -> bool:
        return any(signal_matches(p, kind) for p in self.signals)


# ----------------------------------------------------------------------------- permissions


class FormField(_Model):
    id: Identifier
    label: str
    type: FormFieldType
    required: bool = True
    help: str | None = None


class PermissionKind(_Model):
    id: Identifier
    title: str
    clause: ClauseId
    approver_roles: Annotated[list[str], Field(min_length=1)]  # directory roles, any of
    scope_keys: list[ScopeKey] = []
    emergency: bool = False  # grants of this kind are emergency consents
    form: list[FormField] = []  # the request form; empty = reason only


# ----------------------------------------------------------------------------- settings


class ReviewerRole(_Model):
    title: str
    directory_roles: Annotated[list[str], Field(min_length=1)]
    scope: Literal["building", "district"] = "district"
    # subject's role -> reviewer key used instead (nobody reviews a case about themselves).
    escalate: dict[str, str] = {}


class Settings(_Model):
    detectors: dict[str, dict[str, Any]] = {}
    reviewers: dict[Identifier, ReviewerRole] = {}
    # Validated by aupguard.posture.settings (its own model; see docs/posture.md).
    posture: dict[str, Any] = {}
    # Validated by aupguard.gateway.settings (hold rules of the mail filter; see docs/gateway.md).
    gateway: dict[str, Any] = {}


# ----------------------------------------------------------------------------- the pack


class UnknownClause(KeyError):
    """A clause id the pack does not hold (message names the closest ids)."""


class Pack(_Model):
    format: Literal[1] = 1
    id: Annotated[str, Field(pattern=PACK_ID_PATTERN)]
    title: str
    codes: Annotated[list[PolicyCode], Field(min_length=1)]
    version: Annotated[str, Field(min_length=1)]
    adopted: date
    revised: date | None = None
    effective: date
    timezone: str = "America/Chicago"
    source: str | None = None
    legal_references: list[LegalReference] = []
    cross_references: list[CrossReference] = []
    documents: Annotated[list[Document], Field(min_length=1)]
    permission_kinds: list[PermissionKind] = []
    rules: list[Rule] = []
    settings: Settings = Settings()

    _clauses: dict[str, Clause] = PrivateAttr(default_factory=dict)
    _aliases: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like America/Chicago)") from exc
        return value

    def model_post_init(self, __context: Any) -> None:
        for doc in self.documents:
            for alias in doc.aliases:
                self._aliases[alias] = doc.code
            for section in doc.sections:
                for clause in section.clauses:
                    self._clauses.setdefault(clause.id, clause)

    # ------------------------------------------------------------------ lookups

    def canonical_clause_id(self, clause_id: str) -> str:
        """'713R1/prohibited/harassing' -> '401.13R1/prohibited/harassing'."""
        code, sep, rest = clause_id.partition("/")
        return f"{self._aliases.get(code, code)}{sep}{rest}"

    def clause(self, clause_id: str) -> Clause:
        found = self._clauses.get(self.canonical_clause_id(clause_id))
        if found is None:
            close = difflib.get_close_matches(self.canonical_clause_id(clause_id), self._clauses, n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise UnknownClause(f"pack {self.id} {self.version} has no clause {clause_id!r}{hint}")
        return found

    def has_clause(self, clause_id: str) -> bool:
        return self.canonical_clause_id(clause_id) in self._clauses

    def clauses(self) -> list[Clause]:
        return list(self._clauses.values())

    def document_of(self, clause_id: str) -> Document:
        code = self.canonical_clause_id(clause_id).partition("/")[0]
        for doc in self.documents:
            if doc.code == code:
                return doc
        raise UnknownClause(f"pack {self.id} has no document {code!r}")

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"pack {self.id} has no rule {rule_id!r}")

    def active_rules(self) -> list[Rule]:
        return [r for r in self.rules if r.active]

    def rules_for_signal(self, kind: str) -> list[Rule]:
        """Active rules that a signal of this kind can trigger."""
        return [r for r in self.active_rules() if r.matches_signal(kind)]

    def permission_kind(self, kind_id: str) -> PermissionKind:
        for kind in self.permission_kinds:
            if kind.id == kind_id:
                return kind
        raise KeyError(f"pack {self.id} has no permission kind {kind_id!r}")

    def detector_settings(self) -> dict[str, dict[str, Any]]:
        """The `settings` mapping a DetectContext takes."""
        return {name: dict(values) for name, values in self.settings.detectors.items()}

    @property
    def effective_from(self) -> datetime:
        """The instant this version comes into force: local midnight of `effective`."""
        return datetime.combine(self.effective, time(0), tzinfo=ZoneInfo(self.timezone))

    def label(self) -> str:
        return f"{self.id}@{self.version}"


def select_pack(packs: list[Pack], at: datetime) -> Pack | None:
    """The version in force at `at`: the latest whose effective instant is not after it.

    A workspace may keep several versions of its pack; a finding is judged under the version
    in force when the item happened. Returns None when `at` is before every version (no
    policy was in force). A naive `at` is taken as UTC, like Item.sent_at.
    """
    ids = {p.id for p in packs}
    if len(ids) > 1:
        raise ValueError(f"select_pack got versions of different packs: {', '.join(sorted(ids))}")
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    in_force = [p for p in packs if p.effective_from <= moment]
    if not in_force:
        return None
    latest = max(p.effective_from for p in in_force)
    same_day = [p for p in in_force if p.effective_from == latest]
    if len(same_day) > 1:
        versions = ", ".join(sorted(p.version for p in same_day))
        raise ValueError(f"pack {same_day[0].id}: versions {versions} take effect at the same time")
    return same_day[0]
