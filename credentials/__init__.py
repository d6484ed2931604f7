"""W3C Verifiable Credentials 2.0: data model, Data Integrity suites, VC-JOSE, Bitstring Status List, lifecycle chains."""
