"""The authoritative table of signal kinds per built-in detector.

The policy pack loader checks rules against this table without importing the detector modules
(which pull in models and lexicons), and a test checks that every detector's own `kinds`
attribute agrees with it. Adding a signal kind = add it here and in the detector.
"""

from __future__ import annotations

SIGNAL_KINDS: dict[str, tuple[str, ...]] = {
    "student_info": (
        "student.name",
        "student.first_name_context",
        "student.id",
        "student.address",
        "student.phone",
        "student.birth_date",
    ),
    "personal_info": (
        "pii.phone",
        "pii.address",
        "pii.personal_email",
        "pii.ssn",
        "pii.birth_date",
    ),
    "sender_identity": ("identity.anonymous", "identity.disposable_domain", "identity.forged"),
    "software_transfer": (
        "software.executable",
        "software.installer",
        "software.archive_with_executable",
        "software.torrent",
        "software.magnet",
    ),
    "offensive_language": ("language.offensive", "language.harassment", "language.identity_attack"),
    "sexual_content": ("content.sexual", "content.sexual_attachment"),
    "commercial": ("content.commercial",),
    "credentials": ("credentials.password", "credentials.one_time_code"),
    "contact_channel": ("contact.personal_account_student", "contact.personal_account_guardian"),
    "group_text": ("group_text.one_to_one", "group_text.incomplete", "group_text.principal_missing"),
    "social_media": ("social.student_connection", "social.site_created"),
}


def signal_matches(pattern: str, kind: str) -> bool:
    """True when a rule's signal pattern selects `kind`; a trailing `*` matches any rest."""
    if pattern.endswith("*"):
        return kind.startswith(pattern[:-1])
    return kind == pattern


def kinds_matching(pattern: str, detectors: list[str] | None = None) -> list[str]:
    """Every known kind the pattern selects, optionally only among the given detectors."""
    names = SIGNAL_KINDS if detectors is None else [d for d in detectors if d in SIGNAL_KINDS]
    return [k for name in names for k in SIGNAL_KINDS[name] if signal_matches(pattern, k)]
