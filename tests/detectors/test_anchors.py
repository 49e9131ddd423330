"""anchors: the fixed words derived from regexes, and LexiconScanner = the plain regex, exactly.

The scanner is only a speed-up: every test here compares it with the full regex run over the
whole text (`LexiconScanner.use_anchors = False`), on generated examples of every cue of the
commercial and sexual_content lexicons and, when the dev data is present, on real mail.
"""

from __future__ import annotations

import importlib
import random
import re
import sys
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

import pytest

from aupguard.detectors import commercial, sexual_content
from aupguard.detectors.anchors import (
    LexiconScanner,
    LiteralFinder,
    fold,
    fold_recent,
    may_match,
    required_clauses,
    required_literals,
    start_literals,
)
from aupguard.detectors.base import DetectContext
from aupguard.model import Channel, Item

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "dev-data" / "email_rfc5322_corpus"


def test_fold_covers_every_letter_ignorecase_equates_with_ascii() -> None:
    # Any character that IGNORECASE matches to an ASCII letter must fold to that letter, or an
    # anchor would miss a text the regex matches.
    letter = re.compile("[a-z]", re.IGNORECASE)
    for code in range(128, sys.maxunicode + 1):
        char = chr(code)
        if letter.fullmatch(char):
            assert re.fullmatch(re.escape(fold(char)), char, re.IGNORECASE), hex(code)
            assert len(fold(char)) == 1  # offsets are kept


@pytest.mark.parametrize(
    ("pattern", "starts"),
    [
        ("free shipping", {"free shipping"}),
        ("(dm|pm|inbox) me", {"dm me", "pm me", "inbox me"}),
        ("(i am|i'm) (now )?taking orders", {"i am taking orders", "i am now taking orders",
                                              "i'm taking orders", "i'm now taking orders"}),
        (r"pre-?orders?", {"pre-order", "pre-orders", "preorder", "preorders"}),
        (r"\$\s?\d+", {"$"}),
        (r"(?<!\w)(?:Venmo)(?!\w)", {"venmo"}),
        (r"[\w-]+\.myshopify\.com", None),
        (r"\d{1,2}\s?% off", None),
        (r"(a|b)?", None),
    ],
)  # fmt: skip
def test_start_literals(pattern: str, starts: set[str] | None) -> None:
    assert start_literals(pattern) == (frozenset(starts) if starts is not None else None)


def test_required_literals_and_clauses() -> None:
    assert required_literals(r"[\w-]+\.myshopify\.com") == {".myshopify.com"}
    assert required_literals(r"\d{1,2}\s?% off") == {"% off"}
    assert required_literals(r"\w+") is None
    # A shared first letter stays with what follows ("s" + "sn"), and a literal that contains
    # another one is left out ("social security number" holds "social security").
    ssn = r"\b(?:ssn|ss#|social security(?: number)?)"
    assert required_literals(ssn) == {"ssn", "ss#", "social security"}
    torrent = r"\bhttps?://[^\s<>]+?\.torrent"
    assert required_clauses(torrent) == (frozenset({"http"}), frozenset({"://"}), frozenset({".torrent"}))
    assert may_match(fold("See HTTPS://x.org/a.TORRENT"), required_clauses(torrent))
    assert not may_match(fold("See https://x.org/a.pdf"), required_clauses(torrent))


# --------------------------------------------------------------------- generated examples


def _example(items: Any, rng: random.Random) -> Iterator[str]:
    """Characters of one random string the parsed regex matches (lookarounds ignored)."""
    for op, av in items:
        if op is _c.LITERAL:
            yield chr(av)
        elif op is _c.IN:
            yield _class_member(av, rng)
        elif op is _c.ANY:
            yield "x"
        elif op is _c.SUBPATTERN:
            yield from _example(av[-1], rng)
        elif op is _c.BRANCH:
            yield from _example(rng.choice(av[1]), rng)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            low, high = av[0], min(av[1], av[0] + 2)
            for _ in range(rng.randint(low, high)):
                yield from _example(av[2], rng)
        # AT, ASSERT, ASSERT_NOT: zero-width, the padding around the example satisfies them


def _class_member(av: Any, rng: random.Random) -> str:
    if av and av[0][0] is _c.NEGATE:
        return rng.choice("xyz")
    choices = []
    for op, value in av:
        if op is _c.LITERAL:
            choices.append(chr(value))
        elif op is _c.RANGE:
            choices.append(chr(rng.randint(*value)))
        elif op is _c.CATEGORY:
            choices.append({_c.CATEGORY_DIGIT: "7", _c.CATEGORY_SPACE: " ", _c.CATEGORY_WORD: "k"}[value])
    return rng.choice(choices)


