"""``iiotid vc`` plug-in for ``bbs-2023`` (W3C vc-di-bbs): ``vc issue --suite bbs-2023 [--mandatory P,...]`` signs a
base proof with a BLS12-381 G2 key, ``vc derive`` turns it into a selectively disclosed credential, and
``vc verify`` (already generic) verifies the derived one.

Feature options (holder binding, per-verifier pseudonyms): the holder runs ``vc commit`` (keeps the secrets file,
sends the commitment), the issuer ``vc issue-bound --commitment FILE``, and the holder ``vc derive --holder-secrets
FILE [--nym-domain VERIFIER]``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.cli.vc_cmd import CliError, SigningKey, read_json, register_contexts, register_suite, write_output


def _issue_bbs(credential: dict[str, Any], key: SigningKey, purpose: str, *,
               mandatory_pointers: list[str] | None = None, **feature_options: Any) -> dict[str, Any]:
    import credentials
    from did.keys import KeyType

    if key.key.key_type is not KeyType.BLS12381_G2:
        raise CliError("bbs-2023 signs with a BLS12-381 G2 key (iiotid key generate --type bls12381g2)",
                       code="invalidKey")
    return credentials.issue(credential, key=key.key, verification_method=key.verification_method,
                             suite="bbs-2023", purpose=purpose,
                             suite_options={"mandatory_pointers": list(mandatory_pointers or []), **feature_options})


FEATURES = ("anonymous_holder_binding", "pseudonym", "holder_binding_pseudonym")


def _hex(value: object, what: str) -> bytes:
    try:
        if not isinstance(value, str):
            raise ValueError
        return bytes.fromhex(value)
    except ValueError:
        raise CliError(f"{what} must be a hex string", code="invalidArgument") from None


def commit_cmd(
    secrets_out: Annotated[Path, typer.Option("--secrets-out", help="Where the holder keeps its secrets "
                                              "(holder secret, prover nym, blind); written with mode 0600.")],
    feature: Annotated[str, typer.Option("--feature", help="anonymous_holder_binding | pseudonym | "
                                         "holder_binding_pseudonym")] = "anonymous_holder_binding",
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the commitment for the issuer.")] = None,
) -> None:
    """Holder: commit to fresh secrets for a bbs-2023 feature option; send --out to the issuer, keep --secrets-out."""
    import os

    from credentials.suites import bbs_2023 as bbs
    from zkp.bbs.pseudonym import generate_prover_nyms

    if feature not in FEATURES:
        raise CliError(f"--feature must be one of {', '.join(FEATURES)}", code="invalidArgument")
    holder_secret = os.urandom(32) if feature != "pseudonym" else None
    prover_nym = generate_prover_nyms(1)[0] if feature != "anonymous_holder_binding" else None
    if prover_nym is None:
        assert holder_secret is not None
        commitment, blind = bbs.holder_commitment(holder_secret)
    else:
        commitment, blind = bbs.holder_nym_commitment(prover_nym, holder_secret)
    secrets = {"type": "Bbs2023HolderSecrets", "feature": feature,
               "holderSecret": holder_secret.hex() if holder_secret else None,
               "proverNym": f"{prover_nym:064x}" if prover_nym is not None else None,
               "secretProverBlind": f"{blind:064x}"}
    fd = os.open(secrets_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(secrets, indent=2) + "\n")
    write_output(out, {"type": "Bbs2023Commitment", "feature": feature, "commitmentWithProof": commitment.hex()})


def issue_bound_cmd(
    key: Annotated[Path, typer.Option("--key", help="Issuer key file (BLS12-381 G2).")],
    in_: Annotated[Path, typer.Option("--in", help="Unsigned credential (JSON); '-' for stdin.")],
    commitment: Annotated[Path, typer.Option("--commitment", help="The holder's commitment (from vc commit).")],
    mandatory: Annotated[str, typer.Option("--mandatory", help="Comma-separated JSON pointers always "
                                           "disclosed.")] = "",
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the signed credential.")] = None,
    passphrase_env: Annotated[str | None, typer.Option("--passphrase-env", help="Environment variable holding the "
                                                       "key file passphrase.")] = None,
) -> None:
    """Issuer: sign a bbs-2023 base proof bound to a holder's commitment (holder binding and/or pseudonyms)."""
    from agent.cli.vc_cmd import issue_with, load_signing_key

    credential, request = read_json(in_), read_json(commitment)
    if not isinstance(credential, dict):
        raise CliError("the credential must be a JSON object", code="invalidCredential")
    if not isinstance(request, dict) or request.get("feature") not in FEATURES:
        raise CliError("--commitment must be the JSON written by `iiotid vc commit`", code="invalidArgument")
    options = {"mandatory_pointers": [p.strip() for p in mandatory.split(",") if p.strip()],
               "commitment_with_proof": _hex(request.get("commitmentWithProof"), "commitmentWithProof"),
               "feature": request["feature"]}
    write_output(out, issue_with("bbs-2023", credential, load_signing_key(key, passphrase_env), **options))


