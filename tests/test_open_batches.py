"""``open_group_batches``: a group streamed row group by row group, with every check of
``open_package`` made before its rows are used."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from secure_exchange import package as pkg
from secure_exchange.errors import PackageError, VerificationError
from tests.support import Parties, groups
from tests.test_package_hardening import _bomb, _Forge, _parquet, _seal, _verify


@pytest.fixture
def small_row_groups(monkeypatch: pytest.MonkeyPatch) -> int:
    """Row groups of two rows, so a five-row group comes in three pieces."""
    monkeypatch.setattr("secure_exchange.package.parts.ROW_GROUP_ROWS", 2)
    return 2


def test_batches_are_the_row_groups_and_add_up_to_the_opened_table(
    parties: Parties, tmp_path: Path, small_row_groups: int
) -> None:
    sealed = _seal(parties, tmp_path)
    checked = _verify(parties, sealed.path)
    readers = [parties.scoring.age_identity]
    batches = list(pkg.open_group_batches(checked, readers, "scoring"))
    assert [b.num_rows for b in batches] == [2, 2, 1]
    whole = pkg.open_package(checked, readers, ["scoring"])["scoring"]
    assert pa.concat_tables(batches).equals(whole)
    assert whole.equals(groups()["scoring"])
    again = list(pkg.open_group_batches(checked, readers, "scoring"))  # the file read again
    assert pa.concat_tables(again).equals(whole)


def test_only_the_columns_asked_for_are_decoded(parties: Parties, tmp_path: Path) -> None:
    checked = _verify(parties, _seal(parties, tmp_path).path)
    batches = pkg.open_group_batches(
        checked, [parties.scoring.age_identity], "evaluations", columns=["subject", "code"]
    )
    table = pa.concat_tables(list(batches))
    assert table.column_names == ["subject", "code"]
    assert table.equals(groups()["evaluations"].select(["subject", "code"]))


def test_a_group_the_key_may_not_read_or_the_package_lacks_is_refused_at_once(
    parties: Parties, tmp_path: Path
) -> None:
    checked = _verify(parties, _seal(parties, tmp_path).path)
    with pytest.raises(PackageError, match="identity"):
        pkg.open_group_batches(checked, [parties.scoring.age_identity], "identity")
    with pytest.raises(PackageError) as info:
        pkg.open_group_batches(checked, [parties.scoring.age_identity], "decisions")
    assert info.value.key == "package.group_missing"


def test_a_part_swapped_after_verification_yields_no_row(parties: Parties, tmp_path: Path) -> None:
    sealed = _seal(parties, tmp_path / "a")
    other = _seal(parties, tmp_path / "b", {**groups(), "scoring": groups(3)["scoring"]})
    checked = _verify(parties, sealed.path)
    part = next(sealed.path.glob("scoring-*.age"))
    part.write_bytes(next(other.path.glob("scoring-*.age")).read_bytes())  # valid age
    stream = pkg.open_group_batches(checked, [parties.scoring.age_identity], "scoring")
    with pytest.raises(VerificationError) as info:
        next(stream)
    assert info.value.check == "hashes"


def test_a_bomb_is_refused_by_its_footer_or_its_decoded_size(
    parties: Parties, tmp_path: Path
) -> None:
    rows = 600_000
    forge = _Forge.of(parties, _seal(parties, tmp_path))
    forge.part("scoring", _parquet(_bomb(rows), row_group_size=65_536), rows)
    checked = _verify(parties, pkg.MemoryReader(forge.resign()))
    seen: list[int] = []

    def count_rows() -> None:
        for batch in pkg.open_group_batches(checked, [parties.scoring.age_identity], "scoring"):
            seen.append(batch.num_rows)

    with pytest.raises(VerificationError) as info:
        count_rows()
    assert info.value.key == "package.part_too_large"
    assert sum(seen) < rows  # stopped once the budget was passed, not after decoding it all
