"""Data Integrity proofs: ``eddsa-rdfc-2022`` (and legacy ``eddsa-2022``, ``Ed25519Signature2020``).

The algorithm (W3C vc-di-eddsa, RDFC-1.0 variant; the legacy suites use the same steps):
the proof configuration is the proof without ``proofValue`` and with the document's
``@context``; both it and the document without ``proof`` are canonicalised (RDFC-1.0
N-Quads), hashed with SHA-256, and ``hash(config) || hash(document)`` is what the
Ed25519 signature (multibase base58btc ``proofValue``) signs.

:func:`verify_data_integrity` returns a SIGNATURE and a KEY_BINDING check. A key that
could not be fetched leaves them NOT_RUN (the verdict is then ``unverifiable``), never
passed. 1EdTech changed ``context-3.0.3.json`` in place: when a signature fails and the
document names a context with another pinned revision, the other revision is tried.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from skills.errors import CanonicalizationError, FetchError, MalformedInput
from skills.jsonld import CONTEXT_VARIANTS, canonicalize_expanded, expand, variant_url
from skills.verify.keys import (
    ResolvedKey,
    b58decode,
    b58encode,
    key_belongs_to,
    multikey_fragment_key,
    resolve_verification_method,
)
from skills.verify.model import Check, CheckName, failed, not_run, passed

DI_SUITES = frozenset({"eddsa-rdfc-2022", "eddsa-2022"})
LEGACY_TYPES = frozenset({"Ed25519Signature2020"})
#: Time budget of the two canonicalisations of one proof.
BUDGET_SECONDS = 5.0

_CREATED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")
_SAFE_IRI = re.compile(
    r"^(did:[a-z0-9]+:[A-Za-z0-9._:%-]+|https?://[A-Za-z0-9.-]+(:\d{1,5})?"
    r"(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?)(#[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?$"
)
_CREATED_MARK = "1111-11-11T11:11:11Z"
_VM_MARK = "urn:skillatlas:verification-method-placeholder"
_templates: dict[str, str | None] = {}
_templates_lock = threading.Lock()


def suite_of(proof: Mapping[str, Any]) -> str | None:
    """The supported suite a proof uses (its cryptosuite, or its legacy type), or None."""
    kind = proof.get("type")
    if kind == "DataIntegrityProof" and proof.get("cryptosuite") in DI_SUITES:
        return str(proof["cryptosuite"])
    if isinstance(kind, str) and kind in LEGACY_TYPES:
        return kind
    return None


def _sorted_lines(text: str) -> str:
    lines = [line + "\n" for line in text.split("\n") if line]
    lines.sort()
    return "".join(lines)


def _config_nquads(config: dict[str, Any], budget: float) -> str:
    """Canonical N-Quads of a proof configuration.

    Proof configurations of one issuer differ only in ``created`` and
    ``verificationMethod``; their canonical form is computed once per shape with
    placeholders, and the values are substituted (only values that need no escaping and
    when the template has a single blank node, so labels cannot change).
    """
    created = config.get("created")
    vm = config.get("verificationMethod")
    if not (
        isinstance(created, str)
        and _CREATED.match(created)
        and isinstance(vm, str)
        and _SAFE_IRI.match(vm)
    ):
        return canonicalize_expanded(expand(config), budget_seconds=budget)
    shape = dict(config, created=_CREATED_MARK, verificationMethod=_VM_MARK)
    key = json.dumps(shape, sort_keys=True)
    with _templates_lock:
        template = _templates.get(key, "")
    if template == "":
        template = canonicalize_expanded(expand(shape), budget_seconds=budget)
        labels = set(re.findall(r"_:c14n\d+", template))
        usable = (
            len(labels) <= 1
            and template.count(f'"{_CREATED_MARK}"') == 1
            and template.count(f"<{_VM_MARK}>") == 1
        )
        with _templates_lock:
            if len(_templates) > 512:
                _templates.clear()
            _templates[key] = template if usable else None
        if not usable:
            template = None
    if template is None:
        return canonicalize_expanded(expand(config), budget_seconds=budget)
    filled = template.replace(f'"{_CREATED_MARK}"', f'"{created}"').replace(
        f"<{_VM_MARK}>", f"<{vm}>"
    )
    return _sorted_lines(filled)


def _with_context_variant(doc: Mapping[str, Any], url: str, index: int) -> dict[str, Any]:
    out = dict(doc)
    ctx = doc.get("@context")
    entries = ctx if isinstance(ctx, list) else [ctx]
    replaced = [variant_url(url, index) if e == url else e for e in entries]
    out["@context"] = replaced if isinstance(ctx, list) else replaced[0]
    return out


def hash_data(
    unsecured: Mapping[str, Any], config: dict[str, Any], *, budget: float = BUDGET_SECONDS
) -> bytes:
    """SHA-256(canonical proof config) || SHA-256(canonical document).

    Raises CanonicalizationError when either cannot be canonicalised within ``budget``.
    """
    config_hash = hashlib.sha256(_config_nquads(config, budget).encode("utf-8")).digest()
    doc_nquads = canonicalize_expanded(expand(unsecured), budget_seconds=budget)
    return config_hash + hashlib.sha256(doc_nquads.encode("utf-8")).digest()


def _candidate_hashes(unsecured: Mapping[str, Any], config: dict[str, Any]) -> list[bytes]:
    """Hash data under each pinned revision of the contexts the document names."""
    out: list[bytes] = []
    ctx = unsecured.get("@context")
    entries = ctx if isinstance(ctx, list) else [ctx]
    for url in entries:
        if not isinstance(url, str):
            continue
        for index in range(len(CONTEXT_VARIANTS.get(url, ()))):
            data = hash_data(
                _with_context_variant(unsecured, url, index),
                _with_context_variant(config, url, index),
            )
            if data not in out:
                out.append(data)
    return out


def _decode_signature(value: Any) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise MalformedInput("The proofValue is not a multibase base58btc value ('z...').")
    signature = b58decode(value[1:])
    if len(signature) != 64:
        raise MalformedInput("The proofValue is not a 64-byte Ed25519 signature.")
    return signature


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _verify_one(
    doc: Mapping[str, Any],
    unsecured: Mapping[str, Any],
    proof: Mapping[str, Any],
    suite: str,
    client: httpx.Client,
    issuer_id: str | None,
) -> tuple[Check, Check]:
    """(SIGNATURE, KEY_BINDING) for one supported proof."""
    sig_name, bind_name = CheckName.SIGNATURE, CheckName.KEY_BINDING
    purpose = proof.get("proofPurpose")
    if purpose != "assertionMethod":
        msg = f"The {suite} proof's purpose is {str(purpose)[:40]!r}, not assertionMethod."
        return failed(sig_name, msg), not_run(bind_name, "The proof was not usable.")
    try:
        signature = _decode_signature(proof.get("proofValue"))
    except MalformedInput as err:
        return failed(sig_name, f"The {suite} proof is broken: {err}"), not_run(
            bind_name, "The proof was not usable."
        )
    vm = proof.get("verificationMethod")
    vm_text = vm if isinstance(vm, str) else ""
    resolved: ResolvedKey | None = None
    binding: Check | None = None
    try:
        resolved = resolve_verification_method(vm_text, client=client)
        key = resolved.key
    except MalformedInput as err:
        msg = f"The proof's verification method {_short(vm_text)!r} cannot be used: {err}"
        return failed(sig_name, msg), failed(bind_name, msg)
    except FetchError as err:
        try:
            fragment_key = multikey_fragment_key(vm_text)
        except MalformedInput as bad:
            msg = f"The key {_short(vm_text)!r} could not be fetched and is broken: {bad}"
            return failed(sig_name, msg), failed(bind_name, msg)
        if fragment_key is None:
            msg = f"The signing key could not be fetched: {err}"
            return not_run(sig_name, msg), not_run(bind_name, msg)
        key = fragment_key
        binding = not_run(
            bind_name,
            f"The key document {_short(vm_text.partition('#')[0])} could not be fetched ({err}), "
            "so the key the proof names is not shown to belong to the issuer.",
        )
    if not isinstance(key, ed25519.Ed25519PublicKey):
        msg = f"The {suite} proof needs an Ed25519 key; {_short(vm_text)} is another kind."
        return failed(sig_name, msg), failed(bind_name, msg)

    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = doc.get("@context")
    try:
        data = hash_data(unsecured, config)
        good = _ed25519_ok(key, signature, data)
        if not good:
            good = any(_ed25519_ok(key, signature, d) for d in _candidate_hashes(unsecured, config))
    except CanonicalizationError as err:
        msg = f"The credential could not be canonicalised to check its {suite} proof: {err}"
        return failed(sig_name, msg), binding or not_run(bind_name, "The proof was not checked.")
    if not good:
        return (
            failed(
                sig_name,
                f"The {suite} signature does not match: the credential was altered after "
                "signing or signed with another key.",
            ),
            binding or not_run(bind_name, "The signature did not verify."),
        )

    if binding is None and resolved is not None:
        binding = _binding(issuer_id, resolved, client)
    assert binding is not None
    if binding.outcome == "passed":
        sig = passed(sig_name, f"Signed with the issuer's Ed25519 key ({suite}).")
    else:
        sig = passed(
            sig_name,
            f"The {suite} signature verifies with the key the proof names ({_short(vm_text)}).",
        )
    return sig, binding


def _binding(issuer_id: str | None, resolved: ResolvedKey, client: httpx.Client) -> Check:
    name = CheckName.KEY_BINDING
    if not issuer_id:
        return failed(name, "The credential names no issuer to bind the signing key to.")
    try:
        belongs = key_belongs_to(issuer_id, resolved, client=client)
    except FetchError as err:
        return not_run(
            name, f"The issuer's document could not be fetched to confirm the key: {err}"
        )
    except MalformedInput as err:
        return failed(name, f"The issuer's document is unusable: {err}")
    if belongs:
        return passed(name, f"The signing key belongs to the issuer {_short(issuer_id)}.")
    return failed(
        name,
        f"The signing key {_short(resolved.id)} is not one the issuer {_short(issuer_id)} "
        "lists: someone else signed this credential.",
    )


def _ed25519_ok(key: ed25519.Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


_ORDER = {"failed": 0, "not_run": 1, "warning": 2, "passed": 3}


def verify_data_integrity(
    doc: Mapping[str, Any], *, client: httpx.Client, issuer_id: str | None
) -> list[Check]:
    """SIGNATURE and KEY_BINDING checks for the Data Integrity proof(s) of ``doc``.

    Every supported proof (``eddsa-rdfc-2022``, ``eddsa-2022``, ``Ed25519Signature2020``)
    is verified; proofs of other kinds are ignored when a supported one is present.
    The worst outcome of each check over the proofs is reported. Never raises for bad
    input: problems become failed or not-run checks. Fetches go through ``client``.
    """
    raw = doc.get("proof")
    proofs = [p for p in (raw if isinstance(raw, list) else [raw]) if isinstance(p, Mapping)]
    supported = [(p, s) for p in proofs for s in [suite_of(p)] if s is not None]
    if not supported:
        kinds = sorted({str(p.get("cryptosuite") or p.get("type"))[:40] for p in proofs})
        what = ", ".join(kinds) or "none"
        msg = f"The credential carries no proof Skill Atlas can check (found: {what})."
        return [not_run(CheckName.SIGNATURE, msg), not_run(CheckName.KEY_BINDING, msg)]
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    results = [_verify_one(doc, unsecured, p, s, client, issuer_id) for p, s in supported]
    signature = min((r[0] for r in results), key=lambda c: _ORDER[c.outcome])
    binding = min((r[1] for r in results), key=lambda c: _ORDER[c.outcome])
    return [binding, signature]


def sign_data_integrity(
    doc: Mapping[str, Any],
    private_key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    *,
    cryptosuite: str = "eddsa-rdfc-2022",
    created: str | None = None,
) -> dict[str, Any]:
    """A copy of ``doc`` with a Data Integrity proof added (demo issuers and tests).

    ``cryptosuite`` is ``eddsa-rdfc-2022``, ``eddsa-2022`` or ``Ed25519Signature2020``
    (the legacy proof type). ``created`` defaults to now (UTC, seconds). An existing
    proof is replaced. Raises CanonicalizationError when the document cannot be
    canonicalised, MalformedInput for an unknown suite.
    """
    if cryptosuite in DI_SUITES:
        proof: dict[str, Any] = {"type": "DataIntegrityProof", "cryptosuite": cryptosuite}
    elif cryptosuite in LEGACY_TYPES:
        proof = {"type": cryptosuite}
    else:
        raise MalformedInput(f"Unknown cryptosuite {cryptosuite!r}.")
    proof["created"] = created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    proof["verificationMethod"] = verification_method
    proof["proofPurpose"] = "assertionMethod"
    unsecured = {k: copy.deepcopy(v) for k, v in doc.items() if k != "proof"}
    config = dict(proof, **{"@context": unsecured.get("@context")})
    signature = private_key.sign(hash_data(unsecured, config))
    proof["proofValue"] = "z" + b58encode(signature)
    return {**unsecured, "proof": proof}


__all__ = ["hash_data", "sign_data_integrity", "suite_of", "verify_data_integrity"]
