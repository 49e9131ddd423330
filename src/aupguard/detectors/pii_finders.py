"""Finding phone numbers, street addresses and dates in free text.

Shared by the `student_info` and `personal_info` detectors. Regexes here only *find candidate
spans*; deciding what a candidate is belongs to well-kept libraries: `phonenumbers` (Google's
libphonenumber) for phones and `usaddress` (a CRF model of US addresses) for addresses. Dates
are recognised in a handful of fixed written forms and checked by `datetime.date` itself.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import phonenumbers
import usaddress
from unidecode import unidecode

from aupguard.detectors.anchors import LexiconScanner, fold_recent, required_literals
from aupguard.detectors.anchors import fold as _fold
from aupguard.detectors.recent import per_text
from aupguard.detectors.roster_names import ascii_words_looked_for, look_for

# Several detectors look for the same things in the same item: the finders remember their
# answers for the recent texts (detectors/recent.py) so each text is parsed once.

# --------------------------------------------------------------------------- phones


@dataclass(frozen=True, slots=True)
class PhoneSpan:
    start: int
    end: int
    raw: str
    e164: str


# Runs of digits and phone punctuation long enough to hold a phone number. libphonenumber's
# matcher tries every digit run it sees (prices, dates, order numbers), which dominates the cost
# on real mail; it is run only on these windows, and it alone decides what is a phone number.
# Written `[+(]?\d...` it is the same pattern; starting with one character class lets the regex
# engine skip ahead to the next candidate character instead of trying every position (~2x).
_PHONE_WINDOW = re.compile(r"[+(\d](?:(?<=[+(])\d|(?<=\d))[\d \t().\-/]{5,24}\d")
_MIN_PHONE_DIGITS = 7


@per_text()
def find_phones(text: str, region: str = "US") -> tuple[PhoneSpan, ...]:
    """Valid phone numbers in `text`, as libphonenumber's matcher finds them (leniency VALID)."""
    return tuple(find_phones_in(text, region, phone_regions(text)))


def find_phones_in(text: str, region: str, stretches: Iterable[tuple[int, int]]) -> list[PhoneSpan]:
    """`find_phones`, reading only some of the `phone_regions` of `text`: every number found lies
    inside one region, and a region is read the same way whichever others are read, so this
    finds exactly the numbers of `find_phones` that lie in them."""
    return [phone for lo, hi in stretches for phone in _phones_between(text, lo, hi, region)]


@per_text(entries=8)
def _phones_between(text: str, lo: int, hi: int, region: str) -> tuple[PhoneSpan, ...]:
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text[lo:hi], region):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        found.append(PhoneSpan(lo + match.start, lo + match.end, match.raw_string, e164))
    return tuple(found)


def national_key(e164: str) -> str:
    """The last ten digits of a number: how a North American number is written in text."""
    return "".join(c for c in e164 if c.isdigit())[-10:]


def mentions_number(text: str, keys: frozenset[str] | set[str]) -> bool:
    """Does any digit run of `text` contain one of `keys` (ten-digit national numbers)?

    A cheap test run before libphonenumber: detectors that only care about numbers they
    already know (a student's phone, someone's personal line) skip the matcher on mail that
    names none of them. Exact for North American numbers written with any punctuation.
    """
    return bool(keys) and not keys.isdisjoint(ten_digit_runs(text))


_NOT_DIGIT = re.compile(r"\D+")


@per_text()
def ten_digit_runs(text: str) -> frozenset[str]:
    """Every ten consecutive digits of every phone window of `text` (shared by both detectors)."""
    return frozenset(digits[i : i + 10] for _, _, digits in _phone_windows(text) for i in range(len(digits) - 9))


