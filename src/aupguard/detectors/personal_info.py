"""personal_info: personal phone numbers, home addresses, personal e-mail addresses, SSNs and birth dates.

Policy 401.13R1 forbids "revealing the personal address, telephone number or other personal
information of oneself or another person without permission". District contact details are not
personal: phones that are district accounts in the directory, the sender's own district numbers
and the district's own street addresses (setting `district_addresses`) never fire.

Numbers and addresses nobody in the directory holds fire only with a personal label next to them
("my cell", "home", "lives at", "moved to"): office lines, vendor signatures and event venues are
how business mail is written, and flagging them would bury reviewers. The sender's own numbers
never fire.

Phones are recognised by libphonenumber (`phonenumbers`), addresses by `usaddress`; regexes only
find candidate spans. Settings (`detectors.personal_info`): `region` ("US"), `district_addresses`
([]), `district_phones` ([]), `personal_email_domains` ([] added to data/personal_email_domains.txt).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any, ClassVar

from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.item_text import item_text
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.detectors.per_directory import per_directory
from aupguard.detectors.pii_finders import (
    BIRTH_CONTEXT,
    find_addresses_where,
    find_dates,
    find_phones_in,
    fold,
    house_number_stem,
    keyword_near,
    may_mention,
    may_show_house_number,
    mentions,
    mentions_number,
    national_key,
    parse_address_key,
    phone_regions,
)
from aupguard.detectors.roster_names import look_for
from aupguard.directory.addresses import normalize_email, normalize_phone
from aupguard.directory.index import Directory
from aupguard.model import Item, Signal

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b")


def _is_local_char(char: str) -> bool:
    """A character of `_EMAIL`'s local part, [\\w.+-] (\\w: isalnum() or "_", as the re module has it)."""
    return char.isalnum() or char in "_.+-"


def email_matches(text: str) -> list[re.Match[str]]:
    """`list(_EMAIL.finditer(text))`, tried only at the "@"s of the text.

    Speed: the pattern starts with a character class, so finditer tries every position of a long
    mail (~40 ns a character). Exact: a match holds exactly one "@", and starts where the run of
    local-part characters before it starts (the lookbehind forbids any later start, and nothing
    before that run can reach the "@"); finditer then goes on from the match's end, so an "@"
    whose run starts before the last match's end gives nothing either."""
    found: list[re.Match[str]] = []
    last_end = 0
    at = text.find("@")
    while at >= 0:
        start = at
        while start > 0 and _is_local_char(text[start - 1]):
            start -= 1
        if start < at and start >= last_end:
            match = _EMAIL.match(text, start)
            if match is not None:
                found.append(match)
                last_end = match.end()
        at = text.find("@", at + 1)
    return found


# SSN candidates: 123-45-6789 / 123 45 6789; nine bare digits only next to an SSN label.
_SSN_SEPARATED = re.compile(r"(?<![\d-])(?P<area>\d{3})(?P<sep>[- ])(?P<group>\d{2})(?P=sep)(?P<serial>\d{4})(?![\d-])")
_SSN_BARE = re.compile(r"(?<!\d)(?P<area>\d{3})(?P<group>\d{2})(?P<serial>\d{4})(?!\d)")
_SSN_CONTEXT = re.compile(r"\b(?:ssn|ss#|ss no|social security(?: number| no| #)?|soc\.? sec\.?)", re.I)
# A number nobody in the directory holds counts as personal only when the text says so: office
# lines, fax numbers and help desks in signatures are how business mail is written, not a leak.
_PERSONAL_PHONE_CONTEXT = re.compile(
    r"\b(?:cell(?:\s*phone)?|mobile|home(?:\s*phone)?|personal(?:\s*(?:cell|phone|number))?|"
    r"my\s+(?:cell|number)|text\s+me|private\s+(?:line|number))\b",
    re.I,
)


# A street address counts as personal when the text says it is someone's home, or when it is the
# home address of a person in the directory; otherwise it is a business or event address.
_LABEL_REACH = 25  # characters either side of a number searched for its label
_NOT_DIGIT = re.compile(r"\D+")