def _variants(pattern: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(12):
        example = "".join(_example(_parser.parse(pattern), rng))
        if i % 3 == 1:
            example = example.upper()
        elif i % 3 == 2:
            example = "".join(c.upper() if rng.random() < 0.5 else c for c in example)
        out.append(example)
    return out


def _matches(scanner: LexiconScanner, text: str, key: Hashable, anchors: bool) -> list[tuple[int, int, str]]:
    scanner.use_anchors = anchors
    try:
        return [(m.start(), m.end(), m.group()) for m in scanner.scan(text).finditer(key)]
    finally:
        scanner.use_anchors = True


LEXICONS = [
    (commercial.SCANNER, key, pattern) for key, patterns in commercial.SCANNER.groups.items() for pattern in patterns
] + [
    (sexual_content._scanner(sexual_content.LEXICON), "lexicon", pattern)
    for pattern in sexual_content._alternatives(sexual_content.LEXICON)
]


@pytest.mark.parametrize(("scanner", "key", "pattern"), LEXICONS, ids=[p for _, _, p in LEXICONS])
def test_every_cue_example_is_found_with_the_scanner_on(scanner: LexiconScanner, key: Hashable, pattern: str) -> None:
    checked = 0
    for n, example in enumerate(_variants(pattern, seed=len(pattern))):
        text = f"Hi all,\nfyi {example} - thanks! (and again:{example})"
        if not re.fullmatch(pattern, example, re.IGNORECASE):
            continue  # a generated string the pattern refuses (a lookahead): nothing to show
        plain = _matches(scanner, text, key, anchors=False)
        assert plain, f"example {example!r} does not match its own group: the test is wrong"
        assert _matches(scanner, text, key, anchors=True) == plain, (n, example)
        checked += 1
    assert checked >= 3, f"too few usable examples for {pattern!r}"


def test_scanner_on_non_ascii_text_keeps_offsets() -> None:
    text = "Ünïcödé déjà vu — ſale ends FRİDAY; DM me to order, $5 each İ"
    for key in commercial.SCANNER.groups:
        assert _matches(commercial.SCANNER, text, key, True) == _matches(commercial.SCANNER, text, key, False)


# --------------------------------------------------------------------- real mail


def _corpus_items() -> list[Item]:
    from aupguard.sources import iter_records, parse_record

    items = []
    for record in iter_records([CORPUS]):
        parsed = parse_record(record) if not hasattr(record, "reason") else record
        if isinstance(parsed, Item):
            items.append(parsed)
    return items


@pytest.mark.skipif(not CORPUS.is_dir(), reason="dev-data e-mail corpus not present")
def test_commercial_and_sexual_signals_are_the_same_with_and_without_the_scanner() -> None:
    items = _corpus_items() + [Item("s", Channel.TEXT, "t", "", b"", body="Send nudes lol. DM me to order!")]
    ctx = DetectContext()
    detectors = [commercial.CommercialDetector(), sexual_content.SexualContentDetector()]
    fast = [[d.detect(i, ctx) for i in items] for d in detectors]
    LexiconScanner.use_anchors = False
    try:
        plain = [[d.detect(i, ctx) for i in items] for d in detectors]
    finally:
        LexiconScanner.use_anchors = True
    assert fast == plain
    assert any(fast[0]) and any(fast[1])  # both detectors found something to compare


def test_non_ascii_letters_are_not_used_as_anchors() -> None:
    # IGNORECASE equates "σ" and "ς", which lower() does not: such letters bound nothing.
    assert start_literals("σκατά") is None
    assert start_literals("caf\u00e9 racer") == {"caf"}
    scanner = LexiconScanner({"g": ["σκατά"]}, lambda alts: re.compile("|".join(alts), re.IGNORECASE))
    assert [m.group() for m in scanner.scan("ΣΚΑΤΆ and ςκατά").finditer("g")] == ["ΣΚΑΤΆ", "ςκατά"]


# --------------------------------------------------------------------- one pass, many scanners


def _plain(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]


def _scanned(scanner: LexiconScanner, text: str, key: Hashable) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in scanner.scan(text).finditer(key)]


def test_scanners_that_share_one_pass_find_what_their_own_regexes_find() -> None:
    # Literals overlap across scanners ("order", "order now") and nest ("best", "best price"):
    # every scanner must still get each of its own occurrences from the shared automaton.
    def compile_words(alternatives: tuple[str, ...]) -> re.Pattern[str]:
        return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)

    first = LexiconScanner({"a": ["order now", "best"], "b": [r"\$\d+"]}, compile_words)
    second = LexiconScanner({"c": ["order", "best price", r"now\W+only"]}, compile_words)
    text = "ORDER NOW, best price: order now only $5. Best! border, bestow, $ 7 order"
    expected = {
        (first, "a"): _plain(compile_words(("order now", "best")), text),
        (first, "b"): _plain(compile_words((r"\$\d+",)), text),
        (second, "c"): _plain(compile_words(("order", "best price", r"now\W+only")), text),
    }
    assert all(expected.values())
    for _ in range(2):  # the second round reads the shared pass's remembered hits
        for (scanner, key), matches in expected.items():
            assert _scanned(scanner, text, key) == matches
    # A scanner made after the pass was built: the next scan builds it again with its literals.
    third = LexiconScanner({"d": ["bestow", "border"]}, compile_words)
    assert _scanned(third, text, "d") == _plain(compile_words(("bestow", "border")), text) != []
    assert _scanned(first, text, "a") == expected[(first, "a")]
    # Texts read by changing sets of scanners (a pass for the previous readers, one more for a
    # scanner it did not cover): each scanner still finds exactly its own matches.
    readers = [(second, "c"), (first, "a"), (third, "d"), (first, "b")]
    for n in range(12):
        other = f"{n} order now? best price ${n} ... border {n * 'x'} bestow now  only"
        for scanner, key in readers[n % 4 :] + readers[: n % 3]:
            assert _scanned(scanner, other, key) == _plain(scanner._compile(scanner.groups[key]), other)


