"""Problems found in a policy pack, and where they are in the YAML file.

`NodeLocator` maps a field path (("rules", 3, "clause")) to the line and column of that value
in the file, using the node tree PyYAML composes (its marks carry positions). Every problem
`check_pack` reports is placed this way, so a district editing its copy is sent to the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import yaml

PathPart = str | int
FieldPath = tuple[PathPart, ...]


@dataclass(frozen=True, slots=True)
class PackProblem:
    line: int  # 1-based; 0 when the problem is not about a place in the file
    column: int  # 1-based
    path: str  # field path, e.g. "rules[3].clause"
    message: str
    level: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"

    def render(self, filename: str) -> str:
        """`FILE:LINE: LEVEL: message`, the form editors and CI logs link to."""
        return f"{filename}:{self.line}: {self.level}: {self.message}"


class PackError(ValueError):
    """A pack that failed validation; `problems` holds every error found."""

    def __init__(self, source: str, problems: list[PackProblem]) -> None:
        self.source = source
        self.problems = problems
        shown = "\n".join(p.render(source) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"policy pack {source} is not valid:\n{shown}{more}")


def format_path(path: Sequence[PathPart]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class NodeLocator:
    """Finds the YAML node for a field path; falls back to the deepest node that exists."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def find(self, path: Sequence[object]) -> tuple[int, int]:
        node = self.root
        if node is None:
            return (0, 0)
        mark = node.start_mark
        for part in path:
            child = self._child(node, part)
            if child is None:
                break  # pydantic loc parts such as union tags have no node: stop at the parent
            key_node, node = child
            # Point at "key:" rather than the value, so a nested block is reported where it starts.
            mark = (key_node or node).start_mark
        return (mark.line + 1, mark.column + 1)

    @staticmethod
    def _child(node: yaml.Node, part: object) -> tuple[yaml.Node | None, yaml.Node] | None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    return (key, value)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            return (None, node.value[part])
        return None
