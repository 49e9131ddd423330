"""contact_channel: staff on a personal (non-district) account in contact with a student or guardian.

Policy 401.13R1: "Employees should contact students and their parents through the school district
technology or phone unless in the case of an emergency or with prior consent of the principal."
So the detector fires when the *staff side* of a message is a personal account, in either
direction (staff personal -> student, guardian -> staff personal). Every address must resolve in
the directory: an unknown address never fires. Consent and emergencies are for the policy layer
(permission kinds personal_phone_contact / emergency_contact), not for this detector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.directory.index import Directory
from aupguard.model import Account, Channel, Item, Person, PersonKind, Signal

_KIND_BY_COUNTERPART = {
    PersonKind.STUDENT: "contact.personal_account_student",
    PersonKind.GUARDIAN: "contact.personal_account_guardian",
}


@dataclass(frozen=True, slots=True)
class _Party:
    address: str
    account: Account
    person: Person


def _resolve(directory: Directory, address: str | None) -> _Party | None:
    account = directory.account(address)
    person = directory.person(account.person_id) if account else None
    if address is None or account is None or person is None:
        return None
    return _Party(address, account, person)


class ContactChannelDetector(Detector):
    name: ClassVar[str] = "contact_channel"
    version: ClassVar[str] = "1.0"
    kinds: ClassVar[tuple[str, ...]] = SIGNAL_KINDS["contact_channel"]  # the one list, shared with the pack checker
    description: ClassVar[str] = "Staff using a personal e-mail or phone to reach students or guardians."

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        if item.channel not in (Channel.EMAIL, Channel.TEXT):
            return []
        sender = _resolve(ctx.directory, item.sender)
        if sender is None:
            return []
        staff_personal = sender.person.kind == PersonKind.STAFF and not sender.account.district
        if not staff_personal and sender.person.kind not in _KIND_BY_COUNTERPART:
            # Speed: staff on a district account (nearly all staff mail) and other senders pair
            # with no recipient, so the recipients (a list's dozens) are not looked up at all.
            return []
        recipients = [p for p in (_resolve(ctx.directory, a) for a in dict.fromkeys(item.recipients)) if p is not None]
        pairs: list[tuple[_Party, _Party, bool]] = []  # (staff side, counterpart, staff is sender)
        if staff_personal:
            pairs = [(sender, r, True) for r in recipients if r.person.kind in _KIND_BY_COUNTERPART]
        else:
            pairs = [
                (r, sender, False) for r in recipients if r.person.kind == PersonKind.STAFF and not r.account.district
            ]
        out: list[Signal] = []
        seen: set[tuple[str, str]] = set()
        for staff, other, staff_sent in pairs:
            if (staff.person.id, other.person.id) in seen:
                continue
            seen.add((staff.person.id, other.person.id))
            out.append(self._signal(staff, other, staff_sent))
        return out

    def _signal(self, staff: _Party, other: _Party, staff_sent: bool) -> Signal:
        kind = other.person.kind.value
        account_kind = staff.account.kind  # "email" | "phone"
        if staff_sent:
            text = f"{staff.address} -> {other.address}"
            how = f"wrote from the personal {account_kind} {staff.address} to {kind}"
        else:
            text = f"{other.address} -> {staff.address}"
            how = f"was written to at the personal {account_kind} {staff.address} by {kind}"
        why = (
            f"Staff member {staff.person.display_name} ({staff.person.id}) {how} "
            f"{other.person.display_name} ({other.person.id}, {other.address}); the directory lists "
            f"{staff.address} as a personal (not district-issued) account."
        )
        return self.signal(
            _KIND_BY_COUNTERPART[other.person.kind],
            -1,
            -1,
            text,
            0.9,
            why,
            staff_id=staff.person.id,
            counterpart_id=other.person.id,
            counterpart_kind=kind,
        )
