"""RFC 8785 canonicalization used by eddsa-jcs-2022: the fast serializer equals the rfc8785 package."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials import errors, jcs

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_json)
def test_equals_rfc8785(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(errors.InvalidJsonLd):
            jcs.dumps(value)
        return
    assert jcs.dumps(value) == expected


def test_rfc8785_edge_cases() -> None:
    # §3.2.3: member names sort by UTF-16 code units (astral plane before U+E000..U+FFFF)
    value = {"\ue000": 1, "\U0001f600": 2, "a": 3, "\x7f": 4, "\u20ac": 5}
    assert jcs.dumps(value) == rfc8785.dumps(value)
    assert jcs.dumps({"s": '\u2028\x1f"\\\t'}) == rfc8785.dumps({"s": '\u2028\x1f"\\\t'})
    assert jcs.dumps([2**53 - 1, -(2**53 - 1), 1.5e300, 0.1]) == rfc8785.dumps([2**53 - 1, -(2**53 - 1), 1.5e300, 0.1])
    for bad in (2**60, float("nan"), {"\ud800": 1}, {1: 2}, object()):
        with pytest.raises(errors.InvalidJsonLd):
            jcs.dumps(bad)
