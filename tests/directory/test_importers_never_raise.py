"""Whatever bytes an export holds, the importers return a batch (with problems), never raise."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aupguard.directory.google_workspace import read_workspace_users
from aupguard.directory.oneroster import read_oneroster
from aupguard.directory.people_csv import read_people_csv

HEADERS = {
    "users.csv": b"sourcedId,role,givenName,familyName,email,phone,agentSourcedIds,orgSourcedIds\n",
    "people.csv": b"id,kind,personal_phone,birth_date,groups,handles,roles,buildings\n",
    "workspace.csv": b"Email Address [Required],Mobile Phone,Status [READ ONLY],Last Sign In [READ ONLY]\n",
}
# Bytes that look like CSV most of the time, so rows get past the header and into the parsers.
cells = st.lists(
    st.one_of(st.binary(max_size=12), st.sampled_from([b"student", b"guardian", b"x=y", b"a;b", b'"', b"\r\n"])),
    max_size=30,
).map(lambda parts: b",".join(parts))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=cells, with_header=st.booleans())
def test_random_rows_never_raise(body: bytes, with_header: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, header in HEADERS.items():
            (folder / name).write_bytes((header if with_header else b"") + body)
        roster = read_oneroster(folder)
        people = read_people_csv(folder / "people.csv")
        workspace, posture = read_workspace_users(folder / "workspace.csv")
    for batch in (roster, people, workspace):
        assert all(p.file and p.reason for p in batch.problems)
    assert len(posture) == len(workspace.people)
