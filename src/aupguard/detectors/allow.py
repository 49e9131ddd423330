"""A pack's `allow` setting: phrases a detector leaves alone, found with one regex."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache


@lru_cache(maxsize=32)
def allow_pattern(
    phrases: tuple[str, ...], spell: Callable[[str], str] = re.escape, whole_words: bool = True
) -> re.Pattern[str] | None:
    """`phrases` (none blank) as one case-insensitive regex, each written by `spell` and, with
    `whole_words`, only between word boundaries; None without any. Made once per setting."""
    if not phrases:
        return None
    alternatives = "(?:" + "|".join(spell(p) for p in phrases) + ")"
    return re.compile(rf"\b{alternatives}\b" if whole_words else alternatives, re.IGNORECASE)
