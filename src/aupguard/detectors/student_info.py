"""student_info: a text names a student on the roster, or gives their number, phone, address or birth date.

Everything here is *exact* matching against the directory (no guessing that a capitalized word is
a name): the roster index (`student_roster`) is built once per Directory. Settings
(`detectors.student_info`):

- `min_id_length` (5): a student number shorter than this fires only next to "id"/"student"/"#".
- `numeric_ids_need_context` (true): an all-digit student number fires only next to an id label
  or with the student named in the same text. Measured: against a 100k roster with 6-digit
  numbers, 77 of 100 signals on 1,025 real (Enron) messages were stray numbers equal to some id.
- `max_candidates` (3): a first name or birth date shared by more students than this (without
  the full name to pin it down) is too ambiguous to attribute and is not reported.
- `common_words` ([]): extra names that are also everyday words (see data/common_words.txt).
- `building_aliases` ({}): building id -> other names used for it, e.g. {"lhs": ["LHS"]}; an
  all-capitals alias counts only when written in capitals.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.item_text import item_text
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.detectors.per_directory import per_directory
from aupguard.detectors.pii_finders import (
    BIRTH_CONTEXT,
    find_addresses,
    find_dates,
    find_phones,
    keyword_near,
    may_show_house_number,
    mentions,
    mentions_number,
    national_key,
)
from aupguard.detectors.roster_names import FoldedText, fold_phrase
from aupguard.detectors.student_roster import ContextHit, RosterOptions, StudentRoster, roster_for
from aupguard.directory.index import Directory
from aupguard.model import Item, PersonKind, Signal

_ID_CONTEXT = re.compile(r"(?:\b(?:id|student|stu)\b|#)\s*(?:no\.?|number|num)?\s*[:#]?\s*$", re.I)


@per_directory
def family_number_keys(directory: Directory) -> frozenset[str]:
    """National keys of students' and guardians' phones."""
    keys = set()
    for a in directory.accounts.values():
        holder = directory.person(a.person_id) if a.kind == "phone" else None
        if holder is not None and holder.kind in (PersonKind.STUDENT, PersonKind.GUARDIAN):
            keys.add(national_key(a.address))
    return frozenset(keys)


class StudentInfoDetector(Detector):
    name: ClassVar[str] = "student_info"
    version: ClassVar[str] = "1.0"
    kinds: ClassVar[tuple[str, ...]] = SIGNAL_KINDS["student_info"]  # the one list, shared with the pack checker
    description: ClassVar[str] = (
        "Names, student numbers, phones, home addresses and birth dates of students on the roster."
    )
    text_only: ClassVar[bool] = False  # needs the directory

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        text = item_text(item)
        if not text.strip():
            return []
        settings = ctx.settings_for(self.name)
        roster = roster_for(ctx.directory, RosterOptions.from_settings(settings))
        if not roster.students:
            return []
        max_candidates = int(settings.get("max_candidates", 3))
        ft = FoldedText.of(text)
        signals = self._names(roster, ft)
        signals += self._first_names(roster, ft, {s.data["person_id"] for s in signals}, max_candidates)
        named = {s.data["person_id"] for s in signals}
        min_id = int(settings.get("min_id_length", 5))
        numeric_needs_context = bool(settings.get("numeric_ids_need_context", True))
        signals += self._ids(roster, ft, named, min_id, numeric_needs_context)
        signals += self._phones(ctx, text)
        signals += self._addresses(roster, ft)
        signals += self._birth_dates(roster, text, named, max_candidates)
        return signals

    # ------------------------------------------------------------------ names

    def _names(self, roster: StudentRoster, ft: FoldedText) -> list[Signal]:
        out = []
        for hit in roster.names.find(ft):
            student = roster.students[hit.person_id]
            shown = ft.text[hit.start : hit.end]
            order = "last name, first name" if hit.last_first else "first name last name"
            why = (
                f"'{shown}' matches roster student {student.display_name} ({student.id}): "
                f"{hit.variant} '{hit.form}' + family name, written {order}; exact match after folding "
                "case, accents and punctuation."
            )
            if hit.variant == "nickname":
                why += f" '{hit.form}' is a nickname of {student.given_name} (nicknames package)."
            out.append(self.signal("student.name", hit.start, hit.end, shown, hit.score, why, person_id=student.id))
        return out

    def _first_names(self, roster: StudentRoster, ft: FoldedText, named: set[str], max_candidates: int) -> list[Signal]:
        contexts = roster.contexts_in(ft)
        if not contexts:
            return []
        lone = _LoneFirstNames(roster, ft, named, contexts)
        out = []
        for i in range(len(ft.tokens)):
            for j in (i + 1, i + 2):  # "Emma", "Mary Ann"
                form = " ".join(ft.tokens[i:j])
                # A form no student has goes no further (and costs no offsets in could_be).
                if form not in roster.first_names or not lone.could_be(i, j):
                    continue
                reasons = [
                    (pid, hit)
                    for pid in roster.first_names.get(form, ())
                    if pid not in named and (hit := _shared_context(roster, pid, contexts)) is not None
                ]
                if not reasons or len(reasons) > max_candidates:
                    continue
                start, end = ft.starts[i], ft.ends[j - 1]
                for pid, hit in reasons:
                    student, place = roster.students[pid], hit.context
                    shown = ft.text[ft.starts[hit.first_token] : ft.ends[hit.end_token - 1]]
                    why = (
                        f"'{ft.text[start:end]}' is the first name of student {student.display_name} ({pid}), "
                        f"and the text also names their {place.kind} '{place.name}' (as '{shown}'). "
                        "First name alone: lower confidence."
                    )
                    score = 0.55 if place.kind == "group" else 0.45
                    out.append(
                        self.signal(
                            "student.first_name_context",
                            start,
                            end,
                            ft.text[start:end],
                            score,
                            why,
                            person_id=pid,
                            context_kind=place.kind,
                            context_id=place.id,
                        )
                    )
        return out

    # ------------------------------------------------------------------ other facts

    def _ids(
        self, roster: StudentRoster, ft: FoldedText, named: set[str], min_length: int, numeric_needs_context: bool
    ) -> list[Signal]:
        out: list[Signal] = []
        # A number starts with the first token of some student number: one set intersection (in
        # C) clears most mail, and only tokens that can start one are looked at.
        firsts = roster.id_first_tokens & ft.words_looked_for
        if not firsts:
            return out
        n = len(ft.tokens)
        ids = roster.identifiers
        width = roster.max_id_tokens
        spans = [
            (i, j) for i, token in enumerate(ft.tokens) if token in firsts for j in range(i + 1, min(n, i + width) + 1)
        ]
        for i, j in spans:
            pids = ids.get(" ".join(ft.tokens[i:j]))
            if not pids:
                continue
            start, end = ft.starts[i], ft.ends[j - 1]
            shown = ft.text[start:end]
            labelled = bool(_ID_CONTEXT.search(ft.text[max(0, start - 20) : start]))
            for pid in pids:
                student = roster.students[pid]
                identifier = (student.identifier or "").strip()
                if shown.casefold() != identifier.casefold():
                    continue  # "S100234" written as "S 100234" is not the same token
                if not labelled and (
                    len(identifier) < min_length
                    or (numeric_needs_context and identifier.isdigit() and pid not in named)
                ):
                    continue
                why = f"'{shown}' is the student number of {student.display_name} ({pid}) on the roster"
                if labelled:
                    why += ", written next to an id label."
                elif pid in named:
                    why += ", and the student is named in the same text."
                else:
                    why += " (a whole token)."
                score = 0.9 if labelled else 0.8
                out.append(self.signal("student.id", start, end, shown, score, why, person_id=pid))
        return out

    def _phones(self, ctx: DetectContext, text: str) -> list[Signal]:
        out: list[Signal] = []
        # Only numbers on record for a student or guardian can fire: skip libphonenumber otherwise.
        if not mentions_number(text, family_number_keys(ctx.directory)):
            return out
        for phone in find_phones(text):
            account = ctx.directory.account(phone.e164)
            holder = ctx.directory.person(account.person_id) if account else None
            if holder is None:
                continue
            data: dict[str, Any]
            if holder.kind == PersonKind.STUDENT:
                data = {"person_id": holder.id}
                whose = f"student {holder.display_name} ({holder.id})"
            elif holder.kind == PersonKind.GUARDIAN:
                students = holder.guardian_of
                data = {
                    "person_id": students[0] if students else holder.id,
                    "guardian_id": holder.id,
                    "student_ids": list(students),
                }
                kids = [f"{p.display_name} ({p.id})" for sid in students if (p := ctx.directory.person(sid))]
                whose = f"{holder.display_name} ({holder.id}), guardian of {', '.join(kids) or 'a student'}"
            else:
                continue
            why = f"libphonenumber read '{phone.raw}' as {phone.e164}, the phone on record for {whose}."
            out.append(self.signal("student.phone", phone.start, phone.end, phone.raw, 0.9, why, **data))
        return out

    def _addresses(self, roster: StudentRoster, ft: FoldedText) -> list[Signal]:
        out: list[Signal] = []
        text = ft.text
        # Only a student's home can fire, and an address found starts with its house number:
        # mail showing no student's house number skips the address finder.
        if not may_show_house_number(text, roster.house_number_words, ft.words_looked_for):
            return out
        for addr in find_addresses(text):
            for pid in roster.students_at(addr.key):
                student = roster.students[pid]
                why = (
                    f"usaddress read '{addr.raw}' as number {addr.number} on {addr.street_name}, the home "
                    f"address on record for student {student.display_name} ({pid})."
                )
                out.append(self.signal("student.address", addr.start, addr.end, addr.raw, 0.85, why, person_id=pid))
        return out

    def _birth_dates(self, roster: StudentRoster, text: str, named: set[str], max_candidates: int) -> list[Signal]:
        out: list[Signal] = []
        # A birth date fires only for a student named in the text or next to a birth label.
        if not named and not mentions(text, BIRTH_CONTEXT):
            return out
        for d in find_dates(text):
            pids = roster.birth_dates.get(d.value, [])
            if not pids:
                continue
            both = [pid for pid in pids if pid in named]
            keyword = keyword_near(text, d.start, d.end, BIRTH_CONTEXT)
            if both:
                chosen, score, why_tail = both, 0.85, "who is also named in this text."
            elif keyword and len(pids) <= max_candidates:
                chosen, score, why_tail = pids, 0.6, f"written next to '{keyword}'."
            else:
                continue
            for pid in chosen:
                student = roster.students[pid]
                why = (
                    f"'{d.raw}' ({d.value.isoformat()}) is the birth date on record for student "
                    f"{student.display_name} ({pid}), {why_tail}"
                )
                out.append(self.signal("student.birth_date", d.start, d.end, d.raw, score, why, person_id=pid))
        return out


# Words before a surname: "Coach Bennett" is a person called Bennett by surname, not a first name.
_HONORIFICS = frozenset(["mr", "mrs", "ms", "miss", "mx", "dr", "coach", "principal", "supt", "superintendent", "prof"])


class _LoneFirstNames:
    """Which tokens of a text may be a student's first name standing alone."""

    def __init__(self, roster: StudentRoster, ft: FoldedText, named: set[str], contexts: list[ContextHit]) -> None:
        self.roster, self.ft = roster, ft
        self.inside_context = {k for c in contexts for k in range(c.first_token, c.end_token)}
        # A first name alone must look like a name: capitalized, unless the writer uses no
        # capitals at all ("tell jose practice moved").
        self.any_case = ft.text == ft.text.lower()
        # "Ella" after "Ella Stewart" is that Ella, not another Ella of the same building.
        self.taken = {
            fold_phrase(n)
            for pid in named
            for n in (roster.students[pid].given_name, roster.students[pid].preferred_name or "")
        }

    def could_be(self, i: int, j: int) -> bool:
        ft, roster = self.ft, self.roster
        if j > len(ft.tokens) or self.inside_context.intersection(range(i, j)):
            return False
        form = " ".join(ft.tokens[i:j])
        if len(form) < 3 or form in roster.common_words or form in self.taken:
            return False
        if not (self.any_case or ft.capitalized(i)):
            return False
        if i > 0 and ft.tokens[i - 1] in _HONORIFICS:
            return False
        # Part of an adult's full name on record ("Tracy Bennett" is staff; "Bennett" is not a student).
        before = " ".join(ft.tokens[max(0, i - 1) : j])
        after = " ".join(ft.tokens[i : j + 1])
        return before not in roster.adult_names and after not in roster.adult_names


def _shared_context(roster: StudentRoster, pid: str, contexts: list[ContextHit]) -> ContextHit | None:
    """The named group (preferred: more specific) or building the student belongs to, if any."""
    student = roster.students[pid]
    in_building = None
    for hit in contexts:
        place = hit.context
        if place.kind == "group" and pid in roster.group_students.get(place.id, ()):
            return hit
        if place.kind == "building" and place.id in student.building_ids and in_building is None:
            in_building = hit
    return in_building
