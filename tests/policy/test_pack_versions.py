"""Choosing the pack version in force when an item happened."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from aupguard.policy import Pack, analyze_text, select_pack
from aupguard.policy.loader import DEFAULT_PACK

PACK_TEXT = (Path(__file__).resolve().parents[2] / "src" / "aupguard" / "policy" / DEFAULT_PACK).read_text(
    encoding="utf-8"
)


def version(effective: str, *, pack_id: str = "iasb-401.13") -> Pack:
    text = PACK_TEXT.replace("effective: 2023-01-25\n", f"effective: {effective}\n")
    text = text.replace('version: "2023-01-25"', f'version: "{effective}"')
    text = text.replace("id: iasb-401.13\n", f"id: {pack_id}\n")
    pack, problems = analyze_text(text)
    assert pack is not None, problems
    return pack


@pytest.fixture
def versions() -> list[Pack]:
    # Deliberately unordered: a workspace keeps them in whatever order they were added.
    return [version("2023-01-25"), version("2015-09-23"), version("2024-07-01")]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2016, 3, 1, tzinfo=UTC), "2015-09-23"),
        # Effective dates are local (America/Chicago, UTC-6 in January): 05:59 UTC is still the 24th.
        (datetime(2023, 1, 25, 5, 59, tzinfo=UTC), "2015-09-23"),
        (datetime(2023, 1, 25, 6, 0, tzinfo=UTC), "2023-01-25"),
        (datetime(2024, 6, 30, 12, 0, tzinfo=UTC), "2023-01-25"),
        (datetime(2024, 7, 1, 5, 0, tzinfo=UTC), "2024-07-01"),  # CDT, UTC-5
        (datetime(2030, 1, 1), "2024-07-01"),  # naive = UTC
    ],
)
def test_version_in_force(versions: list[Pack], at: datetime, expected: str) -> None:
    chosen = select_pack(versions, at)
    assert chosen is not None and chosen.version == expected


def test_before_the_first_version_nothing_is_in_force(versions: list[Pack]) -> None:
    assert select_pack(versions, datetime(2015, 9, 22, tzinfo=UTC)) is None
    assert select_pack([], datetime(2024, 1, 1, tzinfo=UTC)) is None


def test_versions_of_different_packs_are_refused() -> None:
    with pytest.raises(ValueError, match="different packs"):
        select_pack([version("2023-01-25"), version("2024-07-01", pack_id="other-pack")], datetime(2025, 1, 1))


def test_two_versions_on_the_same_day_are_ambiguous() -> None:
    twins = [version("2024-07-01"), version("2024-07-01")]
    with pytest.raises(ValueError, match="same time"):
        select_pack(twins, datetime(2025, 1, 1, tzinfo=UTC))


def test_effective_instant_is_local_midnight() -> None:
    pack = version("2023-01-25")
    assert pack.effective_from.astimezone(UTC) == datetime(2023, 1, 25, 6, 0, tzinfo=UTC)
