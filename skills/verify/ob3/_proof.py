"""Data Integrity proofs and the older Linked Data signatures that OB 3.0 credentials carry.

Suites (``proof.cryptosuite`` of a ``DataIntegrityProof``, or the legacy proof ``type``):

- ``eddsa-rdfc-2022`` (and its draft name ``eddsa-2022``), ``Ed25519Signature2020`` (W3C
  vc-di-eddsa): the proof configuration is the proof without ``proofValue`` and with the
  document's ``@context``; it and the document without ``proof`` are canonicalised
  (RDFC-1.0 N-Quads), hashed with SHA-256, and ``hash(config) || hash(document)`` is what
  the Ed25519 signature (multibase base58btc ``proofValue``) signs.
- ``ecdsa-rdfc-2019`` (vc-di-ecdsa): the same steps with ECDSA; P-256 keys hash with
  SHA-256, P-384 keys with SHA-384; the signature is raw ``r || s`` (IEEE P1363).
- ``eddsa-jcs-2022`` (vc-di-eddsa, JCS variant): the same with RFC 8785 JSON
  canonicalisation instead of RDF, and the proof configuration hashed as published
  (without ``proofValue``). A proof with a ``@context`` of its own needs the document's to
  start with it, and the document is hashed with that one; a proof without one is also
  tried with the document's added, as some signers do. No JSON-LD context is needed.
- ``Ed25519Signature2018`` (jsonld-signatures): a detached JWS (``b64: false``,
  ``crit: ["b64"]``, ``alg: EdDSA``) whose signing input is the ASCII header, ``.`` and
  the same 64-byte hash data; the proof configuration (the proof without ``jws``) has
  its own ``@context`` if it carries one, else the document's; signers older than
  jsonld-signatures 7 used the security v2 context, which is tried when the document's
  contexts do not define the proof type.

:func:`verify_data_integrity` returns one SIGNATURE and one KEY_BINDING check for all the
proofs: a credential verifies when every proof Skill Atlas can check passes and at least
one was checked. Verifiable presentations (:mod:`skills.verify._envelopes`) use it too,
with the holder as the key's controller and ``authentication`` as a further purpose.
A key that could not be fetched, or a JSON-LD context Skill Atlas does not bundle,
leaves a proof NOT_RUN (never passed, never failed). 1EdTech changed
``context-3.0.3.json`` in place: when a signature fails and the document names a context
with another pinned revision, the other revision is tried.

Hostile input is bounded: at most :data:`MAX_PROOFS` proofs, no repeated ``@context``
entry, identical proofs checked once, and every canonicalisation drawn from one
:class:`~skills.jsonld._canon.CanonBudget` per credential (each distinct document is
canonicalised once; the time and the number of runs are capped).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    encode_dss_signature,
)

from skills.errors import (
    CanonicalizationBudgetExceeded,
    CanonicalizationError,
    FetchError,
    MalformedInput,
)
from skills.jsonld import CONTEXT_VARIANTS, CONTEXTS, variant_url
from skills.jsonld._canon import CanonBudget
from skills.verify._keys import jose
from skills.verify._keys.dids import (
    ResolvedKey,
    b58decode,
    key_belongs_to,
    multikey_fragment_key,
    resolve_verification_method,
)
from skills.verify._keys.jose import PublicKey
from skills.verify._model import Check, CheckName, failed, not_run, passed

EDDSA_RDFC_SUITES = frozenset({"eddsa-rdfc-2022", "eddsa-2022"})
ECDSA_SUITES = frozenset({"ecdsa-rdfc-2019"})
JCS_SUITES = frozenset({"eddsa-jcs-2022"})
DI_SUITES = EDDSA_RDFC_SUITES | ECDSA_SUITES | JCS_SUITES
JWS_2018 = "Ed25519Signature2018"
LEGACY_TYPES = frozenset({"Ed25519Signature2020", JWS_2018})
#: Most proofs Skill Atlas looks at on one credential; more are refused.
MAX_PROOFS = 8
#: The context jsonld-signatures (before version 7) gave every proof configuration.
SECURITY_V2 = "https://w3id.org/security/v2"
_TYPE_2018_NQUAD = (
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://w3id.org/security#Ed25519Signature2018>"
)
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
CURVE_HASHES = {"secp256r1": "sha256", "secp384r1": "sha384"}

_CREATED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")
_SAFE_IRI = re.compile(
    r"^(did:[a-z0-9]+:[A-Za-z0-9._:%-]+|https?://[A-Za-z0-9.-]+(:\d{1,5})?"
    r"(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?)(#[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?$"
)
_CREATED_MARK = "1111-11-11T11:11:11Z"
_VM_MARK = "urn:skillatlas:verification-method-placeholder"
_templates: dict[str, str | None] = {}
_templates_lock = threading.Lock()
#: The proof purposes a credential's proof may have.
ASSERTION = frozenset({"assertionMethod"})
Role = Literal["issuer", "holder"]


@dataclass(frozen=True)
class _Words:
    """How messages name the signer (``issuer``/``holder``) and what it signed."""

    role: str
    noun: str


_WORDS: dict[str, _Words] = {
    "issuer": _Words("issuer", "credential"),
    "holder": _Words("holder", "presentation"),
}


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


def _config_nquads(config: dict[str, Any], budget: CanonBudget) -> str:
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
        return budget.canonicalize(config)
    shape = dict(config, created=_CREATED_MARK, verificationMethod=_VM_MARK)
    key = json.dumps(shape, sort_keys=True)
    with _templates_lock:
        template = _templates.get(key, "")
    if template == "":
        template = budget.canonicalize(shape)
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
        return budget.canonicalize(config)
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


def _digest(hash_name: str, text: str | bytes) -> bytes:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.new(hash_name, data).digest()


def hash_data(
    unsecured: Mapping[str, Any],
    config: dict[str, Any],
    *,
    budget: CanonBudget | None = None,
    hash_name: str = "sha256",
) -> bytes:
    """hash(canonical proof config) || hash(canonical document), RDFC-1.0.

    ``hash_name`` is ``sha256`` (Ed25519, P-256) or ``sha384`` (P-384). Canonicalisation
    draws on ``budget`` (a fresh one when None). Raises CanonicalizationError when either
    cannot be canonicalised within it.
    """
    budget = budget if budget is not None else CanonBudget()
    config_hash = _digest(hash_name, _config_nquads(config, budget))
    return config_hash + _digest(hash_name, budget.canonicalize(unsecured))


def _variant_hashes(
    unsecured: Mapping[str, Any], config: dict[str, Any], budget: CanonBudget, hash_name: str
) -> Iterator[bytes]:
    """Hash data under each other pinned revision of the contexts the document names."""
    seen: set[str] = set()
    ctx = unsecured.get("@context")
    for url in ctx if isinstance(ctx, list) else [ctx]:
        if not isinstance(url, str) or url in seen:
            continue
        seen.add(url)
        for index in range(len(CONTEXT_VARIANTS.get(url, ()))):
            yield hash_data(
                _with_context_variant(unsecured, url, index),
                _with_context_variant(config, url, index),
                budget=budget,
                hash_name=hash_name,
            )


def jcs_hash_data(unsecured: Mapping[str, Any], config: Mapping[str, Any]) -> bytes:
    """SHA-256(JCS(proof config)) || SHA-256(JCS(document)) (RFC 8785, eddsa-jcs-2022).

    Raises CanonicalizationError for values JCS cannot represent (integers beyond 2**53,
    non-finite numbers) or nesting too deep to serialise.
    """
    try:
        config_jcs, doc_jcs = rfc8785.dumps(dict(config)), rfc8785.dumps(dict(unsecured))
    except (rfc8785.CanonicalizationError, TypeError, RecursionError) as exc:
        raise CanonicalizationError(
            f"The credential cannot be put in JSON canonical form (RFC 8785): {exc}"
        ) from exc
    return _digest("sha256", config_jcs) + _digest("sha256", doc_jcs)


class _Unbundled(Exception):
    """A context the check needs is not bundled; carries the URLs."""

    def __init__(self, urls: list[str]) -> None:
        super().__init__(", ".join(urls))
        self.urls = urls


def _multibase_signature(value: Any, sizes: tuple[int, ...], what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise MalformedInput("The proofValue is not a multibase base58btc value ('z...').")
    signature = b58decode(value[1:])
    if len(signature) not in sizes:
        raise MalformedInput(f"The proofValue is not {what}.")
    return signature


def _jws_2018(value: Any) -> tuple[bytes, bytes]:
    """(signature, signing-input prefix ``header.``) of a detached Ed25519Signature2018 JWS."""
    if not isinstance(value, str) or not value:
        raise MalformedInput("It has no detached JWS (jws).")
    parts = value.split(".")
    if (
        len(value) > 4096
        or len(parts) != 3
        or parts[1]
        or not _B64URL.match(parts[0])
        or not _B64URL.match(parts[2])
    ):
        raise MalformedInput("Its jws is not a detached JWS (header, empty payload, signature).")
    header = jose.parse_header(parts[0])
    if not (
        header.get("alg") == "EdDSA"
        and header.get("b64") is False
        and header.get("crit") == ["b64"]
    ):
        raise MalformedInput(
            "Its jws header must say alg EdDSA with an unencoded payload (b64 false, crit b64)."
        )
    signature = jose.b64url_decode(parts[2])
    if len(signature) != 64:
        raise MalformedInput("Its jws signature is not a 64-byte Ed25519 signature.")
    return signature, parts[0].encode("ascii") + b"."


def _signature_of(proof: Mapping[str, Any], suite: str) -> tuple[bytes, bytes]:
    """(signature bytes, prefix of the signing input) of a proof; MalformedInput if broken."""
    if suite == JWS_2018:
        return _jws_2018(proof.get("jws"))
    if suite in ECDSA_SUITES:
        value = proof.get("proofValue")
        return _multibase_signature(value, (64, 96), "a P-256 or P-384 ECDSA signature"), b""
    return _multibase_signature(proof.get("proofValue"), (64,), "a 64-byte Ed25519 signature"), b""


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unbundled_contexts(*docs: Any) -> list[str]:
    """Context URLs (``@context`` and ``@import`` values, at any depth) not bundled."""
    missing: list[str] = []
    stack: list[Any] = list(docs)
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in ("@context", "@import"):
                    for entry in value if isinstance(value, list) else [value]:
                        if (
                            isinstance(entry, str)
                            and entry not in CONTEXTS
                            and entry not in missing
                        ):
                            missing.append(entry)
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return missing


_NOT_BUNDLED = re.compile(r"context (['\"])(.*?)\1 is not one of the bundled contexts")


def _unbundled_message(urls: list[str], suite: str, what: str = "credential") -> str:
    named = ", ".join(_short(u, 120) for u in urls[:3]) + (" and others" if len(urls) > 3 else "")
    noun = "context" if len(urls) == 1 else "contexts"
    return (
        f"The {suite} signature could not be checked: the {what} uses the JSON-LD {noun} "
        f"{named}, which Skill Atlas does not bundle (remote contexts are never fetched)."
    )


def _repeated_context(value: Any) -> str | None:
    """How to name the first entry a ``@context`` list repeats, or None."""
    if not isinstance(value, list):
        return None
    seen: set[str] = set()
    for entry in value:
        key = json.dumps(entry, sort_keys=True, default=str)
        if key in seen:
            return _short(entry, 120) if isinstance(entry, str) else "the same inline context"
        seen.add(key)
    return None


def _ed25519_ok(key: ed25519.Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def _ecdsa_ok(
    key: ec.EllipticCurvePublicKey, hash_name: str, signature: bytes, data: bytes
) -> bool:
    size = (key.curve.key_size + 7) // 8
    if len(signature) != 2 * size:
        return False
    r = int.from_bytes(signature[:size], "big")
    s = int.from_bytes(signature[size:], "big")
    algorithm: hashes.HashAlgorithm = hashes.SHA384() if hash_name == "sha384" else hashes.SHA256()
    try:
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(algorithm))
    except InvalidSignature:
        return False
    return True


def _key_label(key: PublicKey) -> str:
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {"secp256r1": "P-256", "secp384r1": "P-384"}.get(key.curve.name, "ECDSA")
    return "Ed25519"


def _verifier(
    suite: str, key: PublicKey, vm_text: str
) -> tuple[Callable[[bytes, bytes], bool], str]:
    """(verify(signature, data), hash name) for a suite and key; MalformedInput if they misfit."""
    if suite in ECDSA_SUITES:
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name not in CURVE_HASHES:
            raise MalformedInput(
                f"The {suite} proof needs a P-256 or P-384 key; {_short(vm_text)} is another kind."
            )
        ec_key, hash_name = key, CURVE_HASHES[key.curve.name]
        return (lambda sig, data: _ecdsa_ok(ec_key, hash_name, sig, data)), hash_name
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise MalformedInput(
            f"The {suite} proof needs an Ed25519 key; {_short(vm_text)} is another kind."
        )
    ed_key = key
    return (lambda sig, data: _ed25519_ok(ed_key, sig, data)), "sha256"


def _jcs_inputs(
    doc: Mapping[str, Any],
    unsecured: Mapping[str, Any],
    proof: Mapping[str, Any],
    what: str = "credential",
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(document, proof configuration) pairs an eddsa-jcs-2022 signature may cover.

    The proof as published without ``proofValue`` (vc-di-eddsa; with a ``@context`` of
    its own, the credential's must start with it, and the document is hashed with that
    one); then, for a proof without ``@context``, with the document's added, as some
    signers do.
    """
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    document = dict(unsecured)
    if "@context" in proof:
        own = proof["@context"] if isinstance(proof["@context"], list) else [proof["@context"]]
        ctx = doc.get("@context")
        entries = ctx if isinstance(ctx, list) else [ctx]
        if entries[: len(own)] != own:
            raise MalformedInput(f"The proof's @context is not the start of the {what}'s.")
        document["@context"] = proof["@context"]
    yield document, config
    if "@context" not in proof and "@context" in doc:
        yield document, dict(config, **{"@context": doc["@context"]})


