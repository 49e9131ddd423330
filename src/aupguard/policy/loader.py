"""Load and validate policy packs (YAML), reporting every problem with its line.

`load_pack` returns a Pack or raises PackError; `check_pack` returns the problems of a file
(errors and warnings) for `aupguard policy check FILE`. Both parse once with PyYAML, keep the
composed node tree so that pydantic error locations and cross-check paths map back to lines.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from aupguard.policy.crosscheck import cross_check, suggest
from aupguard.policy.problems import NodeLocator, PackError, PackProblem, format_path
from aupguard.policy.schema import PATTERN_HELP, Pack

DEFAULT_PACK = "packs/iasb-401.13.yaml"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


# libyaml's parser when PyYAML was built with it (the wheels are): the pack is read by every
# command and every scan, and the pure-Python parser took about 0.13 s of each read. Both give
# the same nodes, with the same line marks.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PackYamlLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that leaves dates as strings, so that pydantic validates them.

    PyYAML itself would turn 2015-13-40 into an exception without a location; as a string it
    reaches the schema and comes back as "adopted '2015-13-40' is not a date" on its line.
    """


_PackYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# ----------------------------------------------------------------------------- public API


def load_pack(path: str | Path | None = None) -> Pack:
    """The pack in `path`, or the packaged default (IASB 401.13 / 401.13R1) when None."""
    if path is None:
        source, text = f"{DEFAULT_PACK} (packaged)", _default_text()
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PackError(source, [PackProblem(0, 0, "", f"cannot read {source}: {exc}")]) from exc
    pack, problems = analyze_text(text)
    errors = [p for p in problems if p.level == "error"]
    if pack is None or errors:
        raise PackError(source, errors)
    return pack


@functools.cache
def default_pack() -> Pack:
    """The packaged default pack, loaded once (Pack is immutable)."""
    return load_pack(None)


def check_pack(path: str | Path) -> list[PackProblem]:
    """Every problem in the pack file, errors and warnings, in line order."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [PackProblem(0, 0, "", f"cannot read {path}: {exc}")]
    return analyze_text(text)[1]


def analyze_text(text: str) -> tuple[Pack | None, list[PackProblem]]:
    """Parse, validate and cross-check pack YAML; the Pack is None when there are errors."""
    data, root, problems = _parse(text)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        return None, [PackProblem(1, 1, "", "a policy pack must be a YAML mapping (id:, title:, documents:, ...)")]
    locate = NodeLocator(root).find
    pack: Pack | None = None
    try:
        pack = Pack.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            line, column = locate(error["loc"])
            path = format_path([p for p in error["loc"] if isinstance(p, str | int)])
            problems.append(PackProblem(line, column, path, _describe(error, data)))
    problems.extend(cross_check(data, locate))
    problems.sort(key=lambda p: (p.line, p.column))
    if any(p.level == "error" for p in problems):
        pack = None
    return pack, problems


# ----------------------------------------------------------------------------- YAML


def _default_text() -> str:
    return resources.files("aupguard.policy").joinpath(DEFAULT_PACK).read_text(encoding="utf-8")


def _parse(text: str) -> tuple[Any, yaml.Node | None, list[PackProblem]]:
    loader = _PackYamlLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None, [PackProblem(1, 1, "", "the file is empty")]
        problems = _duplicate_keys(root)
        data = loader.construct_document(root)
        return data, root, problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, None, [PackProblem(line, column, "", f"YAML syntax error: {what}")]
    except yaml.YAMLError as exc:
        return None, None, [PackProblem(0, 0, "", f"YAML error: {exc}")]
    finally:
        loader.dispose()


def _duplicate_keys(root: yaml.Node) -> list[PackProblem]:
    """PyYAML keeps the last of two equal keys silently; a pack editor must hear about it."""
    problems: list[PackProblem] = []
    stack, visited = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    if key.value in first:
                        problems.append(
                            PackProblem(
                                key.start_mark.line + 1,
                                key.start_mark.column + 1,
                                key.value,
                                f"duplicate key '{key.value}' (first at line {first[key.value]}); "
                                "the later one would silently win",
                            )
                        )
                    else:
                        first[key.value] = key.start_mark.line + 1
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return problems


# ----------------------------------------------------------------------------- error messages


def _owner(data: dict[str, Any], loc: Sequence[Any]) -> tuple[str, int]:
    """Name the rule, clause or permission kind an error is inside, and how much of loc that is."""

    def at(*path: Any) -> Any:
        node: Any = data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    if len(loc) >= 2 and loc[0] in ("rules", "permission_kinds") and isinstance(loc[1], int):
        label = "rule" if loc[0] == "rules" else "permission kind"
        return f"{label} '{at(loc[0], loc[1], 'id')}'", 2
    if len(loc) >= 6 and loc[0] == "documents" and loc[2] == "sections" and loc[4] == "clauses":
        return f"clause '{at(*loc[:6], 'id')}'", 6
    if len(loc) >= 2 and loc[0] == "documents":
        return f"document '{at(loc[0], loc[1], 'code')}'", 2
    return "", 0


def _fields_at(loc: Sequence[Any]) -> list[str]:
    """Field names of the model that `loc` points into (for 'did you mean' on unknown fields)."""
    current: Any = Pack
    for part in loc:
        current = _unwrap(current, part)
        if current is None:
            return []
    return list(current.model_fields) if _is_model(current) else []


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _unwrap(tp: Any, part: Any) -> Any:
    if _is_model(tp):
        field = tp.model_fields.get(part) if isinstance(part, str) else None
        return _strip(field.annotation) if field else None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is list and isinstance(part, int):
        return _strip(args[0])
    if origin is dict and isinstance(part, str):
        return _strip(args[1])
    return None


def _strip(tp: Any) -> Any:
    """Annotated[X, ...] -> X; X | None -> X."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(rest) != 1:
                return tp
            tp = rest[0]
        else:
            return tp


def _describe(error: Any, data: dict[str, Any]) -> str:
    loc = [p for p in error["loc"] if isinstance(p, str | int)]
    owner, used = _owner(data, loc)
    field = format_path(loc[used:])
    who = f"{owner}: " if owner else ""
    kind, value = error["type"], error.get("input")
    shown = repr(value) if isinstance(value, str | int | float | bool) else ""
    if kind == "missing":
        parent = format_path(loc[used:-1])
        return f"{who}{parent + ': ' if parent else ''}missing required field '{loc[-1]}'"
    if kind == "extra_forbidden":
        allowed = _fields_at(loc[:-1])
        hint = suggest(str(loc[-1]), allowed) or (f" (allowed: {', '.join(allowed)})" if allowed else "")
        return f"{who}unknown field '{loc[-1]}'{hint}"
    if kind.startswith("date"):
        detail = str((error.get("ctx") or {}).get("error", "")).strip()
        return f"{who}{field} {shown} is not a date (write YYYY-MM-DD){': ' + detail if detail else ''}"
    if kind == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern", "")
        return f"{who}{field} {shown} is not {PATTERN_HELP.get(pattern, f'in the form {pattern}')}"
    if kind == "string_type" and isinstance(value, int | float):
        return f"{who}{field} {shown} must be text: put it in quotes (YAML reads it as a number)"
    message = str(error["msg"]).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    subject = " ".join(part for part in (field, shown) if part)
    return f"{who}{subject + ': ' if subject else ''}{message}"
