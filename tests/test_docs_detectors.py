"""docs/detectors.md keeps up with the detectors: every registered detector has a section, and
that section names each signal kind the detector declares, each settings key its code reads and
the clause of each active pack rule that uses it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml

from aupguard.detectors import registry

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "detectors.md"
PACK = ROOT / "src" / "aupguard" / "policy" / "packs" / "iasb-401.13.yaml"

# How the detectors read their settings (all three styles occur):
#   settings.get("threshold", ...)                          the dict from ctx.settings_for(name)
#   ctx.settings_for(self.name).get("email_group_kinds")    read in place
#   _strings(settings, "district_phones")                   passed to a small helper with the key
#   settings["key"]                                         plain indexing
SETTINGS_KEY = re.compile(r"""\bsettings(?:_for\([^()]*\))?\s*(?:\.get\(\s*|\[\s*|,\s*)["'](?P<key>[A-Za-z_]\w*)["']""")
# Helper modules a detector imports from its own package may read its settings for it
# (student_info hands its settings to student_roster.RosterOptions.from_settings).
SIBLING_IMPORT = re.compile(r"^from aupguard\.detectors\.(\w+) import", re.MULTILINE)
NOT_HELPERS = {"base", "registry", "kinds", "data"}


def detector_sources(name: str) -> list[str]:
    """The source of the detector's module and of the sibling modules it imports."""
    module = importlib.import_module(registry.BUILTIN[name].partition(":")[0])
    assert module.__file__ is not None
    main = Path(module.__file__).read_text(encoding="utf-8")
    helpers = [m for m in dict.fromkeys(SIBLING_IMPORT.findall(main)) if m not in NOT_HELPERS]
    folder = Path(module.__file__).parent
    return [main] + [(folder / f"{h}.py").read_text(encoding="utf-8") for h in helpers]


def settings_keys(sources: list[str]) -> set[str]:
    return {m.group("key") for source in sources for m in SETTINGS_KEY.finditer(source)}


def section(doc: str, name: str) -> str | None:
    """The text under the `## `name`` heading, up to the next level-2 heading."""
    m = re.search(rf"^## `{re.escape(name)}`[ \t]*$(?P<body>.*?)(?=^## |\Z)", doc, re.MULTILINE | re.DOTALL)
    return m.group("body") if m else None


def active_clauses(name: str) -> set[str]:
    pack = yaml.safe_load(PACK.read_text(encoding="utf-8"))
    return {
        rule["clause"] for rule in pack["rules"] if rule.get("status") == "active" and name in rule.get("detectors", [])
    }


def problems(doc: str, name: str) -> list[str]:
    """What docs/detectors.md fails to say about detector `name` (empty when complete)."""
    body = section(doc, name)
    if body is None:
        return [f"no section headed '## `{name}`'"]
    out = [f"signal kind `{k}` not documented" for k in registry.get(name).kinds if f"`{k}`" not in body]
    keys = sorted(settings_keys(detector_sources(name)))
    out += [f"setting `{k}` not documented" for k in keys if f"`{k}`" not in body]
    out += [f"clause {c} not cited" for c in sorted(active_clauses(name)) if c not in body]
    return out


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", registry.names())
def test_detector_is_documented(doc: str, name: str) -> None:
    assert problems(doc, name) == []


def test_no_section_for_an_unregistered_detector(doc: str) -> None:
    documented = set(re.findall(r"^## `(\w+)`", doc, re.MULTILINE))
    assert documented == set(registry.names())


def test_settings_regex_reads_every_style() -> None:
    source = """
        threshold = float(settings.get("threshold", 0.95))
        kinds = ctx.settings_for(self.name).get('email_group_kinds', ["team"])
        phones = _strings(settings, "district_phones")
        region = settings["region"]
        name = other.get("not_a_setting")
    """
    assert settings_keys([source]) == {"threshold", "email_group_kinds", "district_phones", "region"}


def test_settings_are_found_in_the_real_modules() -> None:
    # Guards against the regex silently matching nothing after a refactor of how settings are read.
    assert {"district_phones", "region"} <= settings_keys(detector_sources("personal_info"))
    assert {"common_words", "building_aliases", "max_candidates"} <= settings_keys(detector_sources("student_info"))
    assert "email_group_kinds" in settings_keys(detector_sources("group_text"))


@pytest.mark.parametrize("name", ["commercial", "student_info"])
def test_a_deleted_section_or_setting_is_caught(doc: str, name: str) -> None:
    body = section(doc, name)
    assert body is not None
    assert problems(doc.replace(body, "\n"), name)  # section emptied
    assert problems(doc.replace(f"## `{name}`", "## removed"), name)  # heading gone
    key = sorted(settings_keys(detector_sources(name)))[0]
    assert problems(doc.replace(f"`{key}`", "a key"), name) == [f"setting `{key}` not documented"]
