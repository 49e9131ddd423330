"""Bad input never crashes an import and never disappears: every kind, fed a binary file, an
empty file, a file of the wrong layout or a missing file, records errors with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from aupguard.posture.kinds import SOURCE_KINDS
from aupguard.posture.run import JUDGES, ImportResult
from tests.posture.conftest import context

# Logs may legitimately be empty; an export always has at least its header.
LOG_STREAMS = ("google-activity", "squid")
BAD = {
    "binary": b"\x00\x01\x02\xff\xfe garbage \x00\n\x89PNG\r\n",
    "empty": b"",
    "wrong layout": b"colour,flavour\nred,sweet\n",
}


@pytest.mark.parametrize("kind", sorted(SOURCE_KINDS))
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_become_errors(tmp_path: Path, kind: str, case: str) -> None:
    path = tmp_path / "input.dat"
    path.write_bytes(BAD[case])
    result = ImportResult(kind)
    JUDGES[kind]([path], context(district_networks=["10.0.0.0/8"]), result)
    if case == "empty" and kind in LOG_STREAMS:
        assert (result.records, result.errors) == (0, [])  # a quiet day: nothing happened
        return
    assert result.errors, f"{kind} accepted a {case} file silently"
    assert all(e.source == str(path) and e.position.startswith(("line ", "record ")) for e in result.errors)
    assert result.observations == [] or kind in ("backups", "restore-tests")  # configured targets still judged


@pytest.mark.parametrize("kind", sorted(SOURCE_KINDS))
def test_missing_file_is_an_error(tmp_path: Path, kind: str) -> None:
    result = ImportResult(kind)
    JUDGES[kind]([tmp_path / "absent.csv"], context(), result)
    assert result.errors and "absent.csv" in result.errors[0].source