def _data_2018(
    doc: Mapping[str, Any],
    unsecured: Mapping[str, Any],
    proof: Mapping[str, Any],
    budget: CanonBudget,
) -> Iterator[bytes]:
    """Hash data an Ed25519Signature2018 proof may sign: its proof configuration with its
    own or the document's ``@context``, then (when those do not define the proof type)
    with the security v2 context that older signers used."""
    config = {k: v for k, v in proof.items() if k not in ("jws", "signatureValue", "proofValue")}
    if "@context" not in config:
        config["@context"] = doc.get("@context") or SECURITY_V2
    nquads = _config_nquads(config, budget)
    doc_hash = _digest("sha256", budget.canonicalize(unsecured))
    yield _digest("sha256", nquads) + doc_hash
    if config["@context"] != SECURITY_V2 and _TYPE_2018_NQUAD not in nquads:
        if SECURITY_V2 not in CONTEXTS:
            raise _Unbundled([SECURITY_V2])
        legacy = dict(config, **{"@context": SECURITY_V2})
        yield _digest("sha256", _config_nquads(legacy, budget)) + doc_hash


def _candidate_data(
    suite: str,
    doc: Mapping[str, Any],
    unsecured: Mapping[str, Any],
    proof: Mapping[str, Any],
    budget: CanonBudget,
    hash_name: str,
    what: str = "credential",
) -> Iterator[bytes]:
    """What the proof's signature may sign, most likely first, computed lazily."""
    if suite in JCS_SUITES:
        for document, config in _jcs_inputs(doc, unsecured, proof, what):
            yield jcs_hash_data(document, config)
        return
    if suite == JWS_2018:
        yield from _data_2018(doc, unsecured, proof, budget)
        return
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = doc.get("@context")
    yield hash_data(unsecured, config, budget=budget, hash_name=hash_name)
    yield from _variant_hashes(unsecured, config, budget, hash_name)


