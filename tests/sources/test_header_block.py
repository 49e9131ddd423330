"""The plain-header-block shortcut builds the Message the stdlib's header parser builds.

`eml._plain_header_block` takes the feed parser's steps for a header block made only of plain
header and continuation lines, and hands everything else back (None) to the parser itself. These
tests compare the two on generated blocks full of what the parser treats specially, and on every
message of the dev corpus when it is present.
"""

from __future__ import annotations

import random
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

import pytest

from aupguard.sources import RawRecord, eml, iter_records

from .test_corpus import CORPUS, corpus_files

PARSER = BytesHeaderParser(policy=compat32)


def _seen(msg: Message) -> tuple[object, ...]:
    """All the parse leaves on a header-only Message (the payload is set by the caller)."""
    return (
        list(msg.raw_items()),
        [(type(d).__name__, str(d)) for d in msg.defects],
        msg.get_unixfrom(),
        msg.get_default_type(),
        msg.policy,
        msg.preamble,
        msg.epilogue,
    )


def _check(head: bytes) -> bool:
    """Whether the shortcut took `head`; when it did, it must equal the parser's Message."""
    fast = eml._plain_header_block(head)
    if fast is None:
        return False
    assert _seen(fast) == _seen(PARSER.parsebytes(head)), head
    return True


LINES = [
    "From: Pat <pat@x.org>", "To: a@x.org,", " b@x.org", "\tc@x.org", "Subject: caf\xe9 \u00e9 hello",
    "Subject: =?utf-8?q?caf=C3=A9?=", "X-Empty:", "X-Empty: ", "Received: from a by b; Mon, 3 Jun 2024",
    "From x Mon Jun  3 10:00:00 2024", ":no name", "no colon at all", "Bad Name: value", " ", "\t",
    "X-Ctl: a\x0bb\x0cc\x1cd", "X-Colon:: two", "x:y:z", "Subject: From me", "  indented: looks like a header",
    "X-\x7f: del", "X-High\xff: byte", "Content-Type: text/plain;", "\tcharset=utf-8", "DATE: Mon, 3 Jun 2024",
]  # fmt: skip


def _block(rng: random.Random) -> bytes:
    lines = rng.choices(LINES, k=rng.randint(1, 8))
    ending = rng.choice(["\n", "\r\n"])
    text = "".join(line + (ending if rng.random() < 0.9 else rng.choice(["\n", "\r\n"])) for line in lines)
    return text.encode("utf-8", "surrogateescape") + ending.encode()


def test_generated_blocks_give_the_parsers_message() -> None:
    rng = random.Random(5)
    blocks = [_block(rng) for _ in range(4000)]
    blocks = [b for b in blocks if eml._header_end(b) == len(b) and eml._no_bare_cr(b)]
    taken = sum(_check(block) for block in blocks)
    assert 0.2 * len(blocks) < taken < len(blocks)  # both ways are exercised


def test_plain_mail_takes_the_shortcut_and_special_lines_do_not() -> None:
    assert eml._plain_header_block(b"From: a@x.org\r\nTo: b@x.org,\r\n c@x.org\r\n\r\n") is not None
    for special in (b"From x Mon\nTo: a@x.org\n\n", b" To: a@x.org\n\n", b":x\n\n", b"To: a\nno colon\n\n"):
        assert eml._plain_header_block(special) is None, special


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "manifest.csv").exists(), reason="dev corpus not present")
def test_every_corpus_header_block_gives_the_parsers_message() -> None:
    checked = taken = 0
    for record in iter_records(corpus_files()):
        if not isinstance(record, RawRecord) or record.format != "rfc822":
            continue
        end = eml._header_end(record.raw)
        head = record.raw[:end] if end > 0 else b""
        if head and eml._no_bare_cr(head):
            checked += 1
            taken += _check(head)
    assert checked > 1000 and taken > 0.9 * checked
