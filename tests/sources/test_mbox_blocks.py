"""The block-based mbox reader splits exactly like the plain line-by-line definition of mboxrd,
whatever the block size (separators and escapes falling across block boundaries)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aupguard.model import ReadError
from aupguard.sources import mbox

_DATE = re.compile(rb"\d{1,2}:\d{2}(:\d{2})?.*\d{4}")
_ESC = re.compile(rb"^>+From ")


def reference_split(data: bytes) -> list[bytes]:
    """The definition, line by line: a "From " line after a blank line (or carrying a date)
    starts a message; the blank line before a separator belongs to the mbox; one ">" is
    removed from escaped "From " lines."""
    messages: list[list[bytes]] = []
    previous_blank = True
    for line in data.splitlines(keepends=True):
        if line.startswith(b"From ") and (previous_blank or _DATE.search(line)):
            messages.append([])
            previous_blank = False
            continue
        if not messages:
            messages.append([])
        previous_blank = line in (b"\n", b"\r\n")
        messages[-1].append(line[1:] if _ESC.match(line) else line)
    out = []
    for lines in messages:
        if lines and lines[-1] in (b"\n", b"\r\n"):
            lines = lines[:-1]
        out.append(b"".join(lines))
    return out


LINES = st.sampled_from(
    [b"From a@b Mon Jan  1 00:00:00 2024\n", b"From here on\n", b"\n", b"\r\n", b"Subject: x\n",
     b">From quoted\n", b">>From twice\n", b"body line\r\n", b"From \n", b"text From x\n"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, min_size=1, max_size=40), st.integers(min_value=1, max_value=64))
def test_blocks_split_like_the_definition(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], block: int
) -> None:
    data = b"From first@x Mon Jan  1 00:00:00 2024\n" + b"".join(lines)
    path = tmp_path_factory.mktemp("mbox") / "m.mbox"
    path.write_bytes(data)
    old = mbox.BLOCK
    mbox.BLOCK = block
    try:
        records = list(mbox.iter_mbox(path))
    finally:
        mbox.BLOCK = old
    assert all(not isinstance(r, ReadError) for r in records)
    assert [r.raw for r in records] == reference_split(data)  # type: ignore[union-attr]
    assert sum(r.nbytes for r in records) == len(data)  # type: ignore[union-attr]


def test_oversized_message_is_an_error_and_the_next_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mbox, "MAX_MESSAGE_BYTES", 100)
    monkeypatch.setattr(mbox, "BLOCK", 16)
    big = b"From a Mon Jan  1 00:00:00 2024\nSubject: big\n\n" + b"x" * 1000 + b"\n\n"
    small = b"From b Mon Jan  1 00:00:00 2024\nSubject: small\n\nhi\n"
    path = tmp_path / "m.mbox"
    path.write_bytes(big + small)
    first, second = list(mbox.iter_mbox(path))
    assert isinstance(first, ReadError) and "larger than" in first.reason
    assert not isinstance(second, ReadError) and second.raw == b"Subject: small\n\nhi\n"