@per_text()
def _phone_windows(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, digits) of the windows of `text` holding enough digits for a phone number."""
    found = []
    if text.isascii():  # same windows, read faster as bytes (see `ascii_twin`)
        raw = text.encode("ascii")
        for lo, hi in _digit_rich_runs(raw):
            for window in ascii_twin(_PHONE_WINDOW).finditer(raw, lo, hi):
                digits = window.group().translate(None, _NOT_DIGIT_BYTES)
                if len(digits) >= _MIN_PHONE_DIGITS:
                    found.append((window.start(), window.end(), digits.decode("ascii")))
        return tuple(found)
    for match in _PHONE_WINDOW.finditer(text):
        run = _NOT_DIGIT.sub("", match.group())
        if len(run) >= _MIN_PHONE_DIGITS:
            found.append((match.start(), match.end(), run))
    return tuple(found)


_NOT_DIGIT_BYTES = bytes(c for c in range(256) if not 48 <= c <= 57)
# The characters a window continues with ([\d \t().\-/]) as a byte table: digits "0", the others
# ".", everything else "x" ("+" too: a window only starts with it).
_WINDOW_CHARS = bytes(48 if 48 <= c <= 57 else 46 if c in b" \t()./-" else 120 for c in range(256))
# A run of those with at least _MIN_PHONE_DIGITS digits, from its first digit to its end. It
# starts with a fixed byte, so the regex engine jumps from digit to digit (a pattern starting
# with a class tests every character, ~10 ns each).
_DIGIT_RICH_RUN = re.compile(rb"0(?:\.*0){%d}[0.]*" % (_MIN_PHONE_DIGITS - 1))


def _digit_rich_runs(raw: bytes) -> list[tuple[int, int]]:
    """The stretches of an ASCII text (as bytes) that can hold a phone window with enough digits.

    Exact: a window is a start character and then characters of [\\d \\t().\\-/], so it lies in one
    run of those, or starts with the "+" just before such a run (a "+" ends a run, so its digit
    begins one). A window with _MIN_PHONE_DIGITS digits needs a run with as many, and the windows
    of a run are found the same way whatever precedes it: the whole-text search arrives at the
    run with every earlier window behind it. So searching these stretches alone finds the same
    windows with enough digits."""
    mapped = raw.translate(_WINDOW_CHARS)
    runs = []
    for run in _DIGIT_RICH_RUN.finditer(mapped):
        start = mapped.rfind(b"x", 0, run.start()) + 1  # back over "(", spaces, ... before it
        if start > 0 and raw[start - 1] == 43:  # "+"
            start -= 1
        runs.append((start, run.end()))
    return runs


@lru_cache(maxsize=16)
def ascii_twin(pattern: re.Pattern[str]) -> re.Pattern[bytes]:
    """`pattern` compiled for bytes, to run on `text.encode("ascii")` of an ASCII text: the same
    matches at the same offsets there (\\d, \\w, \\s and IGNORECASE differ from the str pattern
    only on non-ASCII characters), and Python's re scans bytes faster than str."""
    return re.compile(pattern.pattern.encode("ascii"), pattern.flags & ~re.UNICODE)


@per_text()
def phone_regions(text: str, margin: int = 24) -> tuple[tuple[int, int], ...]:
    """Merged stretches of `text` around digit runs that could hold a phone number. The margin
    keeps what the matcher looks at around a number (a leading "+1 (", a trailing "ext. 12")."""
    regions: list[tuple[int, int]] = []
    for start, end, _ in _phone_windows(text):
        lo, hi = max(0, start - margin), min(len(text), end + margin)
        if regions and lo <= regions[-1][1]:
            regions[-1] = (regions[-1][0], hi)
        else:
            regions.append((lo, hi))
    return tuple(regions)


# --------------------------------------------------------------------------- addresses

