"""The bundled, pinned JSON-LD contexts and the offline document loader.

The context files under ``contexts/`` and their ``manifest.json`` are written by
``data/scripts/bundle_contexts.py`` from registry packages (see the manifest for each
file's package, version and SHA-256). Nothing here ever touches the network: a URL
that is not bundled raises :class:`~skills.errors.CanonicalizationError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

from skills.errors import CanonicalizationError

# A private URL for each non-primary variant, so pyld's context cache (keyed by URL)
# never confuses two revisions of one context.
VARIANT_MARK = "#skillatlas-variant="


@dataclass(frozen=True)
class BundledContext:
    """One pinned context file: the URL it serves, its file, hash and provenance."""

    url: str
    file: str
    sha256: str
    variant: str
    source: Mapping[str, Any]
    document: Mapping[str, Any]


def _load() -> tuple[
    dict[str, dict[str, Any]], dict[str, tuple[dict[str, Any], ...]], list[BundledContext]
]:
    folder = resources.files("skills.jsonld") / "contexts"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    primary: dict[str, dict[str, Any]] = {}
    variants: dict[str, list[dict[str, Any]]] = {}
    entries: list[BundledContext] = []
    for entry in manifest["contexts"]:
        raw = (folder / entry["file"]).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != entry["sha256"]:
            raise CanonicalizationError(
                f"The bundled JSON-LD context {entry['file']} does not match its pinned hash."
            )
        document = json.loads(raw)
        if entry["variant"] == "primary":
            primary[entry["url"]] = document
        else:
            variants.setdefault(entry["url"], []).append(document)
        entries.append(
            BundledContext(
                url=entry["url"],
                file=entry["file"],
                sha256=digest,
                variant=entry["variant"],
                source=MappingProxyType(dict(entry["source"])),
                document=MappingProxyType(document),
            )
        )
    return primary, {u: tuple(v) for u, v in variants.items()}, entries


_PRIMARY, _VARIANTS, _ENTRIES = _load()

#: The bundled context documents by URL (the primary revision of each).
CONTEXTS: Mapping[str, dict[str, Any]] = MappingProxyType(_PRIMARY)
#: Other pinned revisions of a URL (1EdTech changed ``context-3.0.3.json`` in place).
CONTEXT_VARIANTS: Mapping[str, tuple[dict[str, Any], ...]] = MappingProxyType(_VARIANTS)
#: Every manifest entry, with provenance.
BUNDLED: tuple[BundledContext, ...] = tuple(_ENTRIES)


def variant_url(url: str, index: int) -> str:
    """The private URL under which variant ``index`` of ``url`` is served to pyld."""
    return f"{url}{VARIANT_MARK}{index}"


def lookup(url: str) -> dict[str, Any]:
    """The bundled document for ``url`` (or a variant URL); CanonicalizationError otherwise."""
    document = _PRIMARY.get(url)
    if document is not None:
        return document
    base, mark, index = url.partition(VARIANT_MARK)
    if mark and index.isdigit() and int(index) < len(_VARIANTS.get(base, ())):
        return _VARIANTS[base][int(index)]
    raise CanonicalizationError(
        f"The JSON-LD context {url[:200]!r} is not one of the bundled contexts; "
        "remote contexts are never fetched."
    )


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """A pyld ``documentLoader`` serving only bundled contexts; never fetches.

    Raises CanonicalizationError for any URL that is not bundled.
    """
    return {"contextUrl": None, "documentUrl": url, "document": lookup(url), "tag": "static"}
