"""JSON-LD expansion with pyld, offline and with processed contexts reused across calls.

pyld keeps processed contexts in a cache shared by the whole process and keyed by URL;
other code (or another loader) could put a different document under the same URL there,
so Skill Atlas keeps its own cache. pyld's caches are not thread-safe: every call here
holds one lock.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from cachetools import LRUCache
from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.resolved_context import ResolvedContext

from skills.errors import CanonicalizationError
from skills.jsonld._contexts import ContextNotBundled, document_loader

_LOCK = threading.RLock()
_SHARED_CACHE: LRUCache[str, Any] = LRUCache(maxsize=256)
# Canonical JSON keys (sorted, compact) of inline context objects, by identity. The objects
# that recur are the scoped contexts inside the bundled contexts, which live as long as the
# processed contexts that hold them; the entry keeps its object alive so an id is never
# reused while cached.
_KEYS: dict[int, tuple[object, str]] = {}
_MAX_KEYS = 4096


def _cache_key(active_ctx: Any) -> Any:
    """A key for "this context processed on top of ``active_ctx``".

    pyld keys processed contexts by the active context's random ``_uuid``; for a
    non-propagating (type-scoped) context it first makes a fresh clone of the active
    context, whose new uuid never hits the cache, so every typed node re-creates all its
    term definitions. A clone that still equals the context it was cloned from
    (``previousContext``) is keyed by that context instead.
    """
    previous = active_ctx.get("previousContext")
    if (
        previous is not None
        and "_uuid" in previous
        and active_ctx["mappings"] == previous["mappings"]
        and all(active_ctx.get(k) == previous.get(k) for k in ("@base", "@language", "@vocab"))
    ):
        return ("clone-of", previous["_uuid"])
    return active_ctx["_uuid"]


class _ResolvedContext(ResolvedContext):  # type: ignore[misc]
    def get_processed(self, active_ctx: Any) -> Any:
        return self.cache.get(_cache_key(active_ctx))

    def set_processed(self, active_ctx: Any, processed_ctx: Any) -> None:
        self.cache[_cache_key(active_ctx)] = processed_ctx


class _Resolver(ContextResolver):  # type: ignore[misc]
    """pyld's resolver, with the canonical JSON key of inline contexts memoised (our own
    ``json.dumps(sort_keys=True)``, not pyld's private ``c14n`` module)."""

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> Any:
        if isinstance(context, Mapping) and "@context" in context:
            context = context["@context"]
        items = context if isinstance(context, list) else [context]
        if not all(isinstance(c, Mapping) for c in items):
            return super().resolve(active_ctx, context, base, cycles)
        out = []
        for ctx in items:
            memo = _KEYS.get(id(ctx))
            if memo is not None and memo[0] is ctx:
                key = memo[1]
            else:
                key = json.dumps(ctx, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                if len(_KEYS) >= _MAX_KEYS:
                    _KEYS.clear()
                _KEYS[id(ctx)] = (ctx, key)
            resolved = self._get(key)
            if not resolved:
                resolved = _ResolvedContext(ctx)
                self._cache_resolved_context(key, resolved, "static")
            out.append(resolved)
        return out


def expand(doc: Mapping[str, Any] | list[Any]) -> list[Any]:
    """The JSON-LD expanded form of ``doc``, resolving contexts only from the bundle.

    No base IRI is set, so relative IRIs stay relative (and are dropped by RDF
    conversion, as JSON-LD processors in other languages do). Raises
    ContextNotBundled (a CanonicalizationError) when the document names a context
    that is not bundled, CanonicalizationError when it is not valid JSON-LD.
    """
    options = {
        "base": None,
        "documentLoader": document_loader,
        "contextResolver": _Resolver(_SHARED_CACHE, document_loader),
        "processingMode": "json-ld-1.1",
    }
    try:
        with _LOCK:
            result = jsonld.expand(doc, options)
    except jsonld.JsonLdError as exc:
        missing = _not_bundled(exc)
        if missing is not None:
            raise ContextNotBundled(missing.url) from exc
        raise CanonicalizationError(_describe(exc)) from exc
    except CanonicalizationError:
        raise
    except (RecursionError, TypeError, ValueError, KeyError, AttributeError) as exc:
        raise CanonicalizationError(
            f"The document is not valid JSON-LD ({type(exc).__name__})."
        ) from exc
    if not isinstance(result, list):
        return [result]
    return result


def _not_bundled(exc: BaseException) -> ContextNotBundled | None:
    """The ContextNotBundled that caused ``exc`` (pyld wraps loader errors), if any."""
    cause: BaseException | None = exc
    seen = 0
    while cause is not None and seen < 20:
        if isinstance(cause, ContextNotBundled):
            return cause
        cause = cause.__cause__ or cause.__context__
        seen += 1
    return None


def _describe(exc: BaseException) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, CanonicalizationError):
            return str(cause)
        cause = cause.__cause__ or cause.__context__
    code = getattr(exc, "code", None) or getattr(exc, "type", None) or "invalid JSON-LD"
    return f"The document could not be processed as JSON-LD ({code})."
