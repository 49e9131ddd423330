"""A workspace: one folder holding the database, the archive and the district's policy pack."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from aupguard import config
from aupguard.archive.blobs import BlobStore
from aupguard.directory.index import Directory
from aupguard.engine import RuleSet, compile_pack
from aupguard.store import db, directory_repo


class WorkspaceError(Exception):
    """A problem the admin can fix (no workspace here, database out of date, ...)."""


@dataclass
class Workspace:
    root: Path
    _engine: Engine | None = field(default=None, repr=False)
    # path -> (sha256 of the file, Pack): a pack is parsed and validated again only when its file
    # changes, so one command (or the long-running console) does not parse it per call. The
    # content, not the mtime, decides: two edits within the clock's tick must not look alike.
    _pack_cache: dict[Path, tuple[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def db_url(self) -> str:
        return config.database_url(self.root)

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def policy_dir(self) -> Path:
        return self.root / "policy"

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = db.make_engine(self.db_url)
        return self._engine

    @cached_property
    def blobs(self) -> BlobStore:
        return BlobStore.configured(self.archive_dir)  # folder, or AUPGUARD_ARCHIVE_URL

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def init(cls, home: str | Path | None = None) -> Workspace:
        """Create (or bring up to date) a workspace; safe to run twice."""
        from aupguard.policy.loader import DEFAULT_PACK

        root = config.home(home)
        root.mkdir(parents=True, exist_ok=True)
        ws = cls(root)
        ws.archive_dir.mkdir(exist_ok=True)
        ws.policy_dir.mkdir(exist_ok=True)
        if not any(ws.policy_dir.glob("*.yaml")):
            # The district's own copy, which it may edit and check with `aupguard policy check`.
            default = files("aupguard.policy").joinpath(DEFAULT_PACK)
            (ws.policy_dir / Path(DEFAULT_PACK).name).write_text(default.read_text(encoding="utf-8"), encoding="utf-8")
        db.upgrade(ws.engine)
        return ws

    @classmethod
    def open(cls, home: str | Path | None = None) -> Workspace:
        root = config.home(home)
        ws = cls(root)
        if not root.is_dir() or not ws.policy_dir.is_dir():
            raise WorkspaceError(
                f"no aupguard workspace at {root}. Run `aupguard init` (or `aupguard demo`) first, "
                "or point AUPGUARD_HOME / --home at an existing one."
            )
        if not db.is_current(ws.engine):
            db.upgrade(ws.engine)
        return ws

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if "blobs" in self.__dict__:  # opened: let go of its catalog and pack
            self.blobs.close()

    # ------------------------------------------------------------------ policy

    def pack_paths(self) -> list[Path]:
        override = config.get("POLICY_PACK")
        if override:
            return [Path(override)]
        return sorted(self.policy_dir.glob("*.yaml"))

    def packs(self) -> list[Any]:
        from aupguard.policy.loader import load_pack
        from aupguard.policy.problems import PackError

        packs = []
        for path in self.pack_paths():
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                digest = ""  # load_pack reports the file it cannot read
            cached = self._pack_cache.get(path)
            if digest and cached is not None and cached[0] == digest:
                packs.append(cached[1])
                continue
            try:
                pack = load_pack(path)
            except PackError as exc:
                raise WorkspaceError(f"policy pack {path} is not valid:\n{exc}") from exc
            if digest:
                self._pack_cache[path] = (digest, pack)
            packs.append(pack)
        if not packs:
            raise WorkspaceError(f"no policy pack in {self.policy_dir}; run `aupguard init`")
        return packs

    def current_pack(self) -> Any:
        return max(self.packs(), key=lambda p: p.effective)

    def rulesets(self) -> list[RuleSet]:
        return [compile_pack(p) for p in self.packs()]

    def directory(self) -> Directory:
        return directory_repo.load(self.engine)
