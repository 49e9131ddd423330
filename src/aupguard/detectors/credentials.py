"""Credentials shared in messages: passwords and one-time sign-in codes (401.13R1: "Use of
another's account or password"; 401.13R1 account responsibility).

A password written into a message lets someone else sign in as its owner; a forwarded one-time
code (the six digits of a text or authenticator) does the same for two-factor sign-in. Both
are found by a cue followed by a value:

* `credentials.password`: "my password is Tigers2023!", "password: Tigers2023!", "login jsmith /
  pw Tigers2023", "the password for the gradebook is ...". The value must look like a secret
  (a digit, a symbol or mixed case, or quoted) and not be an ordinary word ("your password is
  expiring", "password: required"), so reminders about passwords do not fire.
* `credentials.one_time_code`: a 4-8 digit code after "code", "OTP", "passcode" or "PIN" in a
  sentence that also says verification / security / sign-in / login / 2FA / one-time. A
  "passcode" alone is a conference-call dial-in, shared on purpose, and is not reported.

The secret itself is never copied into the signal: `text` shows it masked ("T*******3!") and
`data` holds only its length, so the findings database does not become a password list. The
span still points at the cue and value in the message for the reviewer.

A credential delivered to its holder is not shared: the policy's clause is about "use of
another's account or password", and a new-account or reset mail is how the holder gets theirs.
By default nothing is reported for a credential in the sender's own text (not below a forward
divider, see forwarded.py; subject not "Fw:") when

* the sender is an automated system: an `Auto-Submitted` header other than "no", a no-reply /
  mailer-daemon / postmaster address, or the message says it was generated automatically
  ("THIS IS A GENERATED EMAIL - DO NOT REPLY"); this covers one-time codes too; or
* for a password, its paragraph speaks to the holder about their own account being set up or
  reset: "your new password", "the password for your account ... has been reset to",
  "Password: q#9M#npX (Please Change)", "temporary password".

A first-person cue in the paragraph ("my password", "log in as me", "our login") always
reports, and so does a credential a person forwards: below a divider it is passed on, which is
sharing. `delivery_to_holder_is_sharing: true` reports deliveries too.

Quoted reply lines (`>`) are skipped. Settings (`settings.detectors.credentials`):
  allow: phrases inside which nothing is reported (e.g. a documented demo password).
  codes: false turns off one-time-code signals (default true).
  delivery_to_holder_is_sharing: bool, default false (see above).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from aupguard.detectors.allow import allow_pattern
from aupguard.detectors.anchors import LiteralFinder
from aupguard.detectors.base import DetectContext, Detector
from aupguard.detectors.data import read_list
from aupguard.detectors.forwarded import forwarded_start
from aupguard.detectors.item_text import item_text
from aupguard.detectors.kinds import SIGNAL_KINDS
from aupguard.detectors.quoted import quoted_lines
from aupguard.model import Item, Signal

MAX_TEXT = 50_000
PASSWORD_CUES = ("passw", "passphrase", "pwd", "pw")
CODE_CUES = ("code", "otp", "pin", "one-time", "one time", "passcode")
PASSWORD = re.compile(
    r"\b(?P<cue>(?:pass(?:word|wd|phrase)|pwd|pw)(?:\s+(?:for|to|on)\s+(?:the\s+|my\s+|our\s+)?[\w.@-]+){0,1})"
    r"(?:\s*(?:is|was|will be|=|:|-)\s*(?:is\s*)?:?\s*|\s+)"
    r"(?P<quote>[\"'“‘]?)(?P<value>[^\s\"'“”‘’<>]{4,64})(?P=quote)",
    re.IGNORECASE,
)
CODE = re.compile(
    # the cue, up to six words ("for my district sign-in", "it just sent me is"), the digits
    r"\b(?P<cue>(?:one[- ]time\s+)?(?:code|otp|passcode|pin))(?:\s+(?!\d)[\w'.@-]+){0,6}?"
    r"\s*[:=#-]?\s*(?P<value>\d{4,8})\b",
    re.IGNORECASE,
)
CODE_CONTEXT = re.compile(
    r"verif|security|sign[- ]?in|log[- ]?in|2fa|two[- ]factor|one[- ]time|authenticat|otp|duo|authenticator",
    re.IGNORECASE,
)
# Delivery of a credential to its holder (see the docstring): wording around the password...
HOLDER_DELIVERY = re.compile(
    r"\byour\s+(?:new\s+|temporary\s+|temp\s+|initial\s+|default\s+)?(?:password|pwd|account|user\s*id|log-?in)\b"
    r"|\b(?:has|have)\s+been\s+(?:reset|set\s+up|created|changed)\b|\breset\s+to\b"
    r"|\b(?:temporary|initial)\s+password\b|\bplease\s+change\b|\b(?:prompted|required|asked)\s+to\s+change\b",
    re.IGNORECASE,
)
# ...unless the writer speaks of their own account: that is sharing. (Not "their": "users must
# change their password" is set-up wording.)
SHARING = re.compile(
    r"\b(?:my|our)\s+(?:[\w-]+\s+)?(?:password|passcode|pwd|pw|log-?in|account|credentials|code)\b"
    r"|\blog\s*(?:in|on)\s+as\s+me\b|\buse\s+mine\b",
    re.IGNORECASE,
)
AUTOMATED_TEXT = re.compile(
    r"\b(?:automatically\s+|computer[- ]|system[- ])?generated\s+(?:e-?mail|message)\b"
    r"|\bautomated\s+(?:e-?mail|message|notification)\b|\bdo\s+not\s+(?:reply|respond)\s+to\s+this\b",
    re.IGNORECASE,
)
AUTOMATED_SENDER = re.compile(r"(?:no-?reply|do-?not-?reply|mailer-daemon|postmaster)(?:[+._-][^@]*)?@", re.IGNORECASE)
FORWARD_SUBJECT = re.compile(r"^\s*(?:fw|fwd)\s*:", re.IGNORECASE)
WORDS_JOINED = re.compile(r"[A-Za-z]+(?:[/'-][A-Za-z]+)+")  # "and/or", "log-in": words, not a secret
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
WINDOW = 300  # characters of the paragraph read before and after a credential
SENTENCE_BREAK = re.compile(r"[.!?]\s|\n\s*\n")
# Words that follow "password is/:" in talk about passwords, not in passwords.
NOT_SECRETS = frozenset(read_list("credential_non_secrets.txt"))


def looks_secret(value: str, *, after_space: bool = False) -> bool:
    """A value that is a password, not a word about passwords. `after_space`: the value follows
    the cue with nothing but a space ("your password and/or user name"), where words joined by
    a slash, hyphen or apostrophe are prose, not a secret."""
    plain = value.rstrip(".,;:)!?")
    if len(plain) < 4 or plain.lower() in NOT_SECRETS or plain[0] in "([{&=":
        return False
    if after_space and WORDS_JOINED.fullmatch(plain):
        return False
    if plain.startswith(("http", "www.")) or "@" in plain[1:]:
        return False
    has_digit = any(c.isdigit() for c in plain)
    has_symbol = any(not c.isalnum() for c in plain)
    mixed = any(c.isupper() for c in plain[1:]) and any(c.islower() for c in plain)
    return has_digit or has_symbol or mixed


def _cue_starts(lower: str, cues: tuple[str, ...]) -> list[int]:
    """Offsets where a cue word starts (at a word boundary), in order."""
    starts = set()
    for cue in cues:
        i = lower.find(cue)
        while i != -1:
            if i == 0 or not lower[i - 1].isalnum():
                starts.add(i)
            i = lower.find(cue, i + 1)
    return sorted(starts)


# The cue words, read in the automaton pass the detectors share over each item (see
# `_item_cue_starts`).
CUE_FINDER = LiteralFinder(PASSWORD_CUES + CODE_CUES)


def _item_cue_starts(full: str, limit: int) -> tuple[list[int], list[int]]:
    """`_cue_starts` of the ASCII `full[:limit]`.lower() for the password and the code cues.

    Speed: ten substring searches over the whole text (and a walk over every "pin" of
    "shipping") cost ~15 us a message; the shared automaton pass reports the few places a cue
    word occurs. Exact: the pass reads `full` lowercased (`fold` of ASCII text), so it reports
    every occurrence that `str.find` finds, overlapping ones too; those that end within the
    first `limit` characters are the ones of the prefix, and the word-boundary test reads the
    same character (letters and digits are such in either case)."""
    password: set[int] = set()
    code: set[int] = set()
    for start, cue in CUE_FINDER.occurrences(full):
        if start + len(cue) > limit or (start and full[start - 1].isalnum()):
            continue
        (password if cue in PASSWORD_CUES else code).add(start)
    return sorted(password), sorted(code)


def mask(value: str) -> str:
    if len(value) <= 2:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def automated_sender(item: Item, own_text: str) -> str | None:
    """Why `item` reads as sent by an automated system, or None."""
    submitted = " ".join(item.headers.get("auto-submitted", ())).strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    if item.sender and AUTOMATED_SENDER.match(item.sender):
        return f"sender {item.sender}"
    said = AUTOMATED_TEXT.search(own_text)
    return f"the message says {' '.join(said.group().split())!r}" if said else None


def _paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph around [start, end), at most WINDOW characters either side."""
    left = max(0, start - WINDOW)
    left = max((b.end() for b in PARAGRAPH_BREAK.finditer(text, left, start)), default=left)
    right_break = PARAGRAPH_BREAK.search(text, end, end + WINDOW)
    return left, right_break.start() if right_break else min(len(text), end + WINDOW)


