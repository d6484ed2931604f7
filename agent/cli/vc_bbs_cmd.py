"""``iiotid vc`` plug-in for ``bbs-2023`` (W3C vc-di-bbs): ``vc issue --suite bbs-2023 [--mandatory P,...]`` signs a
base proof with a BLS12-381 G2 key, ``vc derive`` turns it into a selectively disclosed credential, and
``vc verify`` (already generic) verifies the derived one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from agent.cli.vc_cmd import CliError, SigningKey, read_json, register_contexts, register_suite, write_output


def _issue_bbs(credential: dict[str, Any], key: SigningKey, purpose: str, *,
               mandatory_pointers: list[str] | None = None) -> dict[str, Any]:
    import credentials
    from did.keys import KeyType

    if key.key.key_type is not KeyType.BLS12381_G2:
        raise CliError("bbs-2023 signs with a BLS12-381 G2 key (iiotid key generate --type bls12381g2)",
                       code="invalidKey")
    return credentials.issue(credential, key=key.key, verification_method=key.verification_method,
                             suite="bbs-2023", purpose=purpose,
                             suite_options={"mandatory_pointers": list(mandatory_pointers or [])})


def derive_cmd(
    in_: Annotated[Path, typer.Option("--in", help="Credential with a bbs-2023 base proof (JSON); '-' for stdin.")],
    reveal: Annotated[str, typer.Option("--reveal", help="Comma-separated JSON pointers to disclose "
                                                          "(the mandatory ones are always disclosed).")] = "",
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the derived credential.")] = None,
    presentation_header: Annotated[
        str, typer.Option("--presentation-header", help="Hex bytes bound into the proof (e.g. a verifier nonce).")
    ] = "",
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
    write_output(out, credentials.derive(document, pointers, presentation_header=header))


def register(app: typer.Typer) -> None:
    register_suite("bbs-2023", _issue_bbs)  # type: ignore[arg-type]
    app.command("derive")(derive_cmd)