# Street suffixes (USPS Publication 28 common forms). Used only to *find* a candidate line; the
# candidate is then labelled by usaddress, which decides what is number, street and suffix.
_STREET_SUFFIXES = (
    "street|st|avenue|ave|av|road|rd|drive|dr|lane|ln|court|ct|boulevard|blvd|way|place|pl|"
    "circle|cir|terrace|ter|parkway|pkwy|highway|hwy|trail|trl|square|sq|loop|pike|alley|aly|"
    "crossing|xing|ridge|rdg|heights|hts|plaza|plz|expressway|expy|freeway|fwy"
)
_STREET_SUFFIX_WORDS = look_for(_STREET_SUFFIXES.split("|"))
# "\b\d{1,6}", written as a digit not preceded by a word character: a pattern that starts with
# \d lets the regex engine skip ahead to the next digit instead of trying every position (2x).
_ADDRESS_CANDIDATE = re.compile(
    rf"(\d(?<!\w\d)\d{{0,5}}[A-Za-z]?)\s+(?:[A-Za-z0-9'.-]+\s+){{0,4}}?(?:{_STREET_SUFFIXES})\b\.?",
    re.IGNORECASE,
)
# Function words never appear inside a street name; they do appear in sentences that merely
# look like "<number> ... road" ("12 cars on the road"), which usaddress would still label.
_NOT_IN_STREET_NAMES = frozenset(
    {
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "on",
        "in",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "we",
        "you",
        "i",
        "me",
        "my",
        "our",
        "your",
        "his",
        "her",
        "their",
        "they",
        "he",
        "she",
        "it",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "will",
        "would",
        "can",
        "could",
        "should",
        "had",
        "has",
        "have",
        "do",
        "did",
        "not",
        "no",
        "yes",
        "if",
        "then",
        "than",
        "so",
        "as",
        "up",
        "down",
        "out",
        "over",
        "about",
    }
)
_STREET_LABELS = {
    "AddressNumber",
    "AddressNumberSuffix",
    "StreetNamePreModifier",
    "StreetNamePreDirectional",
    "StreetNamePreType",
    "StreetName",
    "StreetNamePostType",
    "StreetNamePostDirectional",
    "OccupancyType",
    "OccupancyIdentifier",
}
_TAIL_LABELS = {"PlaceName", "StateName", "ZipCode"}


@dataclass(frozen=True, slots=True)
class AddressSpan:
    start: int
    end: int
    raw: str
    number: str
    street_name: str

    @property
    def key(self) -> str:
        """What two writings of one street address share: house number + folded street name."""
        return address_key(self.number, self.street_name)


def address_key(number: str, street_name: str) -> str:
    folded = re.sub(r"[^a-z0-9]+", " ", unidecode(street_name).lower()).strip()
    return f"{number.lower()} {folded}"


def parse_address_key(address: str) -> str | None:
    """The `address_key` of a stored address (e.g. Person.home_address), or None if unparseable."""
    labels = _label(address)
    number = " ".join(tok for tok, lab in labels if lab == "AddressNumber")
    street = " ".join(tok for tok, lab in labels if lab == "StreetName")
    if not number or not street:
        return None
    return address_key(number.strip(",."), street.strip(",."))


# Where every address candidate starts: its house number, then a space. `find_addresses` reads
# the number as usaddress's first token, which is this run (plus any line break and ".,;)"
# after it, see `house_number_stem`), so a detector that only cares about known house numbers
# can skip the costly candidate regex on texts that show none of them.
_HOUSE_NUMBER_START = re.compile(r"\b(\d{1,6}[A-Za-z]?)\s", re.IGNORECASE)  # as _ADDRESS_CANDIDATE


def may_show_house_number(text: str, numbers: frozenset[str], words: Iterable[str] | None = None) -> bool:
    """False only when no address `find_addresses` finds in `text` has a house number (see
    `house_number_stem`) in `numbers`, a set made by `look_for`. `words`: the text's
    `ascii_words_looked_for` (or the set of all its words) when the caller has it."""
    if not numbers:
        return False
    if text.isascii():
        # The number is a whole word of the folded text: cheaper than the regex. The item's
        # words looked for (shared with the other detectors) are few.
        return not numbers.isdisjoint(ascii_words_looked_for(text) if words is None else words)
    return not numbers.isdisjoint(n.lower() for n in _HOUSE_NUMBER_START.findall(text))


def house_number_stem(address_key: str) -> str:
    """The house number of an `address_key`, without the punctuation usaddress may leave on it:
    what `house_numbers_in` shows for a text holding that address."""
    return address_key.split(" ", 1)[0].rstrip("\n.,;)")


def _label(candidate: str) -> list[tuple[str, str]]:
    try:
        return list(usaddress.parse(candidate))
    except Exception:  # usaddress raises on odd input; an unparseable candidate is simply no address
        return []


@per_text()
def find_addresses(text: str) -> tuple[AddressSpan, ...]:
    """Street addresses (house number + street + suffix, with unit/city/state/zip when present)."""
    return tuple(find_addresses_where(text, None))


# How far after its start an address found from a candidate can end: the line read is at most
# this long, the retry reads the candidate itself.
_ADDRESS_LINE = 120