def _verify_one(
    doc: Mapping[str, Any],
    unsecured: Mapping[str, Any],
    proof: Mapping[str, Any],
    suite: str,
    client: httpx.Client,
    controller: str | None,
    budget: CanonBudget,
    purposes: frozenset[str] = ASSERTION,
    words: _Words = _WORDS["issuer"],
) -> tuple[Check, Check]:
    """(SIGNATURE, KEY_BINDING) for one supported proof: its purpose must be one of
    ``purposes`` and its key must belong to ``controller`` (named as ``words.role``)."""
    sig_name, bind_name = CheckName.SIGNATURE, CheckName.KEY_BINDING
    what = words.noun
    purpose = proof.get("proofPurpose")
    if purpose not in purposes:
        wanted = " or ".join(sorted(purposes))
        msg = (
            f"The {suite} proof's purpose is {_short(str(purpose), 40)!r}, not {wanted}."
            if isinstance(purpose, str)
            else f"The {suite} proof names no purpose (proofPurpose); it must be {wanted}."
        )
        return failed(sig_name, msg), not_run(bind_name, "The proof was not usable.")
    try:
        signature, prefix = _signature_of(proof, suite)
    except MalformedInput as err:
        return failed(sig_name, f"The {suite} proof is broken: {err}"), not_run(
            bind_name, "The proof was not usable."
        )
    if suite not in JCS_SUITES:
        # The proof's own @context counts only where the suite uses it (the 2018 JWS).
        used = proof if suite == JWS_2018 else {k: v for k, v in proof.items() if k != "@context"}
        missing = _unbundled_contexts(unsecured, used)
        if missing:
            return not_run(sig_name, _unbundled_message(missing, suite, what)), not_run(
                bind_name, "The proof was not checked."
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
            f"so the key the proof names is not shown to belong to the {words.role}.",
        )
    try:
        check, hash_name = _verifier(suite, key, vm_text)
    except MalformedInput as err:
        return failed(sig_name, str(err)), failed(bind_name, str(err))

    unchecked = binding or not_run(bind_name, "The proof was not checked.")
    try:
        good = any(
            check(signature, prefix + data)
            for data in _candidate_data(suite, doc, unsecured, proof, budget, hash_name, what)
        )
    except _Unbundled as err:
        return not_run(sig_name, _unbundled_message(err.urls, suite, what)), unchecked
    except MalformedInput as err:
        return failed(sig_name, f"The {suite} proof is broken: {err}"), unchecked
    except CanonicalizationBudgetExceeded as err:  # not shown wrong: could not be checked
        return not_run(sig_name, f"The {suite} proof could not be checked: {err}"), unchecked
    except CanonicalizationError as err:
        url = getattr(err, "url", None)  # skills.jsonld.ContextNotBundled names it
        named = _NOT_BUNDLED.search(str(err))
        if not isinstance(url, str) and named:
            url = named.group(2)
        if isinstance(url, str):
            return not_run(sig_name, _unbundled_message([url], suite, what)), unchecked
        msg = f"The {what} could not be canonicalised to check its {suite} proof: {err}"
        return failed(sig_name, msg), unchecked
    if not good:
        return (
            failed(
                sig_name,
                f"The {suite} signature does not match: the {what} was altered after "
                "signing or signed with another key.",
            ),
            binding or not_run(bind_name, "The signature did not verify."),
        )

    if binding is None and resolved is not None:
        binding = _binding(controller, resolved, client, words)
    assert binding is not None
    if binding.outcome == "passed":
        sig = passed(sig_name, f"Signed with the {words.role}'s {_key_label(key)} key ({suite}).")
    else:
        sig = passed(
            sig_name,
            f"The {suite} signature verifies with the key the proof names ({_short(vm_text)}).",
        )
    return sig, binding


