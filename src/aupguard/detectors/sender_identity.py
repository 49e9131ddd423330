"""Sender identity: anonymous senders, disposable mailboxes and forged mail (401.13R1).

Three questions about who sent an item:

* identity.anonymous - is there an identifiable sender at all? (no From, a From without an
  address, an "undisclosed"/"anonymous" placeholder, an anonymous-remailer domain; for texts and
  posts a missing or placeholder sender.)
* identity.disposable_domain - is the sender's mailbox a throw-away one? (the
  `disposable-email-domains` package's blocklist, shipped inside the package, no download.)
* identity.forged - does the From domain disagree with what the district's own mail server
  authenticated? We read the server's verdicts (Authentication-Results, parsed with `authres`;
  Received-SPF) instead of re-verifying signatures: the server saw the connecting IP and the
  DNS at delivery time, an archive scan years later cannot. A display name that claims a
  district staff member on an outside address is the other forging pattern we look for.

Settings (`settings.detectors.sender_identity`):
  authserv_ids: list of authserv-ids of the district's own mail servers; when given, only
      Authentication-Results headers carrying one of them are trusted (anyone can add such a
      header before the mail reaches us). When absent the topmost header is used, which is
      the one the receiving (district) server added.
  display_name_spoof: bool, default true.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import authres
from disposable_email_domains import blocklist as _DISPOSABLE_BLOCKLIST
from dkim.util import InvalidTagValueList, parse_tag_value
from unidecode import unidecode

from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.data import read_list
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.directory.addresses import email_domain, normalize_email
from aupguard.directory.index import Directory
from aupguard.model import Channel, Item, PersonKind, Signal

REMAILER_DOMAINS = frozenset(read_list("anonymous_remailers.txt"))
DISPOSABLE_DOMAINS = frozenset(_DISPOSABLE_BLOCKLIST)  # frozen: `_disposable_entry` remembers answers
ANONYMOUS_NAMES = frozenset(read_list("anonymous_sender_names.txt"))
AUTHORITY_TITLES = frozenset(read_list("display_name_titles.txt"))
MULTI_LABEL_SUFFIXES = tuple(tuple(s.split(".")) for s in read_list("public_suffixes_multilabel.txt"))

_HEADER_NAME = re.compile(r"^\s*[A-Za-z-]+\s*:\s*")
_NON_LETTERS = re.compile(r"[^a-z]+")


# --------------------------------------------------------------------------- domains


def _suffix_matches(labels: list[str], pattern: tuple[str, ...]) -> bool:
    if len(labels) < len(pattern):
        return False
    tail = labels[-len(pattern) :]
    return all(p in ("*", label) for p, label in zip(pattern, tail, strict=True))


# Suffix patterns by their last label: most domains end in a label (.com, .org) that no
# multi-label suffix ends in, so they skip the pattern loop entirely.
_SUFFIXES_BY_LAST: dict[str, list[tuple[str, ...]]] = {}
for _pattern in MULTI_LABEL_SUFFIXES:
    _SUFFIXES_BY_LAST.setdefault(_pattern[-1], []).append(_pattern)


@lru_cache(maxsize=8192)  # a pure function of a short string; senders' domains repeat
def organizational_domain(domain: str) -> str:
    """The registrable domain DMARC aligns on: public suffix plus one label.

    Uses the short multi-label suffix list shipped as data (longest match wins) and falls back
    to the last two labels; deliberately no Public Suffix List fetch (the tool runs offline).
    """
    labels = domain.lower().strip(".").split(".")
    suffix_len = 1
    for pattern in _SUFFIXES_BY_LAST.get(labels[-1], ()):
        if len(pattern) > suffix_len and _suffix_matches(labels, pattern):
            suffix_len = len(pattern)
    return ".".join(labels[-(suffix_len + 1) :])


def _in_domain_list(domain: str, listed: frozenset[str] | set[str]) -> str | None:
    """The listed entry that `domain` equals or is a subdomain of, if any."""
    labels = domain.split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in listed:
            return candidate
    return None


@lru_cache(maxsize=8192)  # pure functions of a short string over frozen lists; senders' domains repeat
def _remailer_entry(domain: str) -> str | None:
    return _in_domain_list(domain, REMAILER_DOMAINS)


@lru_cache(maxsize=8192)
def _disposable_entry(domain: str) -> str | None:
    return _in_domain_list(domain, DISPOSABLE_DOMAINS)


def _placeholder(value: str) -> bool:
    return _NON_LETTERS.sub("", value.lower()) in ANONYMOUS_NAMES


# --------------------------------------------------------------------------- auth results


@dataclass(frozen=True)
class AuthVerdicts:
    """The results one trusted Authentication-Results header recorded, reduced to what we judge."""

    header: str
    authserv_id: str
    dmarc: list[str]  # results, e.g. ["fail"]
    dkim_pass_domains: list[str]
    spf: list[tuple[str, str | None]]  # (result, smtp.mailfrom domain or None)


def _prop(result: Any, ptype: str, name: str) -> str | None:
    for p in result.properties:
        if p.type == ptype and p.name == name and p.value:
            return str(p.value)
    return None


def _parse_auth_results(value: str) -> AuthVerdicts | None:
    value = _HEADER_NAME.sub("", value, count=1) if value.lower().startswith("authentication") else value
    try:
        parsed = authres.AuthenticationResultsHeader.parse_value(" ".join(value.split()))
    except Exception:  # noqa: BLE001 - third-party parser on hostile input; unparsable = no verdict
        return None
    dmarc, dkim_pass, spf = [], [], []
    for r in parsed.results:
        method, result = str(r.method).lower(), str(r.result).lower()
        if method == "dmarc":
            dmarc.append(result)
        elif method == "dkim" and result == "pass":
            d = _prop(r, "header", "d") or email_domain(_prop(r, "header", "i") or "")
            dkim_pass.append((d or "").lower())
        elif method == "spf":
            mailfrom = _prop(r, "smtp", "mailfrom") or _prop(r, "smtp", "helo")
            spf.append((result, (email_domain(mailfrom) or mailfrom).lower() if mailfrom else None))
    return AuthVerdicts(value.strip(), str(parsed.authserv_id), dmarc, dkim_pass, spf)


def _trusted_verdicts(item: Item, authserv_ids: set[str] | None) -> AuthVerdicts | None:
    for value in item.headers.get("authentication-results", []):
        verdicts = _parse_auth_results(value)
        if verdicts is None:
            continue
        if authserv_ids is None:
            return verdicts  # topmost parsable header: added by the receiving server
        if verdicts.authserv_id.lower() in authserv_ids:
            return verdicts
    return None


def _signature_domains(item: Item) -> list[str]:
    """d= of each DKIM-Signature, for Authentication-Results that omit header.d."""
    out = []
    for value in item.headers.get("dkim-signature", []):
        try:
            tags = parse_tag_value(" ".join(value.split()).encode("utf-8", "replace"))
        except InvalidTagValueList:
            continue
        if b"d" in tags:
            out.append(tags[b"d"].decode("ascii", "replace").lower())
    return out


# --------------------------------------------------------------------------- display names


def _name_tokens(value: str) -> list[str]:
    return [t for t in _NON_LETTERS.split(unidecode(value).lower()) if t]


@dataclass
class _StaffNames:
    """(first, last) name pairs of staff who have a district mailbox -> their person ids."""

    directory: Directory
    by_pair: dict[tuple[str, str], set[str]]

    @classmethod
    def build(cls, directory: Directory) -> _StaffNames:
        with_mailbox = {a.person_id for a in directory.accounts.values() if a.district and a.kind == "email"}
        by_pair: dict[tuple[str, str], set[str]] = {}
        for pid in with_mailbox:
            person = directory.person(pid)
            if person is None or person.kind != PersonKind.STAFF:
                continue
            family = _name_tokens(person.family_name)
            for first in {person.given_name, person.preferred_name or person.given_name}:
                given = _name_tokens(first)
                if given and family:
                    by_pair.setdefault((given[-1], family[0]), set()).add(pid)
        return cls(directory, by_pair)

    def claimed(self, display_name: str) -> set[str]:
        tokens = _name_tokens(display_name)
        found: set[str] = set()
        for a, b in zip(tokens, tokens[1:], strict=False):
            found |= self.by_pair.get((a, b), set())  # "Jane Doe"
            found |= self.by_pair.get((b, a), set())  # "Doe, Jane"
        return found


# --------------------------------------------------------------------------- detector


class SenderIdentityDetector(Detector):
    name = "sender_identity"
    version = "1.0"
    kinds = SIGNAL_KINDS["sender_identity"]  # the one list, shared with the pack checker
    description = (
        "Anonymous senders, disposable mailboxes, and mail whose From is not what the district's "
        "mail server authenticated (Authentication-Results, Received-SPF) or that borrows a staff "
        "member's name on an outside address."
    )

    def __init__(self) -> None:
        self._names: _StaffNames | None = None

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        settings = ctx.settings_for(self.name)
        if item.channel == Channel.EMAIL:
            return self._email(item, ctx, settings)
        if item.channel in (Channel.TEXT, Channel.POST):
            return self._other(item)
        return []

    # ------------------------------------------------------------------ texts and posts

    def _other(self, item: Item) -> list[Signal]:
        sender = (item.sender or "").strip()
        if not sender:
            return [self._anon("sender: (none)", f"the {item.channel} item has no sender", 0.9)]
        handle = sender.split(":", 1)[1] if item.channel == Channel.POST and ":" in sender else sender
        if _placeholder(handle) or handle.lower().startswith("anonymous"):
            return [self._anon(f"sender: {sender}", f"the sender {sender!r} is an anonymous placeholder", 0.8)]
        return []

    # ------------------------------------------------------------------ email

    def _email(self, item: Item, ctx: DetectContext, settings: dict[str, Any]) -> list[Signal]:
        from_values = item.headers.get("from", [])
        address = item.sender if item.sender and "@" in item.sender else None
        display = item.sender_name
        # The reader already parsed From into sender/sender_name; re-parse only what it lacks. A
        # From without "<" or "(" is a bare address: it has no display name to find.
        lacks_name = not display and any("<" in v or "(" in v for v in from_values)
        if from_values and (address is None or lacks_name):
            parsed = email.utils.getaddresses(from_values)
            address = address or next((normalize_email(a) for _, a in parsed if "@" in a), None)
            display = display or next((n for n, _ in parsed if n), "")

        if not address:
            shown = from_values[0].strip() if from_values else ""
            why = f"the From header {shown!r} has no address" if shown else "the message has no From header"
            return [self._anon(f"from: {shown or '(none)'}", why, 0.9)]

        signals: list[Signal] = []
        local, _, domain = address.rpartition("@")
        district = ctx.directory.is_district_address(address)
        remailer = _remailer_entry(domain)
        if remailer:
            signals.append(
                self._anon(f"from: {address}", f"{domain} is an anonymous remailer (listed: {remailer})", 0.9)
            )
        elif not district and (_placeholder(local) or (display and _placeholder(display))):
            what = f"local part {local!r}" if _placeholder(local) else f"display name {display!r}"
            signals.append(self._anon(f"from: {address}", f"the sender's {what} hides who sent it", 0.7))

        signals += self._disposable(item, address)
        signals += self._forged_by_auth(item, address, settings)
        if settings.get("display_name_spoof", True) and display and not district:
            signals += self._display_name_spoof(ctx.directory, address, display)
        return signals

    def _anon(self, text: str, why: str, score: float) -> Signal:
        return self.signal("identity.anonymous", -1, -1, text, score, f"No identifiable sender: {why}.")

    def _disposable(self, item: Item, address: str) -> list[Signal]:
        out = []
        reply_to_values = item.headers.get("reply-to", [])
        reply_to = [a for _, a in email.utils.getaddresses(reply_to_values) if "@" in a] if reply_to_values else []
        for header, addr in [("from", address)] + [("reply-to", normalize_email(a)) for a in reply_to]:
            domain = email_domain(addr) or ""
            listed = _disposable_entry(domain)
            if listed:
                out.append(
                    self.signal(
                        "identity.disposable_domain", -1, -1, f"{header}: {addr}", 0.9,
                        f"The {header} address uses {domain}, a disposable-mailbox domain "
                        f"(disposable-email-domains blocklist entry {listed!r}).",
                        header=header, domain=domain,
                    )
                )  # fmt: skip
        return out

    def _forged_by_auth(self, item: Item, address: str, settings: dict[str, Any]) -> list[Signal]:
        from_domain = email_domain(address) or ""
        org = organizational_domain(from_domain)
        ids = settings.get("authserv_ids")
        trusted_ids = {str(x).lower() for x in ids} if ids else None
        out: list[Signal] = []

        # Speed: every failure `_auth_failure` reports is a "fail" or "softfail" result written in
        # the header, so a message whose Authentication-Results never say "fail" (most: they
        # say pass or none) has none, whichever header is trusted; authres parses (~0.5 ms a
        # header) only the others.
        values = item.headers.get("authentication-results", [])
        may_fail = any("fail" in value.lower() for value in values)
        verdicts = _trusted_verdicts(item, trusted_ids) if may_fail else None
        if verdicts is not None:
            reason = self._auth_failure(verdicts, org, _signature_domains(item))
            if reason:
                out.append(
                    self.signal(
                        "identity.forged", -1, -1, f"authentication-results: {verdicts.header}", 0.9,
                        f"From {address} is not what {verdicts.authserv_id} authenticated: {reason} "
                        f"(Authentication-Results: {verdicts.header}).",
                        from_domain=from_domain, authserv_id=verdicts.authserv_id,
                    )
                )  # fmt: skip

        received_spf = item.headers.get("received-spf", [])
        if received_spf and not out:
            top = " ".join(received_spf[0].split())
            if top.lower().split(" ", 1)[0].rstrip(";") == "fail":
                out.append(
                    self.signal(
                        "identity.forged", -1, -1, f"received-spf: {top}", 0.8,
                        f"The receiving server recorded SPF fail for this message (Received-SPF: {top}).",
                        from_domain=from_domain,
                    )
                )  # fmt: skip
        return out

    @staticmethod
    def _auth_failure(v: AuthVerdicts, org: str, signature_domains: list[str]) -> str | None:
        """Why the verdicts show the From domain was not authenticated, or None."""
        if "fail" in v.dmarc:
            return f"dmarc=fail for {org}"
        if "pass" in v.dmarc:
            return None  # DMARC pass already means an aligned SPF or DKIM pass
        # A dkim=pass without header.d: take d= from the DKIM-Signature when there is only one.
        only_signature = signature_domains[0] if len(signature_domains) == 1 else ""
        dkim_domains = [d or only_signature for d in v.dkim_pass_domains]
        aligned_dkim = any(d and organizational_domain(d) == org for d in dkim_domains)
        if aligned_dkim:
            return None
        for result, mailfrom in v.spf:
            # An SPF result about another domain (e.g. a mailing list's bounce address) says
            # nothing about the From domain; without smtp.mailfrom we assume it is the From's.
            about_from = mailfrom is None or organizational_domain(mailfrom) == org
            if not about_from:
                continue
            if result == "fail":
                return f"spf=fail for {mailfrom or org} and no DKIM pass for {org}"
            if result == "softfail" and any(dkim_domains):
                others = ", ".join(sorted({d for d in dkim_domains if d}))
                return f"spf=softfail for {mailfrom or org}; DKIM passed only for unrelated {others}"
        return None

    def _display_name_spoof(self, directory: Directory, address: str, display: str) -> list[Signal]:
        if self._names is None or self._names.directory is not directory:
            self._names = _StaffNames.build(directory)
        if directory.account(address) is not None:
            # The person's own recorded personal address, or another known person (e.g. a
            # parent) who happens to share the name: not an impersonation.
            return []
        out = []
        for pid in sorted(self._names.claimed(display)):
            person = directory.people[pid]
            tokens = f" {' '.join(_name_tokens(display))} "
            titled = any(f" {title} " in tokens for title in AUTHORITY_TITLES)
            out.append(
                self.signal(
                    "identity.forged", -1, -1, f"from: {display} <{address}>", 0.85 if titled else 0.6,
                    f"The display name {display!r} names {person.display_name}, who has a district "
                    f"mailbox, but the address {address} is outside the district and not recorded "
                    f"as theirs.",
                    person_id=pid,
                )
            )  # fmt: skip
        return out