def find_addresses_where(text: str, wanted: Callable[[int, int, str], bool] | None) -> list[AddressSpan]:
    """`find_addresses`, without the costly usaddress parse of candidates the caller can do
    without: `wanted(start, reach, house_number)` (an address found there lies in [start, reach)
    and its number is `house_number`, lowercased) says which it needs. The others are parsed only
    when one could overlap (and so hide) a later parsed one, as `find_addresses` drops an
    address that starts inside the one before. So every address of `find_addresses` from a wanted
    candidate is in the result, and nothing that is not in `find_addresses`."""
    # A candidate ends with a street suffix that whitespace precedes and a non-word character
    # (or the end) follows: in ASCII text, a whole folded word. Most mail has none (~80%).
    if text.isascii() and _STREET_SUFFIX_WORDS.isdisjoint(ascii_words_looked_for(text)):
        return []
    candidates = _address_candidates(text)
    reach = [max(c.start() + _ADDRESS_LINE, c.end()) for c in candidates]
    parse = [True] * len(candidates)
    if wanted is not None:
        next_parsed = sys.maxsize  # start of the nearest parsed candidate after this one
        for i in reversed(range(len(candidates))):
            cand = candidates[i]
            parse[i] = wanted(cand.start(), reach[i], cand.group(1).lower()) or reach[i] > next_parsed
            if parse[i]:
                next_parsed = cand.start()
    found: list[AddressSpan] = []
    for cand, needed in zip(candidates, parse, strict=True):
        if not needed:
            continue
        line_end = text.find("\n", cand.start())
        line_end = len(text) if line_end < 0 else line_end
        window_end = min(line_end, cand.start() + _ADDRESS_LINE)
        # The whole line lets usaddress see unit/city/state/zip; when the sentence goes on after
        # the street ("412 Maple St. in Ames") it mislabels the street, so retry on the candidate.
        span = _address_in(text, cand.start(), window_end) or _address_in(text, cand.start(), cand.end())
        if span and not (found and span.start < found[-1].end):
            found.append(span)
    return found


# What `_ADDRESS_CANDIDATE` can match in an ASCII text: letters, digits, "'", ".", "-" and
# whitespace (\s of a str pattern: also \x1c-\x1f). As one byte table: capitals lowercased,
# those kept, whitespace as " ", everything else "|" (a character no candidate contains).
_CANDIDATE_CHARS = bytes(
    c + 32 if 65 <= c <= 90
    else c if 97 <= c <= 122 or 48 <= c <= 57 or c in b"'.-"
    else 32 if c in b" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"
    else ord("|")
    for c in range(256)
)  # fmt: skip
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789")


@per_text()
def _address_candidates(text: str) -> tuple[re.Match[str], ...]:
    """`_ADDRESS_CANDIDATE.finditer(text)`, searching an ASCII text only in the stretches that
    can hold a candidate (both address finders of the same item share the answer).

    Speed: the candidate regex tries every digit of the text (~30 us a message on real mail).
    Exact: a candidate consists of characters of `_CANDIDATE_CHARS` only, so it lies within one
    run of them, and it ends with a street suffix that whitespace precedes and no letter or
    digit follows. Only the runs that show such a suffix are searched, each from its start
    (where the whole-text search, whose matches all lie in earlier runs, also arrives) to one
    character past its end (so `\\b` sees the character that follows); lookbehinds still see
    the text before the run."""
    if not text.isascii():
        return tuple(_ADDRESS_CANDIDATE.finditer(text))
    folded = text.encode("ascii").translate(_CANDIDATE_CHARS)
    runs = set()
    for suffix in _STREET_SUFFIX_WORDS & ascii_words_looked_for(text):
        needle = b" " + suffix.encode("ascii")
        at = folded.find(needle)
        while at >= 0:
            after = at + len(needle)
            if after == len(folded) or folded[after] not in _WORD_BYTES:
                runs.add((folded.rfind(b"|", 0, at) + 1, folded.find(b"|", after)))
            at = folded.find(needle, at + 1)
    found: list[re.Match[str]] = []
    for start, end in sorted(runs):
        stop = len(text) if end < 0 else end + 1
        found += _ADDRESS_CANDIDATE.finditer(text, start, stop)
    return tuple(found)


