"""skills.jsonld: pinned contexts, offline loader, RDFC-1.0, the context and safe-mode checks."""

from __future__ import annotations

import copy
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld as pyld

from skills.errors import CanonicalizationError
from skills.jsonld import (
    BUNDLED,
    CONTEXT_VARIANTS,
    CONTEXTS,
    ContextNotBundled,
    canonicalize,
    document_loader,
    expand,
)
from skills.verify._ld_checks import check_contexts, check_safe_mode
from skills.verify._model import Outcome

OB30 = Path(__file__).resolve().parents[1] / "fixtures/1edtech/files/ob30"
CORPUS = sorted(OB30.glob("**/*.json"))
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/"


def load(name: str) -> dict[str, Any]:
    return json.loads((OB30 / name).read_text())


def pyld_reference(doc: dict[str, Any]) -> str:
    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": CONTEXTS[url]}

    return str(
        pyld.normalize(
            doc,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": loader,
                "base": None,
            },
        )
    )


def test_every_context_design_names_is_bundled_and_pinned() -> None:
    wanted = {
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/status/v1",
        OB3 + "context.json",
        OB3 + "context-3.0.1.json",
        OB3 + "context-3.0.2.json",
        OB3 + "context-3.0.3.json",
        OB3 + "extensions.json",
        "https://w3id.org/openbadges/v2",
        "https://w3id.org/security/data-integrity/v1",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",
    }
    assert wanted <= set(CONTEXTS)
    folder = Path(__file__).resolve().parents[2] / "skills/jsonld/contexts"
    for entry in BUNDLED:
        assert hashlib.sha256((folder / entry.file).read_bytes()).hexdigest() == entry.sha256
        assert entry.source["package"]


def test_both_revisions_of_context_303_are_kept() -> None:
    current = CONTEXTS[OB3 + "context-3.0.3.json"]["@context"]
    (earlier,) = CONTEXT_VARIANTS[OB3 + "context-3.0.3.json"]
    assert "jti" in current and "jti" not in earlier["@context"]


def test_loader_never_fetches_unknown_contexts() -> None:
    with pytest.raises(ContextNotBundled, match="not one of the contexts Skill Atlas bundles") as e:
        document_loader("https://evil.example/context.json")
    assert e.value.url == "https://evil.example/context.json"
    assert isinstance(e.value, CanonicalizationError)
    assert document_loader(OB3 + "extensions.json")["document"] == CONTEXTS[OB3 + "extensions.json"]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_canonical_form_is_byte_identical_to_pyld(path: Path) -> None:
    doc = json.loads(path.read_text())
    doc.pop("proof", None)
    assert canonicalize(doc) == pyld_reference(doc)


def test_unknown_context_cannot_be_canonicalised() -> None:
    doc = load("simple.json")
    doc["@context"] = [*doc["@context"], "https://evil.example/ctx.json"]
    with pytest.raises(ContextNotBundled) as e:
        canonicalize(doc)
    assert e.value.url == "https://evil.example/ctx.json"


def test_unbundled_context_deep_inside_is_told_apart_from_broken_json_ld() -> None:
    doc = load("simple.json")
    doc["credentialSubject"]["@context"] = "https://evil.example/nested.json"
    with pytest.raises(ContextNotBundled) as e:
        expand(doc)
    assert e.value.url == "https://evil.example/nested.json"
    broken = load("simple.json")
    broken["@context"] = [*broken["@context"], {"@version": 2.0}]
    with pytest.raises(CanonicalizationError) as err:
        expand(broken)
    assert not isinstance(err.value, ContextNotBundled)


def test_blank_node_clique_is_refused_within_its_budget() -> None:
    n = 14
    nodes = [
        {"@id": f"_:b{i}", "https://ex.org/p": [{"@id": f"_:b{j}"} for j in range(n) if j != i]}
        for i in range(n)
    ]
    doc = {"@context": "https://www.w3.org/ns/credentials/v2", "@graph": nodes}
    start = time.monotonic()
    with pytest.raises(CanonicalizationError, match="time budget"):
        canonicalize(doc, budget_seconds=0.5)
    assert time.monotonic() - start < 10  # bounded, not exponential