_HOME_REACH = 30  # characters either side of an address searched for a home word
_HOME_CONTEXT = re.compile(
    r"\b(?:lives?|living|live[sd]?|home|house|residence|moved|address is|(?:my|his|her|their) address)\b",
    re.I,
)
# Cheap tests that let most mail skip the costly finders (same results: see each use).
_SSN_SHAPE = re.compile(r"\d\d\d[- ]\d\d[- ]\d\d\d\d")
# The same shape as one fixed string, in an ASCII text read through a byte table (digits "0",
# "-" and " " both "-", everything else "x"): one substring search instead of a regex that
# tries every digit (\d is [0-9] on ASCII text, so the two agree exactly).
_SSN_SHAPE_BYTES = bytes(48 if 48 <= c <= 57 else 45 if c in b"- " else 120 for c in range(256))
_SSN_SHAPE_STRING = b"000-00-0000"


def has_ssn_shape(text: str) -> bool:
    """`_SSN_SHAPE.search(text) is not None`."""
    if text.isascii():
        return _SSN_SHAPE_STRING in text.encode("ascii").translate(_SSN_SHAPE_BYTES)
    return _SSN_SHAPE.search(text) is not None


@per_directory
def personal_number_keys(directory: Directory) -> frozenset[str]:
    """National keys of every personal (non-district) phone in the directory."""
    return frozenset(
        national_key(a.address) for a in directory.accounts.values() if a.kind == "phone" and not a.district
    )


_NANP_E164 = re.compile(r"\+1\d{10}")


@per_directory
def personal_numbers_all_nanp(directory: Directory) -> bool:
    """Is every personal phone of the directory a North American one (+1 and ten digits)? Then
    each is written in text with its ten national digits in a row, whatever the punctuation."""
    return all(
        _NANP_E164.fullmatch(a.address) is not None
        for a in directory.accounts.values()
        if a.kind == "phone" and not a.district
    )


@per_directory
def home_address_keys(directory: Directory) -> frozenset[str]:
    """Address keys of everyone's home address."""
    keys = {parse_address_key(p.home_address) for p in directory.people.values() if p.home_address}
    return frozenset(k for k in keys if k)


@per_directory
def home_house_numbers(directory: Directory) -> frozenset[str]:
    """House numbers of everyone's home address (see `house_number_stem`)."""
    return look_for(house_number_stem(k) for k in home_address_keys(directory))


def _personal_email_domains() -> frozenset[str]:
    data = resources.files("aupguard.detectors").joinpath("data", "personal_email_domains.txt")
    lines = data.read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip().lower() for x in lines if x.strip() and not x.startswith("#"))


_DEFAULT_PERSONAL_DOMAINS = _personal_email_domains()


def _strings(settings: dict[str, Any], key: str) -> tuple[str, ...]:
    value = settings.get(key) or []
    return tuple(str(v) for v in ([value] if isinstance(value, str) else value))


# The pack's settings as the detector uses them, worked out once per distinct value rather than
# for every item: a district's own numbers go through libphonenumber and its addresses through
# usaddress (tens of microseconds each), which used to run for every message.


@lru_cache(maxsize=16)
def _district_numbers(phones: tuple[str, ...], region: str) -> frozenset[str | None]:
    return frozenset(normalize_phone(p, region) for p in phones)


@lru_cache(maxsize=16)
def _district_address_keys(addresses: tuple[str, ...]) -> frozenset[str]:
    return frozenset(key for key in map(parse_address_key, addresses) if key is not None)


@lru_cache(maxsize=16)
def _personal_domains(extra: tuple[str, ...]) -> tuple[frozenset[str], re.Pattern[str]]:
    """The consumer mail domains (the shipped list and the pack's `personal_email_domains`), and
    an "@" followed by any of them. The regex parser factors out the shared "@", so the search
    jumps from "@" to "@" instead of testing every domain against the whole text."""
    domains = _DEFAULT_PERSONAL_DOMAINS | {d.strip().lower() for d in extra}
    return domains, re.compile("@(?:" + "|".join(re.escape(d) for d in sorted(domains)) + ")")


