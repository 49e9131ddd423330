"""The posture checks and the signal kinds each emits: what pack rules may name.

A posture check plays the part a detector plays for messages: rules name it under `detectors`
and its kinds under `signals`, and `aupguard policy check` accepts both from this table.
"""

from __future__ import annotations

POSTURE_SIGNAL_KINDS: dict[str, tuple[str, ...]] = {
    "posture_accounts": (
        "posture.password_age",
        "posture.two_factor_missing",
        "posture.admin_account",
        "posture.admin_unapproved",
        "posture.departed_active",
        "posture.dormant_account",
    ),
    "posture_duties": ("posture.duty_conflict",),
    "posture_signins": ("posture.offsite_signin", "posture.impossible_travel", "posture.concurrent_signin"),
    "posture_mailbox": ("posture.mailbox_delegation", "posture.mailbox_access"),
    "posture_web": (
        "posture.web.social.first",
        "posture.web.social.repeat",
        "posture.web.non_work.first",
        "posture.web.non_work.repeat",
    ),
    "posture_software": ("posture.software_unapproved",),
    "posture_devices": ("posture.device_unknown",),
    "posture_backups": ("posture.backup_stale", "posture.backup_failed_streak", "posture.mail_archive_gap"),
    "posture_restore": ("posture.restore_test_missing", "posture.restore_test_failed"),
    "posture_training": ("posture.training_missing", "posture.acknowledgement_missing"),
}

# What `aupguard posture import KIND` reads, per kind (posture.run.JUDGES judges each).
SOURCE_KINDS: dict[str, str] = {
    "google-users": "Google Workspace admin console 'Download users' CSV",
    "entra-users": "Microsoft Entra user registration details / users CSV",
    "platform-users": "accounts on another platform (the SIS ...) CSV: platform, email, two_factor, admin, ...",
    "google-activity": "Admin SDK Reports API activities, JSON or NDJSON",
    "entra-signins": "Microsoft Entra sign-in log CSV",
    "squid": "Squid access.log (native, common or combined)",
    "software": "MDM software inventory CSV (Intune, Jamf, plain)",
    "devices": "DHCP lease / NAC device sightings CSV",
    "duties": "duty assignments CSV (person, duty[, system])",
    "backups": "backup job report CSV or JSON",
    "restore-tests": "disaster-recovery restore tests CSV or JSON",
    "training": "training courses, assignments, completions and acknowledgements CSV",
}
