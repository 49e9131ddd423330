"""Legal basis codes for redacting or withholding (domain notes 7.3). Every redaction and every
withheld item carries one, and the release package cites it."""

from __future__ import annotations

CODES: dict[str, tuple[str, str]] = {
    "STU-PII": (
        "Student name, parent/family names, address, ids, birth date, email, photo",
        "FERPA 34 CFR 99.3; Iowa Code 22.7(1)",
    ),
    "STU-INDIRECT": (
        "Contextual identifiers of a student (unique events, small-group traits, schedules)",
        "FERPA 34 CFR 99.3 (reasonable certainty)",
    ),
    "STU-ED": ("Grades, assessments, IEP/504, special education, discipline, attendance", "FERPA; Iowa Code 22.7(1)"),
    "HEALTH": ("Medical or counseling information about anyone", "Iowa Code 22.7(2)"),
    "PERS": (
        "Evaluations, non-final discipline, benefits, leave, medical, home address, personal phone or email, SSN",
        "Iowa Code 22.7(11); Clymer",
    ),
    "ATTY": ("Attorney-client communication and work product", "Iowa Code 22.7(4)"),
    "OUTSIDE-COMM": ("Identity of an outside person's voluntary communication", "Iowa Code 22.7(18)"),
    "SECURITY": (
        "Passwords, codes, network or vulnerability details, emergency plans",
        "Iowa Code 22.7(50), classes listed in board policy",
    ),
    "LE/ABUSE": ("Police investigative content; child-abuse report details", "Iowa Code 22.7(5); chapter 235A"),
    "CLOSED": ("Closed-session content", "Iowa Code 21.5(4)"),
    "BOEE": ("Misconduct report content", "Iowa Code 256.160"),
}


def citation(code: str) -> str:
    return CODES[code][1]


def check(code: str | None) -> str:
    """The code, upper-cased, or ValueError naming the known codes."""
    value = (code or "").strip().upper()
    if value not in CODES:
        raise ValueError(f"legal basis {code!r} is not one of {', '.join(CODES)}")
    return value