class _Mail:
    """What decides whether a credential in one item is delivered to its holder."""

    def __init__(self, item: Item, text: str) -> None:
        self.item, self.text = item, text
        divider = forwarded_start(text)
        self.forwarded_at = len(text) if divider is None else divider
        self.forwarded_subject = bool(item.subject and FORWARD_SUBJECT.match(item.subject))

    @cached_property
    def automated(self) -> str | None:
        """Why the sender is an automated system (read from the sender's own text only)."""
        return automated_sender(self.item, self.text[: self.forwarded_at])

    def passed_on(self, start: int) -> bool:
        """Below a forward divider, or the whole message forwarded ("Fw:"): a person passes it on."""
        return self.forwarded_subject or start >= self.forwarded_at

    def forwarded_note(self, start: int) -> str:
        return " It was forwarded: passed on by the sender." if self.passed_on(start) else ""

    def delivery(self, start: int, end: int, *, password: bool) -> str | None:
        """Why the credential at [start, end) is delivered to its holder, or None (shared):
        an automated sender, or (passwords) holder wording and no first-person cue around it."""
        if self.passed_on(start):
            return None
        if password:
            # The paragraph first: it is short, while `automated` reads the whole text.
            left, right = _paragraph(self.text, start, end)
            said = HOLDER_DELIVERY.search(self.text, left, right)
            if said and not SHARING.search(self.text, left, right):
                return f"the paragraph says {' '.join(said.group().split())!r}"
        # A code reads the same when a person pastes it on: only an automated sender delivers it.
        return self.automated


