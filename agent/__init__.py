"""Roles built from the libraries: OEM issuer, device holder, access gateway; storage, HTTP API and CLI."""
