"""BBS signatures and proofs per draft-irtf-cfrg-bbs-signatures-09, on a pluggable BLS12-381 backend.

Public API (all synchronous; failures raise :class:`zkp.errors.ZkpError` subclasses):

* keys: :func:`keygen`, :func:`sk_to_pk`, :func:`generate_secret_key`
* interface: :func:`sign`, :func:`verify`, :func:`proof_gen`, :func:`proof_verify` and their ``*_scalars`` variants;
  :class:`Prover` for many proofs from one verified credential
* draft internals for composing proofs (issue 7): :mod:`zkp.bbs.core` (``ProofInit``, ``ProofChallengeCalculate``,
  ``ProofFinalize``, ``ProofVerifyInit``, ``calculate_domain``), :mod:`zkp.bbs.ciphersuites`
  (``create_generators``, ``messages_to_scalars``, ``hash_to_scalar``), :mod:`zkp.bbs.codec` (encodings).
"""

from __future__ import annotations

from zkp.bbs.ciphersuites import (
    BLS12_381_SHA_256,
    BLS12_381_SHAKE_256,
    CIPHERSUITES,
    Ciphersuite,
    create_generators,
    get_ciphersuite,
    hash_to_scalar,
    messages_to_scalars,
    seeded_random_scalars,
)
from zkp.bbs.codec import Proof, Signature, octets_to_proof, octets_to_pubkey, octets_to_signature
from zkp.bbs.core import (
    InitResult,
    calculate_random_scalars,
    proof_challenge_calculate,
    proof_finalize,
    proof_init,
    proof_verify_init,
)
from zkp.bbs.interface import (
    Prover,
    proof_gen,
    proof_gen_scalars,
    proof_verify,
    proof_verify_scalars,
    sign,
    sign_scalars,
    verify,
    verify_scalars,
)
from zkp.bbs.keys import generate_secret_key, keygen, sk_to_pk

__all__ = [
    "BLS12_381_SHAKE_256",
    "BLS12_381_SHA_256",
    "CIPHERSUITES",
    "Ciphersuite",
    "InitResult",
    "Proof",
    "Prover",
    "Signature",
    "calculate_random_scalars",
    "create_generators",
    "generate_secret_key",
    "get_ciphersuite",
    "hash_to_scalar",
    "keygen",
    "messages_to_scalars",
    "octets_to_proof",
    "octets_to_pubkey",
    "octets_to_signature",
    "proof_challenge_calculate",
    "proof_finalize",
    "proof_gen",
    "proof_gen_scalars",
    "proof_init",
    "proof_verify",
    "proof_verify_init",
    "proof_verify_scalars",
    "seeded_random_scalars",
    "sign",
    "sign_scalars",
    "sk_to_pk",
    "verify",
    "verify_scalars",
]
