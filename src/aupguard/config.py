"""The one settings registry. Every setting is an environment variable AUPGUARD_<NAME>.

docs/configuration.md is generated from SETTINGS (a test fails when a setting is undocumented),
so add a setting here, with its help text, and nowhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str  # environment variable, without the AUPGUARD_ prefix
    default: str | None
    help: str

    @property
    def env(self) -> str:
        return f"AUPGUARD_{self.name}"


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting(
            "HOME",
            "./aupguard-data",
            "Workspace folder: the SQLite database (aupguard.db), the archive folder and workspace.yaml. "
            "The --home option overrides it.",
        ),
        Setting(
            "DATABASE_URL",
            None,
            "SQLAlchemy URL of the database. Default: SQLite file aupguard.db in the workspace. "
            "Production: postgresql+psycopg://user:pass@host/db (install the `postgres` extra).",
        ),
        Setting(
            "WORKERS",
            None,
            "Processes used to parse and scan. Default: the number of CPU cores. 1 scans in-process.",
        ),
        Setting(
            "POLICY_PACK",
            None,
            "Path to a district's edited policy pack YAML. Default: the pack stored in the workspace by "
            "`aupguard init` (a copy of the bundled 401.13 pack).",
        ),
        Setting(
            "ARCHIVE_URL",
            None,
            "Where the archive keeps original bytes. Default: the workspace's archive folder. "
            "s3://bucket/prefix keeps them in an S3-compatible bucket (install the `s3` extra).",
        ),
        Setting(
            "S3_ENDPOINT_URL",
            None,
            "Endpoint of an S3-compatible service other than AWS (MinIO, Ceph, ...), e.g. http://minio:9000.",
        ),
        Setting(
            "GATEWAY_NEXT_HOP",
            "127.0.0.1:10026",
            "Where released held mail and rejection notices are sent: Postfix's re-injection smtpd (host:port).",
        ),
        Setting(
            "GATEWAY_NOTICE_FROM",
            None,
            "From address of the notice a sender gets when held mail is rejected. Default: postmaster@<host name>.",
        ),
        Setting(
            "REGION",
            "US",
            "Default country for phone numbers written without a country code (ISO 3166 code).",
        ),
    ]
}


def get(name: str, override: str | None = None) -> str | None:
    """The value of a setting: an explicit override, else the environment, else the default."""
    if override is not None:
        return override
    setting = SETTINGS[name]
    return os.environ.get(setting.env, setting.default)


def home(override: str | Path | None = None) -> Path:
    value = get("HOME", str(override) if override is not None else None)
    assert value is not None
    return Path(value).expanduser().resolve()


def database_url(workspace: Path) -> str:
    url = get("DATABASE_URL")
    return url if url else f"sqlite:///{workspace / 'aupguard.db'}"


def workers() -> int:
    value = get("WORKERS")
    if value:
        try:
            return max(1, int(value))
        except ValueError as exc:
            raise ValueError(f"AUPGUARD_WORKERS must be a whole number, not {value!r}") from exc
    return os.cpu_count() or 1
