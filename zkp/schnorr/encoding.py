"""How credential attributes become BBS message scalars so that predicates mean something (specs/zkp.md).

* integers: the integer itself, reduced mod r (negative n is r - |n|); range predicates compare these integers;
* dates: days since 1970-01-01 (proleptic Gregorian, UTC) as an integer, so "manufactured after D" is ``ge``;
* strings / bytes: ``MapMessageToScalarAsHash`` of the BBS interface (draft-irtf-cfrg-bbs-signatures-09 4.1.2), the
  same scalar :func:`zkp.bbs.sign` would use; set predicates take the same encoding of each member.
"""

from __future__ import annotations

import datetime as _dt

from zkp.backend.hash_to_field import R
from zkp.bbs.ciphersuites import BLS12_381_SHA_256, messages_to_scalars
from zkp.errors import InvalidParameter

EPOCH = _dt.date(1970, 1, 1)
MAX_INT = 1 << 128


def encode_int(n: int) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or not -MAX_INT < n < MAX_INT:
        raise InvalidParameter("integer attributes must be ints with |n| < 2^128")
    return n % R


def decode_int(scalar: int) -> int:
    """The integer an :func:`encode_int` scalar stands for."""
    return scalar - R if scalar > R // 2 else scalar


def encode_date(day: _dt.date) -> int:
    if not isinstance(day, _dt.date):
        raise InvalidParameter("date attributes must be datetime.date values")
    if isinstance(day, _dt.datetime):
        day = day.astimezone(_dt.UTC).date() if day.tzinfo else day.date()
    return encode_int((day - EPOCH).days)


def encode_string(value: str | bytes, api_id: bytes | None = None) -> int:
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not isinstance(value, bytes):
        raise InvalidParameter("string attributes must be str or bytes")
    return messages_to_scalars([value], api_id or BLS12_381_SHA_256.api_id, BLS12_381_SHA_256)[0]
