from __future__ import annotations

import hashlib
import os

import pytest

from zkp import bbs
from zkp.schnorr import Credential, encode_date, encode_int, encode_string

SK = bbs.keygen(hashlib.sha256(b"iiotid schnorr test issuer").digest())
PK = bbs.sk_to_pk(SK)
HEADER = b"iiotid-device-credential-v1"
DEVICE_SECRET = int.from_bytes(hashlib.sha256(b"device secret").digest(), "big") >> 8
# 0 model, 1 manufacturer, 2 firmware, 3 safety level, 4 manufactured (days), 5 serial, 6-8 misc, 9 device secret
ATTRS = [
    encode_string("PLC-9000"),
    encode_string("ACME"),
    encode_int(150),
    encode_int(3),
    encode_int(19000),
    encode_string("SN-1234"),
    encode_int(-5),
    encode_int(0),
    encode_int(65535),
    DEVICE_SECRET,
]


def make_credential(messages: list[int] | None = None) -> Credential:
    msgs = list(ATTRS if messages is None else messages)
    sig = bbs.sign_scalars(SK, PK, HEADER, msgs)
    return Credential(sig, tuple(msgs), HEADER)


@pytest.fixture(scope="session")
def credential() -> Credential:
    return make_credential()


def nonce() -> bytes:
    return os.urandom(16)


__all__ = ["ATTRS", "DEVICE_SECRET", "HEADER", "PK", "SK", "encode_date", "make_credential", "nonce"]
