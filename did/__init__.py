"""Decentralized identifiers: keys and Multikey, DID documents, did:key, did:dht and the Mainline DHT."""