def test_fold_recent_is_fold() -> None:
    for text in ["Plain ASCII", "FRİDAY ſale Kelvin", "ΣΚΑΤΆ", ""]:
        assert fold_recent(text) == fold(text)


def _every_occurrence(literals: list[str], folded: str) -> set[tuple[int, str]]:
    """(start, literal) of every occurrence, overlapping ones too, by str.find."""
    found = set()
    for literal in literals:
        i = folded.find(literal)
        while i >= 0:
            found.add((i, literal))
            i = folded.find(literal, i + 1)
    return found


def test_literal_finder_reports_every_occurrence_in_the_shared_pass() -> None:
    literals = ["pin", "pw", "passw", "one time", "as", "ass", "sass"]
    finder = LiteralFinder(literals)
    scanner = LexiconScanner({"k": ["order", "pin number"]}, lambda alts: re.compile("|".join(alts), re.I))
    texts = ["Shipping PIN: 1234, pw and PASSWORD", "sassy class: one time, ONE TIME", "", "nothing", "İstanbul PIN"]
    # Offsets are in characters (the automaton reads UTF-8): astral and combining ones before a hit.
    texts += ["😂😂 pin 🎉 pw", "e\u0301e\u0301 ass\U0001f600sass ſ pin"]
    for _ in range(2):  # read alone, then in the pass the scanner shares
        for text in texts:
            scanner.scan(text)
            got = finder.occurrences(text)
            assert len(got) == len(set(got))
            assert set(got) == _every_occurrence(literals, fold(text)), text
    assert LiteralFinder([]).occurrences("anything") == []


def test_a_reader_made_after_the_shared_automaton_reads_alone_until_the_rebuild(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aupguard.detectors import anchors

    anchors.consolidate_shared_pass()
    pass_ = anchors._SHARED_PASS
    assert pass_._shared is not None
    monkeypatch.setattr(anchors, "REBUILD_AFTER_READS", 3)
    late = LiteralFinder(["zebra", "quagga"])
    assert late._serial not in pass_._shared.serials  # made after the build: not in it
    texts = ["a Zebra and a quagga", "no stripes", "zebra zebra", "quagga"]
    for n, text in enumerate(texts):
        commercial.SCANNER.scan(text)  # another reader's pass over the same text comes first
        assert set(late.occurrences(text)) == _every_occurrence(["zebra", "quagga"], fold(text))
        if n < 3:  # its own automaton: three reads ...
            assert late._serial not in pass_._shared.serials
    assert late._serial in pass_._shared.serials  # ... then the shared one was rebuilt with it
    assert pass_._reads_outside == 0


def test_match_starts_bound_every_match_of_a_group() -> None:
    compile_words = lambda alts: re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.I)  # noqa: E731
    scanner = LexiconScanner({"a": ["order now", "buy"], "b": [r"\$\d+"], "c": [r"\d+ off"]}, compile_words)
    text = "Order now! buy, rebuy, $5 and $ 6; 20 off"
    scan = scanner.scan(text)
    assert scan.unbounded() == {"c"}  # starts with a digit: no start literal
    starts = scan.match_starts()
    assert set(starts) == {"a", "b"}
    for key, positions in starts.items():
        matches = [m.start() for m in scan.finditer(key)]
        assert matches and set(matches) <= set(positions)
    assert scanner.scan("nothing to see").match_starts() == {}


def test_rarest_first_keeps_the_clauses_and_the_answer() -> None:
    from aupguard.detectors.anchors import rarest_first

    torrent = required_clauses(r"\bhttps?://[^\s<>\"']+?\.torrent(?=[?#\s<>\"')\]]|$)")
    ordered = rarest_first(torrent)
    assert ordered[0] == frozenset({".torrent"}) and set(ordered) == set(torrent)
    for text in ["see https://x.org/a.torrent", "see https://x.org/a.pdf", "a.torrent", "", "http://"]:
        assert may_match(fold(text), ordered) == may_match(fold(text), torrent)
