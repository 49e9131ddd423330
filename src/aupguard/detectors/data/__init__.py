"""Detector resources (lexicons, lists) kept as data files beside this module.

List files (.txt) hold one entry per line; `#` starts a comment and blank lines are ignored.
YAML files hold structured lexicons. Every file opens with a comment header naming its source
and intent. Districts extend these through per-detector settings in their policy pack rather
than by editing the files.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def read_list(name: str) -> tuple[str, ...]:
    """The entries of data file `name`, in file order, comments and blank lines removed."""
    entries = []
    for line in _text(name).splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            entries.append(entry)
    return tuple(entries)


def read_yaml(name: str) -> Any:
    """The parsed content of YAML data file `name` (a fresh copy: callers may mutate it)."""
    return yaml.safe_load(_text(name))


def _text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
