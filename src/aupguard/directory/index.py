"""The read-only directory index handed to detectors and the engine during a scan.

Built once per scan from the store, then pickled to the worker processes: keep it plain data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from aupguard.directory.addresses import email_domain
from aupguard.model import Account, Building, Group, Person, PersonKind

_REMEMBERED_ADDRESSES = 100_000  # answers `is_district_address` keeps (a few MB at most)


@dataclass
class Directory:
    district_domains: set[str] = field(default_factory=set)
    people: dict[str, Person] = field(default_factory=dict)
    buildings: dict[str, Building] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)  # normalized address -> account
    _groups_by_person: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _holders: dict[frozenset[str], list[Person]] = field(default_factory=dict, repr=False, compare=False)
    _district: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)  # is_district_address

    @classmethod
    def build(
        cls,
        people: Iterable[Person],
        buildings: Iterable[Building] = (),
        groups: Iterable[Group] = (),
        accounts: Iterable[Account] = (),
        district_domains: Iterable[str] = (),
    ) -> Directory:
        d = cls(district_domains={x.lower() for x in district_domains})
        d.people = {p.id: p for p in people}
        d.buildings = {b.id: b for b in buildings}
        d.groups = {g.id: g for g in groups}
        d.accounts = {a.address: a for a in accounts}
        for g in d.groups.values():
            for pid in g.members:
                d._groups_by_person.setdefault(pid, []).append(g.id)
        return d

    # ------------------------------------------------------------------ lookups

    def person(self, person_id: str | None) -> Person | None:
        return self.people.get(person_id) if person_id else None

    def account(self, address: str | None) -> Account | None:
        return self.accounts.get(address) if address else None

    def person_at(self, address: str | None) -> Person | None:
        acct = self.account(address)
        return self.people.get(acct.person_id) if acct else None

    def is_district_address(self, address: str) -> bool:
        """True for a district-issued account or any address in a district mail domain.
        Remembered per address: the scan asks of every recipient of every message, and the
        same colleagues and lists come back message after message."""
        known = self._district.get(address)
        if known is None:
            if len(self._district) >= _REMEMBERED_ADDRESSES:
                self._district.clear()
            acct = self.accounts.get(address)
            if acct is not None:
                known = acct.district
            else:
                domain = email_domain(address)
                known = domain is not None and domain in self.district_domains
            self._district[address] = known
        return known

    def active_holders(self, roles: Iterable[str]) -> list[Person]:
        """Active people holding any of `roles`, in id order. Remembered per set of roles: every
        finding's routing asks, and a scan's directory does not change once built."""
        key = frozenset(roles)
        found = self._holders.get(key)
        if found is None:
            found = self._holders[key] = sorted(
                (p for p in self.people.values() if p.active and not key.isdisjoint(p.roles)), key=lambda p: p.id
            )
        return found

    def students(self) -> Iterable[Person]:
        return (p for p in self.people.values() if p.kind == PersonKind.STUDENT)

    def groups_of(self, person_id: str) -> list[Group]:
        return [self.groups[g] for g in self._groups_by_person.get(person_id, [])]

    def principals_for(self, person: Person) -> list[Person]:
        """The principals of the person's buildings (excluding the person themself)."""
        out: list[Person] = []
        for bid in person.building_ids:
            b = self.buildings.get(bid)
            if not b:
                continue
            for pid in b.principal_ids:
                p = self.people.get(pid)
                if p and p.id != person.id and p not in out:
                    out.append(p)
        return out

    def with_role(self, role: str) -> list[Person]:
        return [p for p in self.people.values() if role in p.roles and p.active]
