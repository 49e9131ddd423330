"""Roster-aware redaction: what to propose, and burning confirmed redactions into text.

Proposed automatically, code STU-PII: names, ids, addresses, phone numbers, email addresses and
birth dates of students on the roster and of their guardians. A given or family name alone is
proposed only when the person's full name appears in the same item (so a common first name in an
unrelated message is not blacked out). Employees are never proposed by default: a term that is
also an employee's name is left out. A person confirms or rejects each proposal.

Redaction replaces the text before anything is rendered, so the released document never
contains it (not an overlay over text still in the file).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from aupguard.directory.index import Directory
from aupguard.model import Person, PersonKind

FIELDS = ("sender", "sender_name", "recipients", "subject", "body")


@dataclass(frozen=True)
class Proposal:
    text: str  # as found in the item
    kind: str  # "student name", "guardian phone", ...: what it is, without saying it
    person_id: str
    code: str = "STU-PII"


def _flex(term: str) -> str:
    """A term as a pattern: any run of whitespace between its words (mail wraps lines)."""
    return r"\s+".join(re.escape(w) for w in term.split())


def _key(term: str) -> str:
    return " ".join(term.split()).casefold()


def _names(p: Person) -> list[str]:
    firsts = {p.given_name, p.preferred_name or p.given_name}
    full = {f"{f} {p.family_name}" for f in firsts if f}
    if p.middle_name:
        full.add(f"{p.given_name} {p.middle_name} {p.family_name}")
    return sorted(n for n in full if n.strip())


def _birth_dates(d: date) -> list[str]:
    return [
        d.isoformat(),
        f"{d.month}/{d.day}/{d.year}",
        f"{d:%m/%d/%Y}",
        f"{d.month}/{d.day}/{d:%y}",
        f"{d:%B} {d.day}, {d.year}",
        f"{d:%b} {d.day}, {d.year}",
        f"{d.day} {d:%B} {d.year}",
    ]


def _phone_pattern(e164: str) -> str | None:
    digits = re.sub(r"\D", "", e164)
    if e164.startswith("+1") and len(digits) == 11:
        a, b, c = digits[1:4], digits[4:7], digits[7:]
        return rf"(?:\+?1[\s.-]?)?\(?{a}\)?[\s.-]?{b}[\s.-]?{c}"
    return re.escape(e164) if digits else None


class RosterRedactor:
    """Built once per request from the directory; `propose` is then a few regex scans per item."""

    def __init__(self, directory: Directory) -> None:
        staff_terms = set()
        for p in directory.people.values():
            if p.kind == PersonKind.STAFF:
                staff_terms |= {_key(t) for t in (p.given_name, p.family_name, p.preferred_name, *_names(p)) if t}
        students = {p.id for p in directory.students()}
        covered: dict[str, str] = {pid: "student" for pid in students}
        for p in directory.people.values():
            if p.kind == PersonKind.GUARDIAN and set(p.guardian_of) & students:
                covered[p.id] = "guardian"
        self.full: dict[str, tuple[str, str]] = {}  # casefolded term -> (kind, person id)
        self.partial: dict[str, list[tuple[str, str]]] = {}
        self.other: dict[str, tuple[str, str]] = {}
        phones: list[tuple[str, str, str]] = []
        for pid, role in covered.items():
            p = directory.people[pid]
            for name in _names(p):
                if _key(name) not in staff_terms:
                    self.full[_key(name)] = (f"{role} name", pid)
            for part in {p.given_name, p.preferred_name, p.family_name}:
                if part and len(part) > 1 and _key(part) not in staff_terms:
                    self.partial.setdefault(_key(part), []).append((f"{role} name", pid))
            if p.identifier:
                self.other[_key(p.identifier)] = (f"{role} id", pid)
            if p.home_address:
                self.other[_key(p.home_address)] = (f"{role} address", pid)
                street = p.home_address.split(",")[0]
                self.other.setdefault(_key(street), (f"{role} address", pid))
            if p.birth_date:
                for form in _birth_dates(p.birth_date):
                    self.other[_key(form)] = (f"{role} birth date", pid)
        for acct in directory.accounts.values():
            holder = covered.get(acct.person_id)
            if holder is None:
                continue
            role = holder
            if acct.kind == "phone":
                pattern = _phone_pattern(acct.address)
                if pattern:
                    phones.append((pattern, f"{role} phone", acct.person_id))
            elif acct.kind == "email":
                self.other[_key(acct.address)] = (f"{role} email", acct.person_id)
            else:
                self.other[_key(acct.address.split(":", 1)[-1])] = (f"{role} account", acct.person_id)
        self._full_re = self._compile(self.full)
        self._partial_re = self._compile(self.partial)
        self._other_re = self._compile(self.other)
        self._phones = [(re.compile(rf"(?<!\d){p}(?!\d)"), kind, pid) for p, kind, pid in phones]

    @staticmethod
    def _compile(terms: Mapping[str, Any]) -> re.Pattern[str] | None:
        if not terms:
            return None
        alternation = "|".join(_flex(t) for t in sorted(terms, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)

    def propose(self, text: str) -> list[Proposal]:
        found: dict[tuple[str, str], Proposal] = {}

        def add(match: str, kind: str, pid: str) -> None:
            found.setdefault((_key(match), pid), Proposal(match, kind, pid))

        named: set[str] = set()
        for m in self._full_re.finditer(text) if self._full_re else ():
            kind, pid = self.full[_key(m.group(0))]
            named.add(pid)
            add(m.group(0), kind, pid)
        for m in self._partial_re.finditer(text) if self._partial_re else ():
            for kind, pid in self.partial[_key(m.group(0))]:
                if pid in named:
                    add(m.group(0), kind, pid)
        for m in self._other_re.finditer(text) if self._other_re else ():
            kind, pid = self.other[_key(m.group(0))]
            add(m.group(0), kind, pid)
        for pattern, kind, pid in self._phones:
            for m in pattern.finditer(text):
                add(m.group(0), kind, pid)
        return list(found.values())


def item_text(row: Mapping[Any, Any]) -> str:
    """Every field of an item that goes into a released document, as one text to search."""
    return "\n".join(field_text(row, f) for f in FIELDS)


def field_text(row: Mapping[Any, Any], field: str) -> str:
    value = row.get(field)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def burn(text: str, redactions: Iterable[tuple[str, str]]) -> tuple[str, list[tuple[str, int]]]:
    """Replace every occurrence (case-insensitive, any whitespace between words) of each redacted
    text by "[REDACTED CODE]"; returns the new text and (code, occurrences) per redaction, in the
    order given. Longer texts go first, so a full name goes before the given name inside it."""
    wanted = list(redactions)
    counts = [0] * len(wanted)
    for i in sorted(range(len(wanted)), key=lambda k: len(wanted[k][0]), reverse=True):
        secret, code = wanted[i]
        text, counts[i] = re.compile(_flex(secret), re.IGNORECASE).subn(f"[REDACTED {code}]", text)
    return text, [(code, n) for (_, code), n in zip(wanted, counts, strict=True)]
