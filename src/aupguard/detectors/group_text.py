"""group_text: a coach's or sponsor's texts to students must go to the whole list, principal included.

Policy 401.13R1: coaches and sponsors "may create a text list of students and parents in order to
communicate more effectively as long as the texts go to all students and the principal is included
in the text address list". For a message from a group's coach/sponsor to students of that group:

- group_text.one_to_one: the only recipient is one student (replaces `incomplete` then);
- group_text.incomplete: some active students of the group are not recipients;
- group_text.principal_missing: no principal of the group's building (or, when the group has no
  building, of the sender's buildings) is a recipient.

Guardians in the group are welcome but optional. When the recipients span several groups the
sender leads, the message is judged against the group with the most recipients. E-mail is judged
too when the group's kind is in the setting `email_group_kinds` (default: teams).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.directory.index import Directory
from aupguard.model import Channel, Group, Item, Person, Signal

LEADER_ROLES = ("coach", "sponsor")
NAMES_SHOWN = 10


@dataclass(frozen=True, slots=True)
class _Judged:
    group: Group
    in_group: set[str]  # recipient person ids that are members of the group
    students: set[str]  # recipient person ids that are students of the group


def name_list(directory: Directory, ids: Sequence[str]) -> str:
    """'Ann Lee, Bo Kim and 3 more': display names, at most NAMES_SHOWN of them."""
    names = [p.display_name if (p := directory.person(i)) else i for i in ids]
    shown = ", ".join(names[:NAMES_SHOWN])
    return f"{shown} and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else shown


class GroupTextDetector(Detector):
    name: ClassVar[str] = "group_text"
    version: ClassVar[str] = "1.0"
    kinds: ClassVar[tuple[str, ...]] = SIGNAL_KINDS["group_text"]  # the one list, shared with the pack checker
    description: ClassVar[str] = (
        "Coach/sponsor texts that leave out students of the group or the principal, or go to one student."
    )

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        if item.channel not in (Channel.TEXT, Channel.EMAIL):
            return []
        d = ctx.directory
        sender = d.person_at(item.sender)
        if sender is None:
            return []
        email_kinds = ctx.settings_for(self.name).get("email_group_kinds", ["team"])
        led = [
            g
            for g in d.groups_of(sender.id)
            if g.members.get(sender.id) in LEADER_ROLES and (item.channel == Channel.TEXT or g.kind in email_kinds)
        ]
        if not led:
            return []  # leads no group (nearly every sender): no recipient can change that
        recipients = list(dict.fromkeys(a for a in item.recipients if a != item.sender))
        people = {p.id for a in recipients if (p := d.person_at(a)) is not None and p.id != sender.id}
        judged = _pick_group(led, people)
        if judged is None:
            return []
        return self._judge(item, d, sender, judged, recipients, people)

    def _judge(
        self, item: Item, d: Directory, sender: Person, j: _Judged, recipients: list[str], people: set[str]
    ) -> list[Signal]:
        g = j.group
        role = g.members[sender.id]
        who = f"{role.capitalize()} {sender.display_name} ({sender.id})"
        active = [pid for pid in g.with_role("student") if (p := d.person(pid)) is not None and p.active]
        missing = [pid for pid in active if pid not in people]
        text = ", ".join(recipients)
        out: list[Signal] = []
        if len(recipients) == 1 and len(j.students) == 1:
            (only,) = j.students
            why = (
                f"{who} sent a message to one student only, {name_list(d, [only])}, of {g.kind} "
                f"'{g.name}'; texts to students must go to the whole list ({len(active)} students)."
            )
            out.append(self.signal("group_text.one_to_one", -1, -1, text, 0.9, why, group_id=g.id, missing=missing))
        elif missing:
            why = (
                f"{who} wrote to {len(j.students)} of the {len(active)} students of {g.kind} '{g.name}'; "
                f"missing: {name_list(d, missing)}."
            )
            out.append(self.signal("group_text.incomplete", -1, -1, text, 0.8, why, group_id=g.id, missing=missing))
        principals = _principals(d, g, sender)
        if principals and sender.id not in principals and not people.intersection(principals):
            why = (
                f"{who} wrote to students of {g.kind} '{g.name}' without a principal on the list; "
                f"expected one of: {name_list(d, principals)}."
            )
            out.append(
                self.signal("group_text.principal_missing", -1, -1, text, 0.8, why, group_id=g.id, missing=principals)
            )
        return out


def _pick_group(led: list[Group], people: set[str]) -> _Judged | None:
    """The led group with the most recipients among its members (then most students, then id)."""
    best: _Judged | None = None
    for g in sorted(led, key=lambda g: g.id):
        in_group = {pid for pid in people if pid in g.members}
        students = {pid for pid in in_group if g.members[pid] == "student"}
        if not students:
            continue
        if best is None or (len(in_group), len(students)) > (len(best.in_group), len(best.students)):
            best = _Judged(g, in_group, students)
    return best


def _principals(d: Directory, g: Group, sender: Person) -> list[str]:
    building = d.buildings.get(g.building_id) if g.building_id else None
    if building is not None and building.principal_ids:
        return list(building.principal_ids)
    return [p.id for p in d.principals_for(sender)]
