"""The student-side index of the directory that `student_info` scans against, built once per Directory.

Building it walks every student once (seconds for 100k students); a scan then reuses it for every
item. The Directory reaches worker processes by pickling, so each worker builds its own copy on
first use: the cache is keyed by the identity of the Directory object and dropped with it.
"""

from __future__ import annotations

import copy
import re
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aupguard.detectors.pii_finders import parse_address_key
from aupguard.detectors.roster_names import (
    FoldedText,
    PhraseIndex,
    RosterNames,
    fold,
    fold_phrase,
    load_word_list,
    look_for,
)
from aupguard.directory.index import Directory
from aupguard.model import Building, Group, Person, PersonKind

_HOUSE_NUMBER = re.compile(r"\s*(\d+[A-Za-z]?)\b")
# Words that say what kind of place or group a name is, not which one: dropping them gives the
# short form people write ("Lincoln Elementary School" -> "Lincoln", "Varsity Football" -> "Football").
# Acronyms ("LHS") are not derived: measured on real mail, "AES" and "RMS" named synthetic buildings
# dozens of times. A district lists its own in the `building_aliases` setting.
_GENERIC_BUILDING_WORDS = frozenset(
    [
        "school",
        "schools",
        "elementary",
        "elem",
        "middle",
        "high",
        "junior",
        "senior",
        "jr",
        "sr",
        "community",
        "academy",
        "center",
        "intermediate",
        "primary",
        "district",
        "csd",
        "campus",
        "building",
        "the",
        "of",
    ]
)
_GENERIC_GROUP_WORDS = frozenset(
    ["varsity", "jv", "team", "club", "squad", "girls", "boys", "the", "of", "and", "s", "period", "section"]
)


@dataclass(frozen=True, slots=True)
class RosterOptions:
    """The settings that shape the index (part of the cache key)."""

    extra_common_words: frozenset[str] = frozenset()
    # building id -> extra names people use for it ("LHS"); an all-capitals alias must be written
    # in capitals to count.
    building_aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> RosterOptions:
        # A scan passes the same settings for every item: reuse the options read last time
        # while the settings are the same object with the same content.
        if not settings:
            return cls()  # no settings: the defaults (DetectContext hands out a new {} each time)
        last = _last_options[0]
        if last is not None and last[0] is settings and last[1] == settings:
            return last[2]
        common = frozenset(fold_phrase(str(w)) for w in settings.get("common_words") or ())
        aliases = settings.get("building_aliases") or {}
        options = cls(common, tuple(sorted((str(b), tuple(map(str, a))) for b, a in aliases.items())))
        _last_options[0] = (settings, copy.deepcopy(settings), options)
        return options


_last_options: list[tuple[dict[str, Any], dict[str, Any], RosterOptions] | None] = [None]


@dataclass(frozen=True, slots=True)
class ContextName:
    kind: str  # "building" | "group"
    id: str
    name: str  # as on record


@dataclass(frozen=True, slots=True)
class ContextHit:
    context: ContextName
    first_token: int
    end_token: int  # exclusive


