"""Masked IDs of a whole column agree with ``mask_id`` value by value."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from secure_exchange.ledger import mask_id
from secure_exchange.station.results import masked_ids


@pytest.mark.parametrize(
    "values",
    [
        ["37082819881213657X", "370828880621575", "370828199001011234"],
        ["12345", "", " 37082819881213657X", "37082819881213657X\u3000"],
        ["370828-9881213657X", "三七〇八二八一九八八一二一三六五七X"],
        [],
    ],
)
def test_masked_ids_match_mask_id(values: list[str]) -> None:
    assert masked_ids(pa.array(values, pa.string())).to_pylist() == [mask_id(v) for v in values]


@given(st.lists(st.text(min_size=0, max_size=24), max_size=8))
def test_masked_ids_match_mask_id_for_any_text(values: list[str]) -> None:
    chunked = pa.chunked_array([pa.array(values, pa.string())], pa.string())
    assert masked_ids(chunked).to_pylist() == [mask_id(v) for v in values]
