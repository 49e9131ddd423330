"""The vulgarity lexicon: whole-word matching, obfuscations undone, names and substrings left alone."""

from __future__ import annotations

import random

import pytest

from aupguard.detectors.language.lexicon import (
    Lexicon,
    _letter_runs,
    build_lexicon,
    entries_from,
    expand,
)
from aupguard.detectors.language.normalize import mask_matches, readings

LEXICON = build_lexicon()


def hits(text: str, lexicon: Lexicon = LEXICON) -> list[tuple[str, str, str]]:
    return [(h.text, h.entry.form, h.how) for h in lexicon.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("this damn printer", [("damn", "damn", "")]),
        ("sh1t happens", [("sh1t", "shit", "leetspeak")]),
        ("what a b!tch", [("b!tch", "bitch", "leetspeak")]),
        ("a$$hole", [("a$$hole", "asshole", "leetspeak")]),
        ("fuuuuck", [("fuuuuck", "fuck", "repeated letters")]),
        ("f.u.c.k it", [("f.u.c.k", "fuck", "punctuation inserted")]),
        ("s-h-i-t", [("s-h-i-t", "shit", "punctuation inserted")]),
        ("f u c k it", [("f u c k", "fuck", "letters spaced apart")]),
        ("f***ing copier", [("f***ing", "fucking", "masked")]),
        ("sh*t", [("sh*t", "shit", "masked")]),
        ("(shit)", [("shit", "shit", "")]),
        ("what a dick!", [("dick", "dick", "")]),
        ("Dick move, man.", [("Dick", "dick", "")]),
        ("shut up", [("shut up", "shut up", "")]),
    ],
)
def test_hits(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert hits(text) == expected


def test_a_token_read_again_is_read_the_same() -> None:
    # Readings of recent tokens are remembered (`_plain_readings`); the second and later reads
    # of a text must give what the first gave, obfuscation kind and masks included.
    text = "sh1t, fuuuuck, f.u.c.k, sh*t, a$$hole and damn"
    first = hits(text)
    assert [how for _, _, how in first] == ["leetspeak", "repeated letters", "punctuation inserted", "masked",
                                            "leetspeak", ""]  # fmt: skip
    assert hits(text) == hits(text.upper().lower()) == first


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe, Middlesex, Essex, Dickens, Hancock, cocktail, assistant, class, passed, shitake",
        "Dick Smith called; Dick's Sporting Goods; Coach Dick; Moby Dick",
        "Hell's Kitchen and Hell Creek",
        "He'll be there. She'll call. We'll see.",
        "room 455, 3.5 hours, U.S. e-mail, mp3, covid19, www.example.com",
        "**Important** *note*",
        "I a m here",
    ],
)
def test_no_hits(text: str) -> None:
    assert hits(text) == []


def test_spans_are_offsets_into_the_text() -> None:
    text = "Well. The f***ing printer is sh1t."
    for h in LEXICON.find(text):
        assert text[h.start : h.end] == h.text


def test_expand_lists_forms_and_rejects_bad_entries() -> None:
    assert expand("fuck[s,ed]") == ["fuck", "fucks", "fucked"]
    assert expand("piece of shit") == ["piece of shit"]
    with pytest.raises(ValueError):
        expand("bad[entry")


def test_extra_terms_allow_and_severity_floor() -> None:
    extra = {"vulgar": {"mild": ["frak[ing]"]}, "insult": ["nincompoop"]}
    lexicon = build_lexicon(extra, allow=["damn"], min_severity="mild")
    assert [h.entry.form for h in lexicon.find("frak this fraking nincompoop")] == ["frak", "fraking", "nincompoop"]
    assert lexicon.find("damn it") == []
    strong_only = build_lexicon(min_severity="strong")
    assert strong_only.find("damn it") == [] and [h.text for h in strong_only.find("fuck it")] == ["fuck"]


def test_every_shipped_entry_parses_and_finds_itself() -> None:
    from aupguard.detectors.language.lexicon import default_lexicon_data

    for entry in entries_from(default_lexicon_data()):
        assert [h.entry.form for h in LEXICON.find(f"well {entry.form} then")] == [entry.form], entry


def test_readings_and_masks() -> None:
    assert "shit" in list(readings("sh1t"))
    assert "hell" in list(readings("he11"))
    assert mask_matches("f***", ["fuck", "shit", "fucker"]) == ["fuck"]


def olid_tweets() -> list[str]:
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "shared/dev-data/abuse_olid_offenseval2019/olid-training-v1.0.tsv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        return [row[1] for row in rows if len(row) > 1]


CRAFTED = [
    'Well. The f***ing printer is sh1t, a$$hole!! (shit) "fuck!" f u c k, s.h.i.t, fuuuck',
    "Dick Smith and the dick; Hell's Kitchen, what the hell. Go back where you came from",
    "idiot's, IDIOT!!!!, Idiot... “shit” ‘crap’ *ss b*tch #Liars Tool&amp;Fool bitch😂 Bitchhhhhh",
]


def test_anchor_windows_find_what_a_full_walk_finds() -> None:
    """The fast path (anchors, then windows) loses no hit of the exhaustive token walk, except
    words obfuscated in two ways at once ("$h1t", "Fuuckkkk"), as documented in lexicon.py."""
    for text in CRAFTED:
        assert LEXICON.find(text) == LEXICON.find(text, exhaustive=True), text
    tweets = olid_tweets()
    if not tweets:
        pytest.skip("OLID not present in ../shared/dev-data")
    differing = [t for t in tweets if LEXICON.find(t) != LEXICON.find(t, exhaustive=True)]
    assert sum(1 for t in tweets if LEXICON.find(t, exhaustive=True)) > 1000  # a real comparison
    assert len(differing) <= 5, differing


