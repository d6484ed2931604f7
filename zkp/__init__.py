"""Zero-knowledge proofs: BLS12-381 backends, BBS signatures and proofs, Schnorr predicates, pseudonyms."""
