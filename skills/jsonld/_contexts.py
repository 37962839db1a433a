"""The bundled, pinned JSON-LD contexts and the offline document loader.

The context files under ``contexts/`` and their ``manifest.json`` are written by
``data/scripts/bundle_contexts.py`` from registry packages (see the manifest for each
file's package, version and SHA-256). A file published under several URLs is served
under each of them (the manifest entry's ``aliases``). Nothing here ever touches the
network: a URL that is not bundled raises :class:`ContextNotBundled`, a
:class:`~skills.errors.CanonicalizationError` that callers report as "could not be
checked" (``not_run``), never as a failure.
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


class ContextNotBundled(CanonicalizationError):
    """A JSON-LD context URL that Skill Atlas does not bundle (it is never fetched).

    ``url`` is the context's address. The credential is not shown to be wrong: the checks
    that need the context could not run, so they are ``not_run`` (verdict
    ``unverifiable``), never ``failed``.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"The JSON-LD context {shorten_url(url)} is not one of the contexts Skill Atlas "
            "bundles, and contexts are never fetched, so what it defines could not be checked."
        )


def shorten_url(url: str, limit: int = 120) -> str:
    """``url`` for a message: at most ``limit`` characters, control characters removed."""
    clean = "".join(ch for ch in url if ch.isprintable())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


@dataclass(frozen=True)
class BundledContext:
    """One pinned context file: the URL it serves, its file, hash and provenance.

    ``aliases`` are the other URLs the same document is published under (served too).
    """

    url: str
    file: str
    sha256: str
    variant: str
    source: Mapping[str, Any]
    document: Mapping[str, Any]
    aliases: tuple[str, ...] = ()


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
            for url in (entry["url"], *entry.get("aliases", ())):
                primary[url] = document
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
                aliases=tuple(entry.get("aliases", ())),
            )
        )
    return primary, {u: tuple(v) for u, v in variants.items()}, entries


_PRIMARY, _VARIANTS, _ENTRIES = _load()

#: The bundled context documents by URL, aliases included (the primary revision of each).
CONTEXTS: Mapping[str, dict[str, Any]] = MappingProxyType(_PRIMARY)
#: Other pinned revisions of a URL (1EdTech changed ``context-3.0.3.json`` in place).
CONTEXT_VARIANTS: Mapping[str, tuple[dict[str, Any], ...]] = MappingProxyType(_VARIANTS)
#: Every manifest entry, with provenance.
BUNDLED: tuple[BundledContext, ...] = tuple(_ENTRIES)


def variant_url(url: str, index: int) -> str:
    """The private URL under which variant ``index`` of ``url`` is served to pyld."""
    return f"{url}{VARIANT_MARK}{index}"


def lookup(url: str) -> dict[str, Any]:
    """The bundled document for ``url`` (or an alias or variant URL).

    Raises ContextNotBundled for any other URL.
    """
    document = _PRIMARY.get(url)
    if document is not None:
        return document
    base, mark, index = url.partition(VARIANT_MARK)
    if mark and index.isdigit() and int(index) < len(_VARIANTS.get(base, ())):
        return _VARIANTS[base][int(index)]
    raise ContextNotBundled(url)


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """A pyld ``documentLoader`` serving only bundled contexts; never fetches.

    Raises ContextNotBundled for any URL that is not bundled.
    """
    return {"contextUrl": None, "documentUrl": url, "document": lookup(url), "tag": "static"}