class CredentialsDetector(Detector):
    name = "credentials"
    version = "1.0"
    kinds = SIGNAL_KINDS["credentials"]  # the one list, shared with the pack checker
    description = (
        "Passwords ('my password is ...') and one-time sign-in codes written into messages; the "
        "secret is masked in the signal."
    )
    text_only = True

    def detect(self, item: Item, ctx: DetectContext) -> list[Signal]:
        full = item_text(item)
        text = full[:MAX_TEXT]
        # Speed: the regexes are tried only where a cue word starts.
        if full.isascii():
            password_at, code_at = _item_cue_starts(full, len(text))
        else:
            lower = text.lower()
            password_at = _cue_starts(lower, PASSWORD_CUES)
            code_at = _cue_starts(lower, CODE_CUES)
        if not password_at and not code_at:
            return []
        settings: dict[str, Any] = ctx.settings_for(self.name)
        allow = allow_pattern(tuple(str(p) for p in settings.get("allow", []) if str(p).strip()), whole_words=False)
        skipped = list(quoted_lines(text))
        if allow is not None:
            skipped += [m.span() for m in allow.finditer(text)]

        def free(start: int, end: int) -> bool:
            return not any(a <= start < b or a < end <= b for a, b in skipped)

        report_deliveries = bool(settings.get("delivery_to_holder_is_sharing", False))
        mail: _Mail | None = None  # built for the first credential found: most items have none
        signals: list[Signal] = []
        for m in filter(None, (PASSWORD.match(text, i) for i in password_at)):
            value = m.group("value").rstrip(".,;:)!?") if not m.group("quote") else m.group("value")
            after_space = not text[m.end("cue") : m.start("value")].strip()
            if not (m.group("quote") or looks_secret(value, after_space=after_space)) or not free(m.start(), m.end()):
                continue
            end = m.start("value") + len(value)
            mail = mail or _Mail(item, text)
            if not report_deliveries and mail.delivery(m.start(), end, password=True):
                continue
            cue = " ".join(m.group("cue").split())
            signals.append(
                self.signal(
                    "credentials.password", m.start(), end, f"{cue} ... {mask(value)}", 0.9,
                    f"A password written into the message: '{cue}' followed by a {len(value)}-character "
                    f"value that looks like a secret ({mask(value)}); whoever reads it can sign in as its owner."
                    + mail.forwarded_note(m.start()),
                    cue=cue, length=len(value),
                )
            )  # fmt: skip
        if settings.get("codes", True):
            seen: set[int] = set()  # "one-time code 123456" matches at "one-time" and at "code"
            for m in filter(None, (CODE.match(text, i) for i in code_at)):
                if m.start("value") in seen or not free(m.start(), m.end()):
                    continue
                seen.add(m.start("value"))
                if not self._code_context(text, m.start(), m.end()):
                    continue
                mail = mail or _Mail(item, text)
                if not report_deliveries and mail.delivery(m.start(), m.end(), password=False):
                    continue
                value = m.group("value")
                signals.append(
                    self.signal(
                        "credentials.one_time_code", m.start(), m.end(), f"{m.group('cue')} {mask(value)}", 0.75,
                        f"A {len(value)}-digit sign-in code ('{m.group('cue')}', {mask(value)}) in a sentence about "
                        "verification or sign-in: a forwarded one-time code lets someone else complete the sign-in."
                        + mail.forwarded_note(m.start()),
                        cue=m.group("cue"), length=len(value),
                    )
                )  # fmt: skip
        return signals

    @staticmethod
    def _code_context(text: str, start: int, end: int) -> bool:
        """Whether the sentence around [start, end) speaks of verification or sign-in."""
        left = max(
            (b.end() for b in SENTENCE_BREAK.finditer(text, max(0, start - 200), start)), default=max(0, start - 200)
        )
        right_break = SENTENCE_BREAK.search(text, end, end + 200)
        right = right_break.start() if right_break else min(len(text), end + 200)
        return bool(CODE_CONTEXT.search(text, left, right))
