"""URL categories from UT1-format lists (`<category>/domains`, `<category>/urls`), the format
squidGuard and e2guardian read. A domain entry matches the domain and every subdomain; a url
entry matches a host and path prefix. A small social-networking list ships in
`posture/data/categories/`; a district points `settings.posture.web.categories_path` at a full
UT1 download for the rest. Lists are read from disk only: nothing is downloaded.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

BUNDLED = Path(str(files("aupguard.posture") / "data" / "categories"))


class Categorizer:
    def __init__(self) -> None:
        self.domains: dict[str, str] = {}  # domain -> category
        self.urls: dict[str, list[tuple[str, str]]] = {}  # host -> [(path prefix, category)]

    @classmethod
    def load(cls, categories: list[str], roots: list[Path]) -> Categorizer:
        """Lists of the named categories from each root that has them (bundled first)."""
        cat = cls()
        for root in roots:
            for name in categories:
                folder = root / name
                cat._read(folder / "domains", name, is_url=False)
                cat._read(folder / "urls", name, is_url=True)
        return cat

    def _read(self, path: Path, category: str, *, is_url: bool) -> None:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        for line in text.splitlines():
            entry = line.strip().lower()
            if not entry or entry.startswith("#"):
                continue
            if is_url:
                host, _, rest = entry.partition("/")
                self.urls.setdefault(host.removeprefix("www."), []).append(("/" + rest, category))
            else:
                self.domains.setdefault(entry, category)

    def categorize(self, host: str, path: str = "/") -> tuple[str, str] | None:
        """(category, the listed domain that matched) for a lower-case host, or None."""
        if self.urls:
            prefixes = self.urls.get(host.removeprefix("www."))
            if prefixes:
                for prefix, category in prefixes:
                    if path.startswith(prefix):
                        return category, host
        domains = self.domains
        h = host
        while True:
            found = domains.get(h)
            if found is not None:
                return found, h
            dot = h.find(".")
            if dot < 0:
                return None
            h = h[dot + 1 :]

    def __len__(self) -> int:
        return len(self.domains) + sum(len(v) for v in self.urls.values())