def _address_in(text: str, start: int, stop: int) -> AddressSpan | None:
    labels = _label(text[start:stop])
    if not labels or labels[0][1] != "AddressNumber":
        return None
    # Locate each labelled token in the original text to keep exact offsets.
    pos, located = start, []
    for token, label in labels:
        at = text.find(token, pos, stop)
        if at < 0:
            return None
        located.append((at, at + len(token), token, label))
        pos = at + len(token)
    core = []
    for item in located:
        if item[3] not in _STREET_LABELS:
            break
        core.append(item)
    names = [tok.strip(",.") for _, _, tok, lab in core if lab == "StreetName"]
    if not names or not any(lab == "StreetNamePostType" for *_, lab in core):
        return None
    if any(word.lower() in _NOT_IN_STREET_NAMES for word in names):
        return None
    end = core[-1][1]
    tail = located[len(core) :]
    # City/state/zip extend the span only when a state or zip confirms them: usaddress labels any
    # trailing words as PlaceName, which would otherwise swallow the rest of the sentence.
    run = []
    for item in tail:
        if item[3] not in _TAIL_LABELS:
            break
        run.append(item)
    confirmed = [i for i, item in enumerate(run) if item[3] in ("StateName", "ZipCode")]
    if confirmed:
        end = run[confirmed[-1]][1]
    raw = text[start:end].rstrip(",. ")
    number = core[0][2].strip(",.")
    return AddressSpan(start, start + len(raw), raw, number, " ".join(names))


