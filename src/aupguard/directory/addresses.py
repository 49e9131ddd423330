"""Normalizing the addresses people are reached at, so lookups compare like with like."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "US"


def normalize_email(value: str) -> str:
    return value.strip().strip("<>").lower()


def normalize_phone(value: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 form of a phone number, or None when `phonenumbers` cannot parse a valid one."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_handle(platform: str, handle: str) -> str:
    return f"{platform.strip().lower()}:{handle.strip().lstrip('@').lower()}"


def normalize_address(value: str, region: str = DEFAULT_REGION) -> str:
    """Best normalization of an address of unknown kind: email, phone, or platform:handle."""
    value = value.strip()
    if "@" in value and not value.startswith("@"):
        return normalize_email(value)
    if ":" in value and not value[0].isdigit() and not value.startswith("+"):
        platform, _, handle = value.partition(":")
        return normalize_handle(platform, handle)
    phone = normalize_phone(value, region)
    return phone if phone else value.lower()


def email_domain(address: str) -> str | None:
    if "@" not in address:
        return None
    return address.rsplit("@", 1)[1].lower()