def _holder_values(path: Path | None, nym_domain: str | None) -> dict[str, Any]:
    if path is None:
        if nym_domain is not None:
            raise CliError("--nym-domain needs --holder-secrets", code="invalidArgument")
        return {}
    secrets = read_json(path)
    if not isinstance(secrets, dict) or secrets.get("type") != "Bbs2023HolderSecrets":
        raise CliError("--holder-secrets must be the file written by `iiotid vc commit`", code="invalidArgument")
    out: dict[str, Any] = {"prover_blind": int.from_bytes(_hex(secrets.get("secretProverBlind"), "secretProverBlind"),
                                                          "big")}
    if secrets.get("holderSecret"):
        out["holder_secret"] = _hex(secrets["holderSecret"], "holderSecret")
    if secrets.get("proverNym"):
        out["prover_nym"] = int.from_bytes(_hex(secrets["proverNym"], "proverNym"), "big")
        if not nym_domain:
            raise CliError("a pseudonym credential needs --nym-domain (the verifier's id)", code="invalidArgument")
        out["nym_domain"] = nym_domain.encode("utf-8")
    return out


def derive_cmd(
    in_: Annotated[Path, typer.Option("--in", help="Credential with a bbs-2023 base proof (JSON); '-' for stdin.")],
    reveal: Annotated[str, typer.Option("--reveal", help="Comma-separated JSON pointers to disclose "
                                                          "(the mandatory ones are always disclosed).")] = "",
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the derived credential.")] = None,
    presentation_header: Annotated[
        str, typer.Option("--presentation-header", help="Hex bytes bound into the proof (e.g. a verifier nonce).")
    ] = "",
    holder_secrets: Annotated[Path | None, typer.Option(
        "--holder-secrets", help="The holder's secrets file (vc commit) for a holder-bound or pseudonym credential."
    )] = None,
    nym_domain: Annotated[str | None, typer.Option("--nym-domain", help="Pseudonyms: the verifier's id; the same "
                                                   "domain always gets the same pseudonym.")] = None,
) -> None:
    """Derive a selectively disclosed credential (bbs-2023) from a base proof the holder received."""
    import credentials

    try:
        header = bytes.fromhex(presentation_header)
    except ValueError:
        raise CliError("--presentation-header must be hex", code="invalidArgument") from None
    document = read_json(in_)
    if not isinstance(document, dict):
        raise CliError("the credential must be a JSON object", code="invalidCredential")
    register_contexts()
    pointers = [p.strip() for p in reveal.split(",") if p.strip()]
    write_output(out, credentials.derive(document, pointers, presentation_header=header,
                                         **_holder_values(holder_secrets, nym_domain)))


def register(app: typer.Typer) -> None:
    register_suite("bbs-2023", _issue_bbs)  # type: ignore[arg-type]
    app.command("derive")(derive_cmd)
    app.command("commit")(commit_cmd)
    app.command("issue-bound")(issue_bound_cmd)
