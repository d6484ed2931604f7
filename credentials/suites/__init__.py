"""Data Integrity cryptosuites, one module per suite, named as the specifications name them."""
