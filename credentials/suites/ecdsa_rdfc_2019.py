"""``ecdsa-rdfc-2019`` with P-256 (W3C Data Integrity ECDSA Cryptosuites v1.0 §3.2): RDFC-1.0 canonical N-Quads,
SHA-256, ECDSA P-256 with SHA-256, signature ``r || s`` (64 bytes, IEEE P1363), multibase base58btc.

§3.2.3 "Transformation", §3.2.5 "Proof Configuration" and §3.2.4 "Hashing" are those of eddsa-rdfc-2022 with the
hash chosen by the curve (SHA-256 for P-256).  §3.2.6 "Proof Serialization": ECDSA over the 64-byte hash data
(which ECDSA hashes again with SHA-256), deterministic per RFC 6979.  P-384 (SHA-384) is not offered: industrial
secure elements hold P-256.
"""

from __future__ import annotations

from credentials.suites.eddsa_rdfc_2022 import RdfcSuite
from did.keys import KeyType

SUITE = RdfcSuite("ecdsa-rdfc-2019", frozenset({KeyType.P256}))
