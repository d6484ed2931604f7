"""z-base-32 (the did:dht identity-key encoding): published examples, round trips, strict decoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from did import zbase32
from did.errors import EncodingError

# Examples from Zooko O'Whielacronx, "human-oriented base-32 encoding" (2002), section "Examples" (bit-length
# multiples of 8 only; the byte form is what did:dht and pkarr use).
ZOOKO = [(b"\xf0\xbf\xc7", "6n9hq"), (b"\xd4\x7a\x04", "4t7ye"), (b"\x00", "yy"), (b"\xff", "9h")]


@pytest.mark.parametrize(("raw", "text"), ZOOKO)
def test_published_examples(raw: bytes, text: str) -> None:
    assert zbase32.encode(raw) == text
    assert zbase32.decode(text) == raw


def test_did_dht_identity_key_is_52_characters() -> None:
    key = bytes.fromhex("6027076 0bdac60d3c394a6802dc126965d871f24fdebc3385166ebfbd0851961".replace(" ", ""))
    assert zbase32.encode(key) == "cyuoqaf7itop8ohww4yn5ojg13qaq83r9zihgqntc5i9zwrfdfoo"  # did:dht spec Vector 1
    assert zbase32.encoded_length(32) == 52


@given(st.binary(max_size=80))
def test_round_trip(data: bytes) -> None:
    text = zbase32.encode(data)
    assert len(text) == zbase32.encoded_length(len(data))
    assert set(text) <= set(zbase32.ALPHABET)
    assert zbase32.decode(text) == data


@given(st.text(max_size=60))
def test_decode_never_raises_anything_but_encoding_error(text: str) -> None:
    try:
        raw = zbase32.decode(text)
    except EncodingError:
        return
    assert zbase32.encode(raw) == text  # whatever decodes is the one canonical encoding


@pytest.mark.parametrize(
    "bad",
    [
        "cyuoqaf7itop8ohww4yn5ojg13qaq83r9zihgqntc5i9zwrfdfov",  # 'v' is not in the alphabet (web5-spec resolve.json)
        "CYUOQAF7ITOP8OHWW4YN5OJG13QAQ83R9ZIHGQNTC5I9ZWRFDFOO",  # upper case is not z-base-32
        "cyuoqaf7itop8ohww4yn5ojg13qaq83r9zihgqntc5i9zwrfdfo",  # 51 characters: no byte string encodes to that
        "yt",  # padding bits set: "t" = 0b10001 leaves a non-zero low bit after the single byte
        "y0",
        "y=",
    ],
)
def test_rejects_malformed(bad: str) -> None:
    with pytest.raises(EncodingError):
        zbase32.decode(bad)


def test_expected_length_and_types() -> None:
    with pytest.raises(EncodingError, match="expected 32"):
        zbase32.decode("yy", expected_length=32)
    with pytest.raises(EncodingError):
        zbase32.decode(b"yy")  # type: ignore[arg-type]
    with pytest.raises(EncodingError):
        zbase32.encode("text")  # type: ignore[arg-type]
