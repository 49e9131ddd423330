"""Checks that span the pack: references between its parts and to the detector registry.

They run on the parsed YAML data (not the validated model) so that a district sees every
broken reference in one run, even while some other field still fails the schema. Each check
tolerates wrong types: the schema check reports those.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

from aupguard.detectors.kinds import SIGNAL_KINDS, signal_matches
from aupguard.detectors.language import settings_check as content_settings
from aupguard.detectors.registry import BUILTIN
from aupguard.policy.problems import FieldPath, PackProblem, format_path
from aupguard.posture.kinds import POSTURE_SIGNAL_KINDS

Locate = Callable[[FieldPath], tuple[int, int]]

# Roles a directory Person may hold (aupguard.model.Person.roles): approvers and reviewers.
DIRECTORY_ROLES = (
    "principal",
    "superintendent",
    "designee",
    "technology_director",
    "technology_integrationist",
    "records_custodian",
    "coach",
    "sponsor",
    "teacher",
    "board_president",
)
# Reviewer values the engine can route when a pack defines no `settings.reviewers`.
DEFAULT_REVIEWERS = (
    "principal",
    "superintendent",
    "technology_director",
    "technology_integrationist",
    "records_custodian",
)
# Clause kinds that state something a person must or must not do: each needs a rule or a reason.
_OBLIGATIONS = ("duty", "prohibition")


def suggest(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _strings(value: Any) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, str):
                yield i, item


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class CrossChecker:
    def __init__(self, data: dict[str, Any], locate: Locate) -> None:
        self.data = data
        self.locate = locate
        self.problems: list[PackProblem] = []
        self.clauses: dict[str, dict[str, Any]] = {}  # canonical id -> raw clause
        self.aliases: dict[str, str] = {}
        self.cited: set[str] = set()

    def run(self) -> list[PackProblem]:
        self.check_documents()
        self.check_references()
        self.check_permission_kinds()
        self.check_settings()
        from aupguard.posture.settings import check_posture_settings  # imports policy.problems: not at top

        self.problems.extend(check_posture_settings(self.data, self.locate))
        from aupguard.gateway.settings import check_gateway_settings  # imports policy.problems too

        self.problems.extend(check_gateway_settings(self.data, self.locate))
        self.check_rules()
        self.check_coverage()
        return self.problems

    # ------------------------------------------------------------------ helpers

    def report(self, path: FieldPath, message: str, level: Literal["error", "warning"] = "error") -> None:
        line, column = self.locate(path)
        self.problems.append(PackProblem(line, column, format_path(path), message, level))

    def canonical(self, clause_id: str) -> str:
        code, sep, rest = clause_id.partition("/")
        return f"{self.aliases.get(code, code)}{sep}{rest}"

    def check_clause_ref(self, path: FieldPath, owner: str, clause_id: Any) -> None:
        if not isinstance(clause_id, str):
            return
        canonical = self.canonical(clause_id)
        if canonical in self.clauses:
            self.cited.add(canonical)
            return
        hint = suggest(canonical, self.clauses)
        self.report(path, f"{owner} names unknown clause '{clause_id}'{hint}")

    def first_seen(self, seen: dict[str, FieldPath], key: str, path: FieldPath, what: str) -> None:
        if key in seen:
            line = self.locate(seen[key])[0]
            self.report(path, f"duplicate {what} '{key}' (first defined at line {line})")
        else:
            seen[key] = path

    # ------------------------------------------------------------------ policy text

    def check_documents(self) -> None:
        codes: dict[str, FieldPath] = {}
        clause_paths: dict[str, FieldPath] = {}
        for d, doc in _items(self.data.get("documents")):
            code = doc.get("code")
            if not isinstance(code, str):
                continue
            self.first_seen(codes, code, ("documents", d, "code"), "document code")
            for a, alias in _strings(doc.get("aliases")):
                if alias in codes or alias in self.aliases:
                    self.report(("documents", d, "aliases", a), f"alias '{alias}' is already a code or alias")
                self.aliases[alias] = code
            slugs: dict[str, FieldPath] = {}
            for s, section in _items(doc.get("sections")):
                slug = section.get("slug")
                if not isinstance(slug, str):
                    continue
                self.first_seen(slugs, slug, ("documents", d, "sections", s, "slug"), f"section in {code}")
                for c, clause in _items(section.get("clauses")):
                    cid = clause.get("id")
                    path: FieldPath = ("documents", d, "sections", s, "clauses", c, "id")
                    if not isinstance(cid, str):
                        continue
                    prefix = f"{code}/{slug}/"
                    if not cid.startswith(prefix) or "/" in cid[len(prefix) :]:
                        self.report(
                            path, f"clause '{cid}' is in section '{slug}' of {code}: its id must start with '{prefix}'"
                        )
                    self.first_seen(clause_paths, cid, path, "clause id")
                    self.clauses.setdefault(cid, clause)

    def check_references(self) -> None:
        for d, doc in _items(self.data.get("documents")):
            for n, note in _items(doc.get("annotations")):
                for c, cid in _strings(note.get("clauses")):
                    path = ("documents", d, "annotations", n, "clauses", c)
                    self.check_clause_ref(path, f"annotation '{note.get('mark')}'", cid)
        for r, ref in _items(self.data.get("cross_references")):
            if "clause" in ref:
                self.check_clause_ref(
                    ("cross_references", r, "clause"), f"cross reference '{ref.get('code')}'", ref["clause"]
                )

    # ------------------------------------------------------------------ permissions and settings

    def permission_ids(self) -> set[str]:
        return {k["id"] for _, k in _items(self.data.get("permission_kinds")) if isinstance(k.get("id"), str)}

    def reviewer_ids(self) -> set[str]:
        reviewers = _dict(_dict(self.data.get("settings")).get("reviewers"))
        return set(reviewers) if reviewers else set(DEFAULT_REVIEWERS)

    def check_permission_kinds(self) -> None:
        seen: dict[str, FieldPath] = {}
        for k, kind in _items(self.data.get("permission_kinds")):
            kid = kind.get("id")
            if not isinstance(kid, str):
                continue
            self.first_seen(seen, kid, ("permission_kinds", k, "id"), "permission kind")
            owner = f"permission kind '{kid}'"
            self.check_clause_ref(("permission_kinds", k, "clause"), owner, kind.get("clause"))
            for a, role in _strings(kind.get("approver_roles")):
                if role not in DIRECTORY_ROLES:
                    hint = suggest(role, DIRECTORY_ROLES)
                    self.report(
                        ("permission_kinds", k, "approver_roles", a),
                        f"{owner} names unknown approver role '{role}'{hint}",
                    )
            fields: dict[str, FieldPath] = {}
            for f, field in _items(kind.get("form")):
                if isinstance(field.get("id"), str):
                    self.first_seen(
                        fields, field["id"], ("permission_kinds", k, "form", f, "id"), f"form field of {owner}"
                    )

    def check_settings(self) -> None:
        settings = _dict(self.data.get("settings"))
        for name in _dict(settings.get("detectors")):
            if name not in BUILTIN:
                self.report(
                    ("settings", "detectors", name), f"settings name unknown detector '{name}'{suggest(name, BUILTIN)}"
                )
        content_settings.check(_dict(settings.get("detectors")), self.report)
        reviewers = _dict(settings.get("reviewers"))
        for key, role in reviewers.items():
            for subject_role, target in _dict(_dict(role).get("escalate")).items():
                if target not in reviewers:
                    path: FieldPath = ("settings", "reviewers", key, "escalate", subject_role)
                    self.report(
                        path,
                        f"reviewer '{key}' escalates to unknown reviewer '{target}'{suggest(str(target), reviewers)}",
                    )
            for a, drole in _strings(_dict(role).get("directory_roles")):
                if drole not in DIRECTORY_ROLES:
                    path = ("settings", "reviewers", key, "directory_roles", a)
                    self.report(
                        path,
                        f"reviewer '{key}' names unknown directory role '{drole}'{suggest(drole, DIRECTORY_ROLES)}",
                    )

    # ------------------------------------------------------------------ rules

    def check_rules(self) -> None:
        self.cited.clear()  # only rules count as covering a clause
        seen: dict[str, FieldPath] = {}
        permissions = self.permission_ids()
        reviewers = self.reviewer_ids()
        for r, rule in _items(self.data.get("rules")):
            rid = rule.get("id")
            owner = f"rule '{rid}'"
            if isinstance(rid, str):
                self.first_seen(seen, rid, ("rules", r, "id"), "rule id")
            self.check_clause_ref(("rules", r, "clause"), owner, rule.get("clause"))
            clause = self.clauses.get(self.canonical(str(rule.get("clause"))))
            if clause is not None and clause.get("checkable") is False:
                self.report(
                    ("rules", r, "clause"),
                    f"{owner} cites clause '{rule['clause']}', which says checkable: false",
                    "warning",
                )
            reviewer = rule.get("reviewer")
            if isinstance(reviewer, str) and reviewer not in reviewers:
                self.report(
                    ("rules", r, "reviewer"),
                    f"{owner} names unknown reviewer '{reviewer}'{suggest(reviewer, reviewers)}",
                )
            for c, kind in _strings(rule.get("covered_by")):
                if kind not in permissions:
                    hint = suggest(kind, permissions)
                    self.report(("rules", r, "covered_by", c), f"{owner} names unknown permission kind '{kind}'{hint}")
            if rule.get("status") == "active":
                self.check_rule_signals(r, owner, rule)
            self.check_examples(r, owner, rule)

    def check_rule_signals(self, r: int, owner: str, rule: dict[str, Any]) -> None:
        # A rule names detectors (messages) or posture checks (logs and exports); both emit kinds.
        emitters = {**SIGNAL_KINDS, **POSTURE_SIGNAL_KINDS}
        names = set(BUILTIN) | set(POSTURE_SIGNAL_KINDS)
        detectors = [d for _, d in _strings(rule.get("detectors"))]
        for i, name in enumerate(detectors):
            if name not in names:
                self.report(
                    ("rules", r, "detectors", i), f"{owner} names unknown detector '{name}'{suggest(name, names)}"
                )
        known = [d for d in detectors if d in names]
        patterns = [p for _, p in _strings(rule.get("signals"))]
        for i, pattern in enumerate(patterns):
            if any(signal_matches(pattern, k) for d in known for k in emitters.get(d, ())):
                continue
            elsewhere = sorted({d for d, kinds in emitters.items() for k in kinds if signal_matches(pattern, k)})
            if elsewhere:
                hint = f" (it comes from detector {', '.join(elsewhere)}: add it to detectors)"
            else:
                all_kinds = [k for d in known for k in emitters.get(d, ())] or [
                    k for kinds in emitters.values() for k in kinds
                ]
                hint = suggest(pattern, all_kinds)
            problem = f"that {', '.join(known)} does not emit" if known else "that no known detector emits"
            self.report(("rules", r, "signals", i), f"{owner} names signal kind '{pattern}' {problem}{hint}")
        for i, name in enumerate(detectors):
            if name in emitters and not any(signal_matches(p, k) for p in patterns for k in emitters[name]):
                self.report(
                    ("rules", r, "detectors", i),
                    f"{owner} runs detector '{name}' but selects none of its signals",
                    "warning",
                )

    def check_examples(self, r: int, owner: str, rule: dict[str, Any]) -> None:
        channels = _dict(rule.get("when")).get("channel")
        if not isinstance(channels, list):
            return
        for e, example in _items(rule.get("examples")):
            channel = example.get("channel") or "email"
            if channel not in channels:
                runs_on = ", ".join(map(str, channels))
                self.report(
                    ("rules", r, "examples", e),
                    f"{owner}: example on channel '{channel}' can never fire: the rule runs only on {runs_on}",
                )

    # ------------------------------------------------------------------ coverage

    def check_coverage(self) -> None:
        for d, doc in _items(self.data.get("documents")):
            for s, section in _items(doc.get("sections")):
                for c, clause in _items(section.get("clauses")):
                    cid = clause.get("id")
                    if clause.get("kind") not in _OBLIGATIONS or clause.get("checkable") is False:
                        continue
                    if isinstance(cid, str) and cid not in self.cited:
                        self.report(
                            ("documents", d, "sections", s, "clauses", c, "id"),
                            f"clause '{cid}' is a {clause.get('kind')} that no rule cites: add a rule, "
                            "or mark it checkable: false with why",
                            "warning",
                        )


def cross_check(data: dict[str, Any], locate: Locate) -> list[PackProblem]:
    return CrossChecker(data, locate).run()
