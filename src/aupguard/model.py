"""The domain types of aupguard (see docs/architecture.md). No I/O here.

Everything that crosses a process boundary during a scan (items, signals, the directory
index) is a plain dataclass so it pickles cheaply to the worker processes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    EMAIL = "email"
    TEXT = "text"
    POST = "post"
    # A connection/follow record from a social platform export (who connected with whom).
    CONNECTION = "connection"
    # An operational record a posture check judged (an account export row, sign-in events, one
    # person's proxy-log day, a backup report): its raw bytes are the source lines themselves.
    LOG = "log"


class PersonKind(StrEnum):
    STAFF = "staff"
    STUDENT = "student"
    GUARDIAN = "guardian"
    VOLUNTEER = "volunteer"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return SEVERITY_ORDER.index(self)


SEVERITY_ORDER = [Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]


class FindingStatus(StrEnum):
    OPEN = "open"
    COVERED = "covered"
    DISMISSED = "dismissed"
    CONFIRMED = "confirmed"


# --------------------------------------------------------------------------- items


@dataclass(slots=True)
class Attachment:
    filename: str | None
    content_type: str
    size: int
    sha256: str
    # Names of members when the attachment is an archive (zip, tar, 7z ...), so detectors can
    # see an installer hidden inside without unpacking again.
    members: list[str] = field(default_factory=list)
    # First bytes of the payload (magic numbers): enough to tell an executable from a PDF.
    head: bytes = b""


@dataclass(slots=True)
class Item:
    """One normalized observation (a message of any channel), with its original bytes."""

    id: str  # sha256 hex of `raw`: re-reading the same bytes gives the same item
    channel: Channel
    source: str  # file path the item was read from
    position: str  # where in that file: "" for a single file, "message 12", "line 5", "key cur/123"
    raw: bytes
    sent_at: datetime | None = None  # timezone-aware, UTC
    sender: str | None = None  # normalized address: lowercase email, E.164 phone, or "platform:handle"
    sender_name: str | None = None
    recipients: list[str] = field(default_factory=list)  # normalized like `sender`
    subject: str | None = None
    body: str = ""
    # Email headers that detectors need (lowercased names -> values in order).
    headers: dict[str, list[str]] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    platform: str | None = None  # posts/connections: "facebook", "instagram", "x", ...
    # Channel-specific facts: post visibility, connection target, "site_created": True ...
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The text detectors scan: subject and body joined; spans index into this string."""
        if self.subject:
            return f"{self.subject}\n{self.body}"
        return self.body


def content_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass(slots=True)
class ReadError:
    """An input record that could not become an item; it is stored, never dropped."""

    source: str
    position: str
    reason: str


# --------------------------------------------------------------------------- signals


@dataclass(slots=True)
class Signal:
    detector: str
    kind: str
    start: int  # offsets into Item.text ([start, end)); -1/-1 when the signal is about metadata
    end: int
    text: str
    score: float
    explanation: str
    # Machine-readable facts for the engine, e.g. {"person_id": ..., "missing": [...]}.
    data: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- directory


@dataclass(slots=True)
class Building:
    id: str
    name: str
    principal_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Person:
    id: str  # stable id: the OneRoster sourcedId, or the id given in the people CSV
    kind: PersonKind
    given_name: str
    family_name: str
    preferred_name: str | None = None
    middle_name: str | None = None
    # Roles beyond the kind: "principal", "superintendent", "designee", "technology_director",
    # "technology_integrationist", "records_custodian", "coach", "sponsor", "teacher", "board_president".
    roles: list[str] = field(default_factory=list)
    title: str | None = None
    building_ids: list[str] = field(default_factory=list)
    identifier: str | None = None  # student number / employee number
    birth_date: date | None = None
    grade: str | None = None
    home_address: str | None = None
    guardian_of: list[str] = field(default_factory=list)  # student ids, for guardians
    active: bool = True

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.given_name
        return f"{first} {self.family_name}".strip()


@dataclass(slots=True)
class Account:
    """An address a person is reached at: an email, a phone number or a platform handle."""

    address: str  # normalized: lowercase email, E.164 phone, "platform:handle"
    kind: str  # "email" | "phone" | "handle"
    person_id: str
    district: bool  # issued by the district (True) or personal (False)
    platform: str | None = None


@dataclass(slots=True)
class Group:
    id: str
    name: str
    kind: str  # "team" | "club" | "class"
    building_id: str | None = None
    # person id -> role in the group: "student", "coach", "sponsor", "teacher", "guardian"
    members: dict[str, str] = field(default_factory=dict)

    def with_role(self, *roles: str) -> list[str]:
        return [pid for pid, role in self.members.items() if role in roles]


# --------------------------------------------------------------------------- findings


@dataclass(slots=True)
class Finding:
    item_id: str
    rule_id: str
    clause_id: str
    severity: Severity
    status: FindingStatus
    person_id: str | None  # whom the finding is about (usually the sender)
    reviewer: str | None  # person id of the routed reviewer, or a role name if nobody holds it
    evidence: list[Signal]
    pack_version: str
    permission_id: int | None = None
    id: int | None = None


@dataclass(slots=True)
class Permission:
    """A consent granted through aupguard (policy 401.13 / 401.13R1 names who grants which)."""

    kind: str
    grantee_id: str
    approver_id: str
    valid_from: datetime
    valid_until: datetime | None = None
    # Scope narrows what is covered; an empty scope covers every item of the kind for the
    # grantee. Keys: "students" (person ids), "phones", "sites", "software", "devices", "groups",
    # "mailboxes".
    scope: dict[str, list[str]] = field(default_factory=dict)
    emergency: bool = False
    reason: str = ""
    revoked_at: datetime | None = None
    id: int | None = None

    def in_force(self, at: datetime) -> bool:
        if at < self.valid_from:
            return False
        if self.valid_until is not None and at >= self.valid_until:
            return False
        return not (self.revoked_at is not None and at >= self.revoked_at)