def _binding(
    controller: str | None, resolved: ResolvedKey, client: httpx.Client, words: _Words
) -> Check:
    """KEY_BINDING: whether the resolved key is one ``controller`` lists."""
    name, role = CheckName.KEY_BINDING, words.role
    if not controller:
        return failed(name, f"The {words.noun} names no {role} to bind the signing key to.")
    try:
        belongs = key_belongs_to(controller, resolved, client=client)
    except FetchError as err:
        return not_run(
            name, f"The {role}'s document could not be fetched to confirm the key: {err}"
        )
    except MalformedInput as err:
        return failed(name, f"The {role}'s document is unusable: {err}")
    if belongs:
        return passed(name, f"The signing key belongs to the {role} {_short(controller)}.")
    return failed(
        name,
        f"The signing key {_short(resolved.id)} is not one the {role} {_short(controller)} "
        f"lists: someone else signed this {words.noun}.",
    )


_ORDER = {"failed": 0, "not_run": 1, "warning": 2, "passed": 3}


def _combine(results: list[tuple[Check, Check]]) -> list[Check]:
    """[KEY_BINDING, SIGNATURE] over several proofs.

    A failed proof (signature or binding) decides. Otherwise the proofs that passed both
    checks decide, and proofs that could not be checked are only mentioned; with none
    passed, the worst outcome (not run) is reported.
    """
    broken = [r for r in results if "failed" in (r[0].outcome, r[1].outcome)]
    whole = [r for r in results if r[0].outcome == r[1].outcome == "passed"]
    pool = broken or whole or results
    signature = min((r[0] for r in pool), key=lambda c: _ORDER[c.outcome])
    binding = min((r[1] for r in pool), key=lambda c: _ORDER[c.outcome])
    if not broken and whole and len(whole) < len(results):
        other = next(r for r in results if r not in whole)
        reason = other[0] if other[0].outcome != "passed" else other[1]
        signature = passed(
            CheckName.SIGNATURE,
            f"{signature.message} Another proof on it could not be checked: {reason.message}",
        )
    return [binding, signature]