# --------------------------------------------------------------------------- dates

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            (),
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for name in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MONTH_BEFORE = re.compile(rf"\b({_MONTH_RE})\.?\s+$", re.I)
# Each pattern starts with a digit and then asks of the character before it what "\b" (or
# "(?<!\d)") would have asked before reading it: "\b(\d{1,2})" is written "(\d(?<!\w\d)\d?)".
# Speed: a pattern that starts with an assertion gives the regex engine nothing to skip ahead
# to, so it tried every position of the text (about 3 ms on a 20,000-character newsletter that
# says "born"); one that starts with a digit jumps from digit to digit (2.7x faster on the dev
# corpus). tests/detectors/test_dates.py checks them against the forms with "\b" first.
_DATE_PATTERNS = [
    # 03/14/2012, 3-14-12, 3.14.2012 (US order; day-first is tried when the month is > 12)
    ("mdy", re.compile(r"(\d(?<!\w\d)\d?)[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")),
    # 2012-03-14 (ISO 8601)
    ("ymd", re.compile(r"(\d(?<!\w\d)\d{3})-(\d{1,2})-(\d{1,2})\b")),
    # March 14, 2012 / Mar. 14th 2012: found by its digits, the month is checked just before them
    # (a regex that starts with the month alternation is slow on long mail).
    ("Mdy", re.compile(r"(\d(?<!\d\d)\d?)(?:st|nd|rd|th)?,?\s+(\d{4})\b")),
    # 14 March 2012 / 14th of March, 2012
    ("dMy", re.compile(rf"(\d(?<!\w\d)\d?)(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)),
]


@dataclass(frozen=True, slots=True)
class DateSpan:
    start: int
    end: int
    raw: str
    value: date


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        # A fixed pivot keeps detection deterministic (never depends on today's date).
        year += 2000 if year < 50 else 1900
    return year


def _make_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


@per_text()
def find_dates(text: str) -> tuple[DateSpan, ...]:
    """Calendar dates written in the common US/ISO/month-name forms."""
    found: dict[int, DateSpan] = {}
    for form, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            start = m.start()
            if form == "Mdy":
                month = _MONTH_BEFORE.search(text, max(0, start - 12), start)
                if month is None:
                    continue
                a, b, c = month.group(1), *m.groups()
                start = month.start()
            else:
                a, b, c = m.groups()
            value: date | None
            if form == "mdy":
                value = _make_date(_year(c), int(a), int(b)) or _make_date(_year(c), int(b), int(a))
            elif form == "ymd":
                value = _make_date(int(a), int(b), int(c))
            elif form == "Mdy":
                value = _make_date(int(c), _MONTHS[a.lower()], int(b))
            else:
                value = _make_date(int(c), _MONTHS[b.lower()], int(a))
            if value is not None and start not in found:
                found[start] = DateSpan(start, m.end(), text[start : m.end()], value)
    return tuple(found[k] for k in sorted(found))


# --------------------------------------------------------------------------- context words


def mentions(text: str, pattern: re.Pattern[str]) -> bool:
    """`pattern.search(text) is not None`, tried only where a match can start. The answers for the
    recent texts are kept per pattern: both detectors ask whether an item mentions a birth date.

    The context patterns are alternations with \\b and IGNORECASE, which Python's re tries at
    every position. Every match starts with one of the fixed words `anchors.start_literals`
    derives from the pattern; `_scanner` finds where they occur in the one automaton pass the
    detectors share over each item, and the pattern is tried only there. Exact: no position
    where a match can start is skipped (see `anchors.LexiconScanner`).
    """
    scanner = _per_pattern(pattern)  # known by its id from here on
    try:
        return _mentions(text, id(pattern))
    except KeyError:  # another thread started `_PATTERNS` afresh just now
        return _search(text, pattern, scanner)


@per_text(entries=8)
def _mentions(text: str, pattern_id: int) -> bool:
    # By the pattern's id: hashing a compiled pattern hashes all of its code. `_PATTERNS` keeps
    # the pattern, so no other takes its id while these answers are kept (see `_per_pattern`).
    pattern, scanner = _PATTERNS[pattern_id]
    return _search(text, pattern, scanner)


def _search(text: str, pattern: re.Pattern[str], scanner: LexiconScanner | None) -> bool:
    if scanner is None:
        return pattern.search(text) is not None
    return next(scanner.scan(text).finditer(0), None) is not None


def may_mention(text: str, pattern: re.Pattern[str], cached: bool = True) -> bool:
    """False only when no part of `text` can match `pattern`: the text lacks every fixed word a
    match must start with or contain. Unlike `mentions`, true also for a word inside a longer
    one, so it also bounds `keyword_near` (which searches a window whose edges may cut a word).
    A whole item (`cached`) is read by the shared automaton pass (`_scanner`); a piece of a text
    (`cached=False`) by substring tests, which would only push whole texts out of the caches."""
    scanner = _per_pattern(pattern) if cached else None
    if scanner is not None:
        return scanner.scan(text).may_match(0)
    words = _required_words(pattern)
    if words is None:
        return True
    folded = _fold(text)
    return any(w in folded for w in words)


# id(pattern) -> (pattern, its scanner). Keyed by identity: hashing a compiled pattern hashes
# all of its code, on every lookup. The pattern is kept in the entry, so its id is not reused
# while the entry lives.
_PATTERNS: dict[int, tuple[re.Pattern[str], LexiconScanner | None]] = {}
_MAX_PATTERNS = 256  # the detectors use four; beyond this (generated patterns) start afresh


def _per_pattern(pattern: re.Pattern[str]) -> LexiconScanner | None:
    entry = _PATTERNS.get(id(pattern))
    if entry is None or entry[0] is not pattern:
        if len(_PATTERNS) >= _MAX_PATTERNS:
            _mentions.cache_clear()  # its answers are by id, and the ids may now be reused
            _PATTERNS.clear()
        entry = _PATTERNS[id(pattern)] = (pattern, _scanner(pattern))
    return entry[1]


def _scanner(pattern: re.Pattern[str]) -> LexiconScanner | None:
    """`pattern` as a one-group `LexiconScanner` (its regex is `pattern` itself): its start words
    join the Aho-Corasick pass that commercial and sexual_content already make over each item,
    so asking whether an item may mention it costs a lookup instead of a substring search per
    word. None for a verbose pattern, whose source the anchors would misread without its flags."""
    if pattern.flags & re.VERBOSE:
        return None
    return LexiconScanner({0: (pattern.pattern,)}, lambda _alternatives: pattern)


@lru_cache(maxsize=64)
def _required_words(pattern: re.Pattern[str]) -> frozenset[str] | None:
    return required_literals(pattern.pattern)


def fold(text: str) -> str:
    """The text lowercased as the regex engine's IGNORECASE sees it, for the recent texts
    (one cache with the other detectors that fold whole items, `anchors.fold_recent`)."""
    return fold_recent(text)


def keyword_near(text: str, start: int, end: int, pattern: re.Pattern[str], window: int = 40) -> str | None:
    """The first match of `pattern` within `window` characters around [start, end), or None."""
    m = pattern.search(text, max(0, start - window), min(len(text), end + window))
    return m.group() if m else None


BIRTH_CONTEXT = re.compile(r"\b(?:dob|d\.o\.b\.?|date of birth|born(?: on)?|birth ?day|birthdate)\b", re.I)
