"""The registry of built-in detectors. Adding a detector = one module + one line here."""

from __future__ import annotations

import importlib

from aupguard.detectors.base import Detector

# name -> "module:Class"; imported lazily so `aupguard --help` stays fast.
BUILTIN: dict[str, str] = {
    "student_info": "aupguard.detectors.student_info:StudentInfoDetector",
    "personal_info": "aupguard.detectors.personal_info:PersonalInfoDetector",
    "sender_identity": "aupguard.detectors.sender_identity:SenderIdentityDetector",
    "software_transfer": "aupguard.detectors.software_transfer:SoftwareTransferDetector",
    "offensive_language": "aupguard.detectors.offensive_language:OffensiveLanguageDetector",
    "sexual_content": "aupguard.detectors.sexual_content:SexualContentDetector",
    "commercial": "aupguard.detectors.commercial:CommercialDetector",
    "credentials": "aupguard.detectors.credentials:CredentialsDetector",
    "contact_channel": "aupguard.detectors.contact_channel:ContactChannelDetector",
    "group_text": "aupguard.detectors.group_text:GroupTextDetector",
    "social_media": "aupguard.detectors.social_media:SocialMediaDetector",
}

_cache: dict[str, Detector] = {}


def names() -> list[str]:
    return sorted(BUILTIN)


def get(name: str) -> Detector:
    if name not in BUILTIN:
        raise KeyError(f"unknown detector {name!r}; known: {', '.join(names())}")
    if name not in _cache:
        module, _, cls = BUILTIN[name].partition(":")
        _cache[name] = getattr(importlib.import_module(module), cls)()
    return _cache[name]


def all_detectors() -> list[Detector]:
    return [get(n) for n in names()]