def ssn_is_valid(area: str, group: str, serial: str) -> bool:
    """SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


class PersonalInfoDetector(Detector):
    name: ClassVar[str] = "personal_info"
    version: ClassVar[str] = "1.0"
    kinds: ClassVar[tuple[str, ...]] = SIGNAL_KINDS["personal_info"]  # the one list, shared with the pack checker
    description: ClassVar[str] = (
        "Personal phone numbers, home addresses, personal e-mail addresses, SSNs and birth dates."
    )
    text_only: ClassVar[bool] = True  # works without a directory (then nothing counts as district)

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        text = item_text(item)
        if not text.strip():
            return []
        settings = ctx.settings_for(self.name)
        region = str(settings.get("region", "US"))
        return (
            self._phones(item, ctx, region, _strings(settings, "district_phones"))
            + self._addresses(text, _strings(settings, "district_addresses"), ctx.directory)
            + self._emails(item, _strings(settings, "personal_email_domains"))
            + self._ssns(text)
            + self._birth_dates(text)
        )

    def _phones(self, item: Item, ctx: DetectContext, region: str, district_phones: tuple[str, ...]) -> list[Signal]:
        text = item_text(item)
        extra = _district_numbers(district_phones, region)
        out = []
        # Only a number in the directory or one next to a personal label can fire; mail with
        # neither skips libphonenumber, the costliest step of this detector.
        known = personal_number_keys(ctx.directory)
        # Asked before the stretches are read (no stretch can fire without one of the two).
        if not mentions(text, _PERSONAL_PHONE_CONTEXT) and not mentions_number(text, known):
            return []
        could_fire = self._could_fire(text, known, ctx.directory)
        stretches = [(lo, hi) for lo, hi in phone_regions(text) if could_fire(lo, hi)]
        if not stretches:
            return []
        sender = ctx.directory.person_at(item.sender)
        for phone in find_phones_in(text, region, stretches):
            account = ctx.directory.account(phone.e164)
            if (account is not None and account.district) or phone.e164 in extra:
                continue  # a district line is not personal information
            if account is not None and sender is not None and account.person_id == sender.id:
                continue  # the sender's own number, given so people can reach them
            label = keyword_near(text, phone.start, phone.end, _PERSONAL_PHONE_CONTEXT, _LABEL_REACH)
            if account is None and not label:
                continue  # an unknown number without a personal label: an office or vendor line
            score = 0.85 if account is not None else 0.65
            why = f"libphonenumber recognised '{phone.raw}' as the valid {region} number {phone.e164}"
            if account is not None:
                holder = ctx.directory.person(account.person_id)
                who = f"{holder.display_name} ({holder.kind})" if holder else account.person_id
                why += f", a personal (non-district) number of {who} in the directory."
            else:
                why += f", labelled '{label}'; it is not a district number in the directory."
            out.append(self.signal("pii.phone", phone.start, phone.end, phone.raw, score, why, e164=phone.e164))
        return out

    @staticmethod
    def _could_fire(text: str, known: frozenset[str], directory: Directory) -> Callable[[int, int], bool]:
        """Which stretches of `text` libphonenumber must read: a number fires only with a personal
        label within 25 characters (which contains one of the label pattern's fixed words) or when
        it is a personal number of the directory (whose ten national digits then appear in a row
        in the stretch). Stretches with neither, most of the numbers in business mail, are skipped;
        non-ASCII stretches (other digit scripts) and non-North-American directory numbers are
        always read."""
        all_nanp = personal_numbers_all_nanp(directory)

        def could_fire(lo: int, hi: int) -> bool:
            stretch = text[lo:hi]
            if not all_nanp or not stretch.isascii():
                return True
            if may_mention(text[max(0, lo - _LABEL_REACH) : hi + _LABEL_REACH], _PERSONAL_PHONE_CONTEXT, cached=False):
                return True
            digits = _NOT_DIGIT.sub("", stretch)
            return any(digits[i : i + 10] in known for i in range(len(digits) - 9))

        return could_fire

    def _addresses(self, text: str, district_addresses: tuple[str, ...], directory: Directory) -> list[Signal]:
        out: list[Signal] = []
        # An address fires only next to a home word or when it is someone's home; mail with
        # neither the words nor a known house number skips the address finder.
        if not may_mention(text, _HOME_CONTEXT) and not may_show_house_number(text, home_house_numbers(directory)):
            return out
        homes = home_address_keys(directory)
        numbers = home_house_numbers(directory)
        district = _district_address_keys(district_addresses)

        def could_fire(start: int, reach: int, number: str) -> bool:
            # Someone's house number, or a home word close enough for keyword_near to see.
            around = text[max(0, start - _HOME_REACH) : reach + _HOME_REACH]
            return number in numbers or may_mention(around, _HOME_CONTEXT, cached=False)

        for addr in find_addresses_where(text, could_fire):
            if addr.key in district:
                continue
            label = keyword_near(text, addr.start, addr.end, _HOME_CONTEXT, _HOME_REACH)
            known_home = addr.key in homes
            if not (label or known_home):
                continue  # an office, vendor or event address: not personal information
            whose = "it is the home address of a person in the directory." if known_home else f"it says '{label}'."
            why = (
                f"usaddress labelled '{addr.raw}' as a street address (house number {addr.number}, "
                f"street {addr.street_name}); {whose}"
            )
            out.append(self.signal("pii.address", addr.start, addr.end, addr.raw, 0.7, why, address_key=addr.key))
        return out

    def _emails(self, item: Item, extra_domains: tuple[str, ...]) -> list[Signal]:
        domains, at_any_domain = _personal_domains(extra_domains)
        # The people on the message already know their own addresses: quoting them reveals nothing.
        out: list[Signal] = []
        # Every address reported contains "@" and its domain, lowercased: most mail names none
        # of the consumer domains and skips the address regex.
        folded = fold(item_text(item))
        if "@" not in folded or at_any_domain.search(folded) is None:
            return out
        own = {normalize_email(a) for a in [item.sender or "", *item.recipients] if a}
        for m in email_matches(item_text(item)):
            address = normalize_email(m.group())
            domain = address.rsplit("@", 1)[1]
            if domain not in domains or address in own:
                continue
            why = f"'{m.group()}' is an address at the consumer mail domain {domain} (a personal account)."
            out.append(self.signal("pii.personal_email", m.start(), m.end(), m.group(), 0.7, why, email=address))
        return out

    def _ssns(self, text: str) -> list[Signal]:
        out: list[Signal] = []
        seen: set[int] = set()
        patterns = []
        if has_ssn_shape(text):  # every separated SSN has this shape
            patterns.append(_SSN_SEPARATED)
        if mentions(text, _SSN_CONTEXT):  # bare nine digits count only next to a label
            patterns.append(_SSN_BARE)
        for pattern in patterns:
            for m in pattern.finditer(text):
                area, group, serial = m.group("area", "group", "serial")
                if m.start() in seen or not ssn_is_valid(area, group, serial):
                    continue
                label = keyword_near(text, m.start(), m.end(), _SSN_CONTEXT, 30)
                if pattern is _SSN_BARE and not label:
                    continue  # nine bare digits are too often an order or account number
                seen.add(m.start())
                why = f"'{m.group()}' has the form of a US Social Security number (valid area/group/serial)"
                why += f", next to '{label}'." if label else "."
                score = 0.9 if label else 0.55
                out.append(self.signal("pii.ssn", m.start(), m.end(), m.group(), score, why))
        return out

    def _birth_dates(self, text: str) -> list[Signal]:
        out: list[Signal] = []
        if not mentions(text, BIRTH_CONTEXT):  # a date fires only next to a birth label
            return out
        for d in find_dates(text):
            label = keyword_near(text, d.start, d.end, BIRTH_CONTEXT, 30)
            if not label:
                continue
            why = f"'{d.raw}' is a date ({d.value.isoformat()}) written next to '{label}'."
            out.append(self.signal("pii.birth_date", d.start, d.end, d.raw, 0.7, why, date=d.value.isoformat()))
        return out