@dataclass
class StudentRoster:
    students: dict[str, Person]
    names: RosterNames
    common_words: frozenset[str]
    first_names: dict[str, list[str]] = field(default_factory=dict)  # folded given/preferred -> ids
    adult_names: frozenset[str] = frozenset()  # folded "first last" of everyone not a student
    identifiers: dict[str, list[str]] = field(default_factory=dict)  # folded student number -> ids
    max_id_tokens: int = 1  # "2024-0012" folds to two tokens
    # First token of every student number: a text none of whose tokens is one names no number,
    # which one set intersection (in C) tells for most mail.
    id_first_tokens: frozenset[str] = frozenset()
    # House number -> ids. Parsing 100k home addresses with usaddress takes ~10 s, so a stored
    # address is parsed only when a text shows an address with its house number (then memoized).
    house_numbers: dict[str, list[str]] = field(default_factory=dict)
    house_number_words: frozenset[str] = frozenset()  # its keys, as `look_for` makes them
    _address_keys: dict[str, str | None] = field(default_factory=dict)
    birth_dates: dict[date, list[str]] = field(default_factory=dict)
    group_students: dict[str, frozenset[str]] = field(default_factory=dict)  # group id -> student ids
    _contexts: PhraseIndex[tuple[tuple[ContextName, bool], ...]] | None = None

    @classmethod
    def build(cls, directory: Directory, options: RosterOptions = RosterOptions()) -> StudentRoster:
        common = load_word_list("common_words.txt") | options.extra_common_words
        students = {p.id: p for p in directory.students() if p.active}
        roster = cls(students, RosterNames(students.values(), common), common)
        for p in students.values():
            for first in {fold_phrase(p.given_name), fold_phrase(p.preferred_name or "")} - {""}:
                roster.first_names.setdefault(first, []).append(p.id)
            id_key = " ".join(fold(p.identifier or ""))  # unique per student: not worth caching
            if id_key:
                roster.identifiers.setdefault(id_key, []).append(p.id)
                roster.max_id_tokens = max(roster.max_id_tokens, id_key.count(" ") + 1)
            number = _HOUSE_NUMBER.match(p.home_address or "")
            if number:
                roster.house_numbers.setdefault(number.group(1).lower(), []).append(p.id)
            if p.birth_date:
                roster.birth_dates.setdefault(p.birth_date, []).append(p.id)
        roster.id_first_tokens = look_for(key.split(" ", 1)[0] for key in roster.identifiers)
        roster.house_number_words = look_for(roster.house_numbers)
        roster.adult_names = frozenset(
            fold_phrase(f"{first} {p.family_name}")
            for p in directory.people.values()
            if p.kind != PersonKind.STUDENT
            for first in {p.given_name, p.preferred_name or p.given_name}
        )
        roster.group_students = {g.id: frozenset(g.with_role("student")) for g in directory.groups.values()}
        roster._contexts = _context_index(
            directory.buildings.values(), directory.groups.values(), common, dict(options.building_aliases)
        )
        return roster

    def students_at(self, address_key: str) -> list[str]:
        """Students whose home address has this `address_key` (house number + street name)."""
        number = address_key.split(" ", 1)[0]
        out = []
        for pid in self.house_numbers.get(number, ()):
            if pid not in self._address_keys:
                self._address_keys[pid] = parse_address_key(self.students[pid].home_address or "")
            if self._address_keys[pid] == address_key:
                out.append(pid)
        return out

    def contexts_in(self, ft: FoldedText) -> list[ContextHit]:
        """Buildings and groups the text names, by full name or short form."""
        if self._contexts is None:
            return []
        out: list[ContextHit] = []
        for first, end, contexts in self._contexts.find(ft):
            for context, capitals in contexts:
                # An alias written in capitals ("LHS") counts only in capitals: "les" is a word.
                if not capitals or ft.text[ft.starts[first] : ft.ends[end - 1]].isupper():
                    out.append(ContextHit(context, first, end))
        return out


def _building_forms(b: Building, common: frozenset[str]) -> set[str]:
    full = fold_phrase(b.name)
    tokens = full.split()
    forms = {full}
    if tokens and tokens[-1] in ("school", "schools"):
        forms.add(" ".join(tokens[:-1]))
    distinctive = " ".join(t for t in tokens if t not in _GENERIC_BUILDING_WORDS)
    if distinctive and distinctive not in common and len(distinctive) >= 4:
        forms.add(distinctive)
    return {f for f in forms if f}


def _group_forms(g: Group, common: frozenset[str]) -> set[str]:
    full = fold_phrase(g.name)
    forms = {full}
    distinctive = " ".join(t for t in full.split() if t not in _GENERIC_GROUP_WORDS)
    if distinctive and distinctive not in common and len(distinctive) >= 4:
        forms.add(distinctive)
    return {f for f in forms if f}


def _context_index(
    buildings: Iterable[Building],
    groups: Iterable[Group],
    common: frozenset[str],
    aliases: dict[str, tuple[str, ...]],
) -> PhraseIndex[tuple[tuple[ContextName, bool], ...]] | None:
    # folded form -> [(context, must be written in capitals)]
    by_form: dict[str, list[tuple[ContextName, bool]]] = {}
    for b in buildings:
        name = ContextName("building", b.id, b.name)
        for form in _building_forms(b, common):
            by_form.setdefault(form, []).append((name, False))
        for alias in aliases.get(b.id, ()):
            if fold_phrase(alias):
                by_form.setdefault(fold_phrase(alias), []).append((name, alias.isupper()))
    for g in groups:
        for form in _group_forms(g, common):
            by_form.setdefault(form, []).append((ContextName("group", g.id, g.name), False))
    if not by_form:
        return None
    return PhraseIndex({form: tuple(contexts) for form, contexts in by_form.items()})


# --------------------------------------------------------------------------- cache

_lock = threading.Lock()
_cache: dict[tuple[int, RosterOptions], StudentRoster] = {}


def roster_for(directory: Directory, options: RosterOptions = RosterOptions()) -> StudentRoster:
    """The roster index of `directory`, built on first use and kept while the Directory lives."""
    key = (id(directory), options)
    with _lock:
        roster = _cache.get(key)
    if roster is None:
        roster = StudentRoster.build(directory, options)
        with _lock:
            if key not in _cache:
                # id() values are reused after an object dies: drop the entry with its Directory.
                weakref.finalize(directory, _cache.pop, key, None)
            _cache[key] = roster
    return roster
