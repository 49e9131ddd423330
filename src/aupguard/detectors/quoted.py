"""The quoted lines of a text ("> ..."), which commercial and credentials leave out: what the
sender quotes is someone else's offer or password, not theirs."""

from __future__ import annotations

import re

from aupguard.detectors.recent import per_text

# What a quoted line is. `quoted_lines` finds the same spans without running it.
QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)


@per_text()
def quoted_lines(text: str) -> tuple[tuple[int, int], ...]:
    """The spans of `QUOTED_LINE.finditer(text)`, for the recent texts (both detectors ask).

    Speed: a MULTILINE "^" gives the regex engine no fixed text to look for, so it tried every
    position of the text; here only the ">"s are looked at. Exact: a match is a line (the text
    from a start or a "\\n" to the next "\\n" or the end) whose first character other than a
    space or tab is ">", and such a line is found from its first ">"."""
    spans = []
    at = text.find(">")
    while at >= 0:
        line_start = text.rfind("\n", 0, at) + 1
        line_end = text.find("\n", at)
        if line_end < 0:
            line_end = len(text)
        if not text[line_start:at].strip(" \t"):
            spans.append((line_start, line_end))
        at = text.find(">", line_end)  # the rest of the line can start no other quoted line
    return tuple(spans)