def verify_data_integrity(
    doc: Mapping[str, Any],
    *,
    client: httpx.Client,
    issuer_id: str | None,
    budget: CanonBudget | None = None,
    purposes: frozenset[str] | set[str] = ASSERTION,
    role: Role = "issuer",
) -> list[Check]:
    """KEY_BINDING and SIGNATURE checks for the Data Integrity proof(s) of ``doc``.

    Every supported proof (see the module doc) is verified once (identical copies count
    once); proofs of other kinds are ignored when a supported one is present. The result
    follows :func:`_combine`: any failed proof fails the document, otherwise it passes
    when at least one proof passed. More than :data:`MAX_PROOFS` proofs, or a
    ``@context`` that lists an entry twice, fail without any canonicalisation.

    ``issuer_id`` is the controller every signing key must belong to (a credential's
    issuer, a presentation's holder); a proof whose ``proofPurpose`` is not in
    ``purposes`` fails (a credential: ``assertionMethod``; a presentation also accepts
    ``authentication``). ``role`` words the messages: ``"issuer"`` speaks of the
    credential and its issuer, ``"holder"`` of the presentation and its holder.
    Canonicalisation draws on ``budget`` (one per credential, shared with its status
    lists; a fresh one when None). Never raises for bad input: problems become failed or
    not-run checks. Fetches go through ``client``.
    """
    budget = budget if budget is not None else CanonBudget()
    words = _WORDS[role]
    accepted = frozenset(purposes)
    raw = doc.get("proof")
    items = raw if isinstance(raw, list) else [raw]
    refused = not_run(CheckName.KEY_BINDING, "The proofs were not checked.")
    if len(items) > MAX_PROOFS:
        msg = (
            f"The {words.noun} carries {len(items)} proofs; Skill Atlas checks at most "
            f"{MAX_PROOFS} on one {words.noun} and refuses more."
        )
        return [refused, failed(CheckName.SIGNATURE, msg)]
    proofs = [p for p in items if isinstance(p, Mapping)]
    for where, value in [(words.noun, doc.get("@context"))] + [
        ("proof", p.get("@context")) for p in proofs
    ]:
        repeated = _repeated_context(value)
        if repeated:
            msg = (
                f"The {where}'s @context lists {repeated} more than once; a context is named "
                f"once, so the {words.noun} is refused."
            )
            return [refused, failed(CheckName.SIGNATURE, msg)]
    supported = [(p, s) for p in proofs for s in [suite_of(p)] if s is not None]
    if not supported:
        kinds = sorted({str(p.get("cryptosuite") or p.get("type"))[:40] for p in proofs})
        what = ", ".join(kinds) or "none"
        msg = f"The {words.noun} carries no proof Skill Atlas can check (found: {what})."
        return [not_run(CheckName.SIGNATURE, msg), not_run(CheckName.KEY_BINDING, msg)]
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    results: dict[str, tuple[Check, Check]] = {}
    for proof, suite in supported:
        key = json.dumps(proof, sort_keys=True, default=str)
        if key not in results:
            results[key] = _verify_one(
                doc, unsecured, proof, suite, client, issuer_id, budget, accepted, words
            )
    return _combine(list(results.values()))


__all__ = [
    "ASSERTION",
    "CURVE_HASHES",
    "DI_SUITES",
    "ECDSA_SUITES",
    "JCS_SUITES",
    "JWS_2018",
    "LEGACY_TYPES",
    "MAX_PROOFS",
    "hash_data",
    "jcs_hash_data",
    "suite_of",
    "verify_data_integrity",
]