def _letter_runs_reference(words: list[str]) -> list[str]:
    """Runs of three or more one-letter tokens, by walking every token (what the lexicon did)."""
    runs, run = [], []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if len(run) >= 3:
            runs.append(" ".join(run))
        run = []
    return runs


def test_letter_runs_agree_with_a_walk_over_every_token() -> None:
    rng = random.Random(13)
    vocabulary = [*"abcfsxé1$½Ⅻ_", "ab", "the", "x" * 300, " ", "\n", "\t", "\x1c", "\u2003"]
    for _ in range(5000):
        words = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 12))).split()
        assert _letter_runs(words) == _letter_runs_reference(words), words
    assert _letter_runs(["it", "is", "f", "u", "c", "k", "½", "a", "b", "c"]) == ["f u c k", "a b c"]
    assert _letter_runs(["x" * 300, "a", "b", "c"]) == ["a b c"]


def test_ascii_byte_table_spaces_as_the_anchor_table() -> None:
    from aupguard.detectors.language.lexicon import _ASCII_ANCHOR_SPACES, ANCHOR_SPACES

    ascii_text = "".join(chr(c) for c in range(128))
    assert ascii_text.encode().translate(_ASCII_ANCHOR_SPACES).decode() == ascii_text.translate(ANCHOR_SPACES)


def _windows_by_splitting(lexicon: Lexicon, text: str) -> list[tuple[int, int]]:
    """`Lexicon.windows` as it was before the shared automaton pass: every token looked up."""
    return lexicon.windows(text.lower())  # without `text`: the token walk over split()


def _random_mail(rng: random.Random) -> str:
    words = [
        *sorted(LEXICON.words)[:40], "sh1t", "a$$hole", "b!tch", "naz!", "fuuuck", "f***ing", "go", "to", "hell",
        "piece", "of", "class", "assistant", "Dick", "f", "u", "c", "k", "s", "a", "i", "x", "1", "!", "!!", "?",
        "it's", "e-mail", "U.S.", "(crap)", "“shit”", "hello", "Scunthorpe", "#Liars", "&amp;", "😂", "...",
    ]  # fmt: skip
    glue = [" ", " ", " ", "  ", "\n", "\n\n", "\t", "", "!", "!!", ".", "-", "'"]
    return "".join(rng.choice(words) + rng.choice(glue) for _ in range(rng.randint(0, 30)))


def test_windows_from_the_shared_pass_are_the_windows_of_the_token_walk() -> None:
    from aupguard.detectors.commercial import SCANNER

    rng = random.Random(7)
    texts = [*CRAFTED, "", "shit", "shit!", "shit!!", "f u c k", "a  b\tc", "x y", *olid_tweets()[:3000]]
    texts += [_random_mail(rng) for _ in range(3000)]
    anchored = 0
    for n, text in enumerate(texts):
        if n % 2:
            SCANNER.scan(text)  # commercial reads the item first, as in a scan; or the lexicon does
        windows = LEXICON.windows(text.lower(), text)
        assert windows == _windows_by_splitting(LEXICON, text), text
        anchored += bool(windows)
    assert anchored > 1000  # a real comparison: most of these texts have something to read


def test_one_pass_over_a_text_serves_every_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    from aupguard.detectors import anchors
    from aupguard.detectors.commercial import SCANNER

    anchors.consolidate_shared_pass()  # as the scan's warm-up does: one automaton for all
    shared = anchors._SHARED_PASS._shared
    assert shared is not None
    reads: list[str] = []
    real_read = shared.read
    monkeypatch.setattr(shared, "read", lambda text, found: reads.append(text) or real_read(text, found))
    finder = LEXICON._token_finder
    text = "commercial reads this first, idiot: order now"
    SCANNER.scan(text)
    assert (29, "idiot") in finder.occurrences(text)
    assert (29, "idiot") in finder.occurrences(text)
    assert reads == [text]  # the lexicon's hits came from commercial's pass
    assert (7, "idiot") in finder.occurrences("you an idiot")  # a new text: a new pass
    assert reads == [text, "you an idiot"]


def test_letter_runs_without_splitting_are_those_of_the_words() -> None:
    from aupguard.detectors.language.lexicon import SPACED_CANDIDATES, _ascii_letter_runs

    rng = random.Random(11)
    tokens, glue = [*"abfisx1$!", "ab", "the"], [" ", " ", "  ", "\n", "\t", "\x1c", "\r\n", ""]
    found = 0
    for _ in range(5000):
        spaced = "".join(rng.choice(tokens) + rng.choice(glue) for _ in range(rng.randint(0, 12)))
        words = spaced.split()
        expected = _letter_runs(words) if not SPACED_CANDIDATES.isdisjoint(words) else []
        assert _ascii_letter_runs(spaced) == expected, repr(spaced)
        found += bool(expected)
    assert found > 500
    assert _ascii_letter_runs("a i a") == [] and _ascii_letter_runs("a i a b") == ["a i a b"]
    # Stretches without three letters in a row give no runs, with or without a candidate letter.
    assert _ascii_letter_runs("1 2 3 b") == [] and _ascii_letter_runs("b 1 c 2 d") == []
    assert _ascii_letter_runs("x 1 b c d 2") == ["b c d"]
