"""Open Badges 3.0 verification: ``verify_ob3(sub, ctx) -> FormatResult``.

Two securing mechanisms, one set of content checks (:mod:`skills.verify.ob3._content`):

- ``ob3-di``: a JSON credential with an embedded Data Integrity proof (``eddsa-rdfc-2022``;
  legacy ``Ed25519Signature2020`` and ``eddsa-2022``), verified by
  :func:`skills.verify.ob3._proof.verify_data_integrity` (SIGNATURE and KEY_BINDING checks);
- ``ob3-jwt``: a compact VC-JWT (:mod:`skills.verify.ob3._jwt`).

Checks, in report order: CONTEXT, SAFE_MODE, SCHEMA, STRUCTURE, KEY_BINDING, SIGNATURE,
REVOCATION (:mod:`skills.verify.ob3._status`, whose status list credentials are verified by
this same function), VALIDITY, RECIPIENT. The normalised credential is read from the document
the proof covers; when safe mode fails (terms the proof does not cover) the verdict is ``invalid``.
"""

from __future__ import annotations

from typing import Any

from skills.errors import FetchError, InputError
from skills.jsondata import as_list
from skills.verify._context import FormatResult, Submission, VerifyContext
from skills.verify._model import CheckName, failed, not_run
from skills.verify.ob3._content import content_checks, issuer_label, normalise
from skills.verify.ob3._jwt import verify_ob3_jwt
from skills.verify.ob3._status import issuer_id_of

_MAX_URL_HOPS = 1


def verify_ob3_di(doc: dict[str, Any], ctx: VerifyContext) -> FormatResult:
    """Verify a JSON OB 3.0 credential with an embedded proof; never raises for bad input."""
    from skills.verify.ob3._proof import verify_data_integrity

    fmt = "ob3-di"
    before, after = content_checks(doc, ctx, verify_list=verify_ob3)
    who = issuer_label(doc)
    proofs = as_list(doc.get("proof"))
    if not proofs:
        proof_checks = [
            failed(
                CheckName.SIGNATURE,
                f"{who}'s credential carries no proof, so nothing shows who issued it.",
            )
        ]
    else:
        proof_checks = verify_data_integrity(
            doc, client=ctx.client, issuer_id=issuer_id_of(doc), budget=ctx.budget
        )
        if not any(c.name == CheckName.SIGNATURE for c in proof_checks):
            proof_checks.append(
                not_run(CheckName.SIGNATURE, f"{who}'s proof could not be checked.")
            )
    return FormatResult(fmt, [*before, *proof_checks, *after], normalise(doc))


def _verify_url(url: str, ctx: VerifyContext, hops: int) -> FormatResult:
    """Fetch an OB 3.0 credential served at ``url`` and verify what it holds."""
    from skills.fetch import fetch

    try:
        got = fetch(url, client=ctx.client)
    except FetchError as err:
        return FormatResult("ob3-di", [not_run(CheckName.INPUT, str(err))], None)
    if not got.ok:
        return FormatResult(
            "ob3-di",
            [not_run(CheckName.INPUT, f"{url[:200]} could not be fetched (HTTP {got.status}).")],
            None,
        )
    body = got.body.strip()
    if body.startswith(b"{"):
        try:
            doc = got.json()
        except InputError as err:
            return FormatResult("ob3-di", [failed(CheckName.INPUT, str(err))], None)
        sub = Submission(kind="json", payload=doc, raw=got.body)
    else:
        sub = Submission(kind="compact", payload=body.decode("ascii", "replace"), raw=got.body)
    return _dispatch(sub, ctx, hops + 1)


def _dispatch(sub: Submission, ctx: VerifyContext, hops: int) -> FormatResult:
    if sub.kind == "compact" and isinstance(sub.payload, str):
        return verify_ob3_jwt(sub.payload, ctx, verify_list=verify_ob3)
    if sub.kind == "json" and isinstance(sub.payload, dict):
        return verify_ob3_di(sub.payload, ctx)
    if sub.kind == "url" and isinstance(sub.payload, str) and hops < _MAX_URL_HOPS:
        return _verify_url(sub.payload, ctx, hops)
    return FormatResult(
        "unknown",
        [failed(CheckName.STRUCTURE, "This is not an Open Badges 3.0 credential.")],
        None,
    )


def verify_ob3(sub: Submission, ctx: VerifyContext) -> FormatResult:
    """Verify an OB 3.0 credential (JSON with an embedded proof, or a compact VC-JWT).

    Returns the checks listed in the module docstring and the normalised credential. Key
    resolution and status lists are fetched through ``ctx.client``. Never raises for bad
    input; the only exceptions are bugs.
    """
    return _dispatch(sub, ctx, 0)


__all__ = ["verify_ob3", "verify_ob3_di", "verify_ob3_jwt"]
