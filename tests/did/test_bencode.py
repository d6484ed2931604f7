"""Bencode (BEP 3): round trips, canonical form, and typed errors on malformed input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from did.bencode import bdecode, bdecode_prefix, bencode
from did.errors import EncodingError

values = st.recursive(
    st.integers(min_value=-(2**63), max_value=2**63) | st.binary(max_size=40),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.binary(max_size=8), children, max_size=5),
    max_leaves=20,
)


@given(values)
def test_round_trip(value: object) -> None:
    assert bdecode(bencode(value)) == value  # type: ignore[arg-type]


def test_known_encodings() -> None:
    assert bencode({"t": b"aa", "y": "q", "q": "ping", "a": {"id": b"0" * 20}}) == (
        b"d1:ad2:id20:" + b"0" * 20 + b"e1:q4:ping1:t2:aa1:y1:qe"
    )
    assert bencode(-3) == b"i-3e"
    assert bencode([]) == b"le"
    assert bdecode_prefix(b"4:spamXYZ") == (b"spam", 6)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"i",
        b"i-0e",
        b"i03e",
        b"ie",
        b"i1x2e",
        b"5:abc",
        b"05:abcde",
        b"l",
        b"d",
        b"d1:ai1e",
        b"di1ei2ee",  # non-string key
        b"d1:bi1e1:ai2ee",  # unsorted keys
        b"d1:ai1e1:ai2ee",  # duplicate keys
        b"i1ei2e",  # trailing data
        b"x",
        b"i" + b"9" * 100 + b"e",  # absurd integer
        b"l" * 100 + b"e" * 100,  # nesting bomb
        b"99999999999999999999:x",
    ],
)
def test_malformed_is_typed_error(data: bytes) -> None:
    with pytest.raises(EncodingError):
        bdecode(data)


@given(st.binary(max_size=64))
def test_random_bytes_never_escape_untyped(data: bytes) -> None:
    try:
        bdecode(data)
    except EncodingError:
        pass


def test_unencodable_types() -> None:
    with pytest.raises(EncodingError):
        bencode(True)
    with pytest.raises(EncodingError):
        bencode(1.5)  # type: ignore[arg-type]
    with pytest.raises(EncodingError):
        bencode({1: 2})  # type: ignore[dict-item]
