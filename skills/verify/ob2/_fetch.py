"""Fetching the documents an OB 2.0 badge names, with a per-client cache.

Issuer profiles, badge classes, keys and revocation lists are shared by many badges: within
one ``httpx.Client`` (one verification run, one batch worker) each is fetched once and kept
for ``CACHE_TTL_SECONDS`` (revocation lists for ``REVOCATION_TTL_SECONDS``). Hosted
assertions themselves are never cached: every verification re-fetches them. The cache is
keyed weakly by the client, so it goes away with the client.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

import httpx

from skills.errors import FetchError, InputError
from skills.fetch import fetch
from skills.verify._keys.jose import PublicKey, pem_to_key

CACHE_TTL_SECONDS = 300.0
REVOCATION_TTL_SECONDS = 60.0
ACCEPT_JSON = "application/ld+json, application/json;q=0.9, */*;q=0.1"


@dataclass(frozen=True)
class Got:
    """The outcome of fetching one document.

    ``doc`` is the parsed JSON object when the response was 2xx JSON; ``status`` is None
    when nothing came back (``error`` says why in one sentence); ``text`` is the body as
    text when it was not JSON (a compact JWS served at a URL, a web page) and
    ``parse_error`` the sentence saying why it could not be read as JSON;
    ``content_type`` is the media type the server declared (lower case, no parameters).
    """

    url: str
    status: int | None
    doc: dict[str, Any] | None
    error: str | None = None
    final_url: str = ""
    text: str | None = None
    content_type: str = ""
    parse_error: str | None = None

    @property
    def reached(self) -> bool:
        """True when the server answered (any status)."""
        return self.status is not None


_caches: weakref.WeakKeyDictionary[httpx.Client, dict[str, tuple[float, Any]]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def _cache_for(client: httpx.Client) -> dict[str, tuple[float, Any]]:
    with _lock:
        cache = _caches.get(client)
        if cache is None:
            cache = {}
            _caches[client] = cache
        return cache


def _cached(client: httpx.Client, key: str) -> Any | None:
    entry = _cache_for(client).get(key)
    if entry is None:
        return None
    expires, value = entry
    if expires < time.monotonic():
        return None
    return value


def _store(client: httpx.Client, key: str, value: Any, ttl: float) -> None:
    _cache_for(client)[key] = (time.monotonic() + ttl, value)


def get_document(
    url: str, client: httpx.Client, *, cache: bool = True, ttl: float = CACHE_TTL_SECONDS
) -> Got:
    """Fetch ``url`` and parse it as a JSON object; never raises.

    Successful 2xx answers are cached per client when ``cache`` is True; failures and
    non-2xx answers are never cached (a later badge may succeed).
    """
    key = "doc:" + url
    if cache:
        hit = _cached(client, key)
        if isinstance(hit, Got):
            return hit
    try:
        response = fetch(url, client=client, accept=ACCEPT_JSON)
    except FetchError as err:
        return Got(url, None, None, error=str(err) or f"{url} could not be fetched.")
    final = response.url or url
    media = response.content_type.split(";", 1)[0].strip().lower()
    if not response.ok:
        return Got(url, response.status, None, final_url=final, content_type=media)
    try:
        parsed = response.json()
    except InputError as err:
        text = response.body.decode("utf-8", "replace").strip()
        return Got(
            url,
            response.status,
            None,
            error="not JSON",
            final_url=final,
            text=text,
            content_type=media,
            parse_error=str(err) or None,
        )
    if not isinstance(parsed, dict):
        return Got(
            url,
            response.status,
            None,
            error="not a JSON object",
            final_url=final,
            content_type=media,
        )
    got = Got(url, response.status, parsed, final_url=final, content_type=media)
    if cache:
        _store(client, key, got, ttl)
    return got


def cached_key(client: httpx.Client, key_id: str, pem: str) -> PublicKey:
    """The public key of ``pem`` (parsed once per client and key document).

    Raises :class:`skills.errors.MalformedInput` when the PEM is unreadable.
    """
    key = f"pem:{key_id}:{pem}"
    hit = _cached(client, key)
    if hit is not None:
        parsed_key: PublicKey = hit
        return parsed_key
    parsed_key = pem_to_key(pem)
    _store(client, key, parsed_key, CACHE_TTL_SECONDS)
    return parsed_key
