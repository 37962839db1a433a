"""Bundled, pinned JSON-LD contexts, the offline document loader, and RDFC-1.0.

- :data:`CONTEXTS` the bundled context documents by URL; :data:`CONTEXT_VARIANTS`
  other pinned revisions of a URL; :data:`BUNDLED` every file with its provenance.
- :func:`document_loader` a pyld loader that serves only bundled contexts (never fetches).
- :class:`ContextNotBundled` raised (by the loader, :func:`expand` and
  :func:`canonicalize`) when a document names a context that is not bundled; a
  CanonicalizationError whose ``url`` names the context. Report it as "could not be
  checked" (``not_run``), never as a failure.
- :func:`canonicalize` RDFC-1.0 canonical N-Quads within a time budget.
- :func:`expand` JSON-LD expansion with the bundled contexts (processed contexts cached).
"""

from skills.jsonld._canon import canonicalize, canonicalize_expanded, shutdown_worker
from skills.jsonld._contexts import (
    BUNDLED,
    CONTEXT_VARIANTS,
    CONTEXTS,
    BundledContext,
    ContextNotBundled,
    document_loader,
    shorten_url,
    variant_url,
)
from skills.jsonld._expand import expand

__all__ = [
    "BUNDLED",
    "CONTEXTS",
    "CONTEXT_VARIANTS",
    "BundledContext",
    "ContextNotBundled",
    "canonicalize",
    "canonicalize_expanded",
    "document_loader",
    "expand",
    "shorten_url",
    "shutdown_worker",
    "variant_url",
]