def test_current_contexts_pass_the_context_check() -> None:
    assert check_contexts(load("simple.json")).outcome is Outcome.PASSED


def test_superseded_contexts_pass_with_a_warning() -> None:
    assert check_contexts(load("simple_v1.json")).outcome is Outcome.WARNING
    assert check_contexts(load("simple-context-version.json")).outcome is Outcome.WARNING


def test_missing_credentials_context_fails() -> None:
    check = check_contexts(load("simple-err-context.json"))
    assert check.outcome is Outcome.FAILED and "first @context" in check.message


def test_inline_contexts_fail() -> None:
    doc = load("simple.json")
    doc["@context"] = [*doc["@context"], {"skill": "https://evil.example/skill"}]
    check = check_contexts(doc)
    assert check.outcome is Outcome.FAILED and "inline" in check.message


def test_unknown_context_is_not_run_and_named() -> None:
    doc = load("simple.json")
    doc["@context"] = [*doc["@context"], "https://evil.example/ctx"]
    check = check_contexts(doc)
    assert check.outcome is Outcome.NOT_RUN and check.required
    assert "https://evil.example/ctx" in check.message
    doc["credentialSubject"]["@context"] = "https://evil.example/nested"
    check = check_contexts(doc)
    assert check.outcome is Outcome.NOT_RUN
    assert "https://evil.example/ctx" in check.message
    assert "https://evil.example/nested" in check.message


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (42, "neither a context URL nor a context object"),
        (None, "neither a context URL nor a context object"),
        ("not a url", "not a valid http(s) URL"),
        ("ftp://example.org/ctx.json", "not a valid http(s) URL"),
        ("https://", "not a valid http(s) URL"),
    ],
)
def test_malformed_context_entries_fail(entry: Any, words: str) -> None:
    doc = load("simple.json")
    doc["@context"] = [*doc["@context"], entry]
    check = check_contexts(doc)
    assert check.outcome is Outcome.FAILED and words in check.message


def test_a_failure_outweighs_an_unknown_context() -> None:
    doc = load("simple.json")
    doc["@context"] = [OB3 + "context-3.0.3.json", "https://evil.example/ctx"]
    check = check_contexts(doc)
    assert check.outcome is Outcome.FAILED and "first @context" in check.message
    doc["@context"] = [*load("simple.json")["@context"], "https://evil.example/ctx", 7]
    assert check_contexts(doc).outcome is Outcome.FAILED


def test_unknown_context_makes_safe_mode_not_run() -> None:
    doc = load("simple.json")
    doc["@context"] = [*doc["@context"], "https://example.org/unknown-context.json"]
    check = check_safe_mode(doc)
    assert check.outcome is Outcome.NOT_RUN and check.required
    assert "https://example.org/unknown-context.json" in check.message
    doc["@context"] = [*load("simple.json")["@context"], {"@version": 2.0}]
    assert check_safe_mode(doc).outcome is Outcome.FAILED


@pytest.mark.parametrize(
    "name", ["simple.json", "complete.json", "endorsement-valid.json", "simple_v1.json"]
)
def test_well_formed_credentials_pass_safe_mode(name: str) -> None:
    assert check_safe_mode(load(name)).outcome is Outcome.PASSED


def test_undefined_term_fails_safe_mode() -> None:
    doc = load("simple.json")
    doc["credentialSubject"]["extraSkill"] = {"name": "Rocket science"}
    check = check_safe_mode(doc)
    assert check.outcome is Outcome.FAILED and "extraSkill" in check.message


def test_undefined_type_and_relative_id_fail_safe_mode() -> None:
    assert check_safe_mode(load("simple-multiple-proofs.json")).outcome is Outcome.FAILED
    doc = load("simple.json")
    doc["credentialSubject"]["achievement"]["id"] = "not-an-iri"
    check = check_safe_mode(doc)
    assert check.outcome is Outcome.FAILED and "not-an-iri" in check.message


def test_undefined_term_inside_embedded_credential_fails_safe_mode() -> None:
    doc = load("complete.json")
    endorsement = copy.deepcopy(doc["endorsement"][0])
    endorsement["credentialSubject"]["hiddenSkill"] = "x"
    doc["endorsement"][0] = endorsement
    assert "hiddenSkill" in check_safe_mode(doc).message
