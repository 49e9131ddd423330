"""Posture checks: accounts, access and operations records judged against policy 401.13.

Readers (`readers/`) turn a district's exports and logs into typed records, keeping the source
lines each came from; checks (`checks/`) judge them against the pack's `settings.posture` and
emit `Observation`s (a Channel.LOG item whose raw bytes are the lines judged, plus signals);
`run.py` hands those to the same engine and store as a scan, so routing, permissions and review
work unchanged. See docs/posture.md.
"""
