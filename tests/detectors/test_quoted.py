"""quoted_lines: the spans of the quoted-line regex, found from the ">"s alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aupguard.detectors.quoted import QUOTED_LINE, quoted_lines

_PIECES = st.sampled_from([">", " ", "\t", "\n", "\r", "\r\n", "a", "x>", "> ", ">>", "\u00a0", "\x0b", "<b>"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_quoted_lines_are_the_regexs_matches(text: str) -> None:
    assert list(quoted_lines(text)) == [m.span() for m in QUOTED_LINE.finditer(text)]


def test_quoted_lines_in_a_reply() -> None:
    text = "Thanks!\n\n> my password is x\n  >> older\nnot > quoted\n\t> last"
    assert [text[a:b] for a, b in quoted_lines(text)] == ["> my password is x", "  >> older", "\t> last"]
