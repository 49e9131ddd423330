"""The spool keeps each message's envelope recipients beside it, and never a message without them."""

from __future__ import annotations

from pathlib import Path

import pytest

from aupguard.gateway.spool import Spool
from tests.gateway.conftest import message


def test_recipients_are_kept_beside_the_message_and_merged_when_it_comes_again(tmp_path: Path) -> None:
    spool = Spool(tmp_path).ensure()
    raw = message("story")
    path = spool.put(raw, ["A@x.example", "b@x.example"])
    assert spool.put(raw, ["b@x.example", "c@x.example"]) == path  # same bytes: one spool file
    assert spool.recipients(path) == ["a@x.example", "b@x.example", "c@x.example"]
    assert spool.envelopes([path]) == {str(path): ["a@x.example", "b@x.example", "c@x.example"]}
    assert spool.pending(10) == [path] and spool.count() == 1  # the list is not a message
    assert not list(spool.tmp.iterdir())


def test_a_message_without_an_envelope_has_no_list(tmp_path: Path) -> None:
    spool = Spool(tmp_path).ensure()
    path = spool.put(message("story"))
    assert spool.recipients(path) == [] and spool.envelopes([path]) == {}
    assert [p.name for p in spool.new.iterdir()] == [path.name]


def test_done_and_set_aside_take_the_list_along(tmp_path: Path) -> None:
    spool = Spool(tmp_path).ensure()
    stored = spool.put(message("stored"), ["a@x.example"])
    failed = spool.put(message("failed"), ["b@x.example"])
    spool.done(stored)
    spool.set_aside(failed)
    assert not list(spool.new.iterdir())
    assert sorted(p.name for p in spool.failed.iterdir()) == sorted([failed.name, failed.with_suffix(".rcpt").name])


def test_a_damaged_envelope_list_is_logged_and_the_message_still_scanned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = Spool(tmp_path).ensure()
    path = spool.put(message("story"), ["a@x.example"])
    path.with_suffix(".rcpt").write_bytes(b"[not json")
    with caplog.at_level("WARNING"):
        assert spool.envelopes([path]) == {}
    assert "unreadable" in caplog.text and path.name in caplog.text
    assert spool.pending(10) == [path]  # the message itself waits for the scan as before
