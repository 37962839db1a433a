"""The hardened HTTP client every badge fetch goes through.

Verifying a badge makes the server fetch URLs an untrusted badge names (hosted
assertions, issuer profiles, keys, status lists). :func:`default_client` and
:func:`fetch` make that safe:

- only ``http``/``https``, no credentials in URLs, at most 3 redirects, each re-checked
  (httpx follows them; the client's event hooks check every hop, and the network
  backend below the transport checks every hop's addresses);
- no connection to loopback, private, link-local (cloud metadata), carrier-grade NAT,
  multicast, reserved or unspecified addresses, including IPv6 forms that embed such an
  IPv4 address (mapped, 6to4, Teredo, NAT64). The check runs in the network backend on
  the addresses DNS returned, and the socket connects to a checked address, so a name
  that re-resolves to a private address between check and connect (DNS rebinding)
  gains nothing. Hosts in the settings' ``fetch_allow_hosts`` (``SKILLS_FETCH_ALLOW_HOSTS``)
  skip the address check (tests serve files from 127.0.0.1);
- connect timeout 5 s and a total deadline of 15 s for a whole fetch, redirects and
  body included (enforced on every socket operation, not only per read);
- a response size cap (the settings' ``fetch_max_bytes``, 1 MiB) checked on ``Content-Length``
  and while streaming, including after gzip/deflate decoding;
- at most 4 simultaneous requests per host; no cookies kept; no proxies from the
  environment.

:class:`FileTransport` serves URLs from local folders through the same code (demo data
and tests).
"""

from __future__ import annotations

import atexit
import concurrent.futures
import ipaddress
import mimetypes
import os
import socket
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpcore
import httpx

from skills.config import DEFAULTS, Settings
from skills.errors import BlockedURL, FetchFailed, FetchTooLarge

CONNECT_TIMEOUT = 5.0
"""Seconds allowed to open a TCP (and TLS) connection."""
TOTAL_TIMEOUT = 15.0
"""Seconds allowed for a whole fetch: every redirect, connection and byte of the body."""
MAX_REDIRECTS = 3
"""Redirects :func:`fetch` follows before refusing."""
PER_HOST_CONCURRENCY = 4
"""Simultaneous requests to one host from this process."""

DEFAULT_ACCEPT = "application/ld+json, application/json;q=0.9, */*;q=0.1"
USER_AGENT = "SkillAtlas/0.1 (Open Badges verifier)"
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# Monotonic deadline of the fetch running in this thread/context, if any.
_DEADLINE: ContextVar[float | None] = ContextVar("skills_fetch_deadline", default=None)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


# ── address policy ──────────────────────────────────────────────────────────


def blocked_reason(address: IPAddress) -> str | None:
    """Why connecting to ``address`` is refused, or None when it is a public address.

    IPv6 addresses that embed an IPv4 address (IPv4-mapped, 6to4, Teredo, NAT64) are
    judged by the embedded address too.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded: list[ipaddress.IPv4Address] = []
        if address.ipv4_mapped is not None:
            embedded.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        for inner in embedded:
            reason = blocked_reason(inner)
            if reason is not None:
                return f"an IPv6 address embedding {inner}, {reason}"
    checks: tuple[tuple[bool, str], ...] = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address (such as cloud metadata)"),
        (
            isinstance(address, ipaddress.IPv4Address) and address in _CGNAT,
            "a shared (CGNAT) address",
        ),
        (address.is_multicast, "a multicast address"),
        (address.is_private, "a private network address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a public internet address"),
    )
    for hit, reason in checks:
        if hit:
            return reason
    return None


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def _remaining(timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left of the current deadline; times out if none."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the total time allowed for the fetch ran out")
    return left if timeout is None else min(timeout, left)


# ── network backend: resolve, check, connect to the checked address ─────────


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation also respects the fetch deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _remaining(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _remaining(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _remaining(timeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


_resolver: concurrent.futures.ThreadPoolExecutor | None = None
_resolver_lock = threading.Lock()


def _resolver_pool() -> concurrent.futures.ThreadPoolExecutor:
    global _resolver
    with _resolver_lock:
        if _resolver is None:
            _resolver = concurrent.futures.ThreadPoolExecutor(
                max_workers=8, thread_name_prefix="skills-dns"
            )
        return _resolver


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore network backend that only connects to public addresses.

    ``connect_tcp`` resolves the host itself, refuses (:class:`BlockedURL`) when any
    resolved address is not public, then connects to one of those checked addresses
    and checks the socket's peer once more. Hosts in ``allow_hosts`` (the settings'
    ``fetch_allow_hosts``: tests' loopback servers) are connected to without the check.
    Name-resolution and connection failures raise ``httpcore.ConnectError``
    (``httpx.ConnectError`` for callers).
    """

    def __init__(self, allow_hosts: frozenset[str] = frozenset()) -> None:
        self._plain = httpcore.SyncBackend()
        self._allow_hosts = allow_hosts

    def _host_allowed(self, host: str) -> bool:
        return host.strip("[]").lower().rstrip(".") in self._allow_hosts

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        options = list(socket_options or [])
        if self._host_allowed(host):
            stream = self._plain.connect_tcp(
                host, port, _remaining(timeout), local_address, options
            )
            return _DeadlineStream(stream)
        addresses = self._resolve(host, port, _remaining(timeout))
        for address in addresses:
            reason = blocked_reason(address)
            if reason is not None:
                where = "" if _parse_ip(host) is not None else f": it resolves to {address}"
                raise BlockedURL(
                    f"Skill Atlas does not fetch from {host}{where}, {reason}.", url=host
                )
        last_error: Exception | None = None
        for address in addresses:
            try:
                stream = self._plain.connect_tcp(
                    str(address), port, _remaining(timeout), local_address, options
                )
            except httpcore.ConnectError as exc:
                last_error = exc
                continue
            self._check_peer(stream, host)
            return _DeadlineStream(stream)
        raise httpcore.ConnectError(f"could not connect to {host}: {last_error}")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise BlockedURL("Skill Atlas does not fetch over Unix sockets.", url=path)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    @staticmethod
    def _resolve(host: str, port: int, timeout: float | None) -> list[IPAddress]:
        literal = _parse_ip(host)
        if literal is not None:
            return [literal]
        # getaddrinfo has no timeout of its own: run it aside and stop waiting in time.
        lookup = _resolver_pool().submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        try:
            infos = lookup.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            raise httpcore.ConnectTimeout(f"looking up the name {host} took too long") from None
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"the name {host} could not be resolved: {exc}") from exc
        found: list[IPAddress] = []
        for info in infos:
            address = _parse_ip(str(info[4][0]))
            if address is not None and address not in found:
                found.append(address)
        if not found:
            raise httpcore.ConnectError(f"the name {host} has no usable address")
        return found

    @staticmethod
    def _check_peer(stream: httpcore.NetworkStream, host: str) -> None:
        sock = stream.get_extra_info("socket")
        if not isinstance(sock, socket.socket):
            return
        peer = _parse_ip(str(sock.getpeername()[0]))
        reason = None if peer is None else blocked_reason(peer)
        if reason is not None:
            stream.close()
            raise BlockedURL(
                f"Skill Atlas does not fetch from {host}: it connected to {peer}, {reason}.",
                url=host,
            )


# ── transport and client ────────────────────────────────────────────────────


class _DeadlineBody(httpx.SyncByteStream):
    """Response body that reinstates its request's deadline while it is read."""

    def __init__(self, inner: httpx.SyncByteStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        while True:
            token = _DEADLINE.set(self._deadline)
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            finally:
                _DEADLINE.reset(token)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class GuardedTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` whose connection pool uses :class:`GuardedBackend`.

    Each request gets a deadline of ``total_timeout`` seconds (or the deadline of the
    enclosing :func:`fetch`, whichever is sooner) covering connect, send and the
    reading of the body.
    """

    def __init__(
        self, *, total_timeout: float = TOTAL_TIMEOUT, allow_hosts: frozenset[str] = frozenset()
    ) -> None:
        super().__init__(trust_env=False, retries=0)
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            retries=0,
            network_backend=GuardedBackend(allow_hosts),
        )
        self._total_timeout = total_timeout

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        own = time.monotonic() + self._total_timeout
        outer = _DEADLINE.get()
        deadline = own if outer is None else min(outer, own)
        token = _DEADLINE.set(deadline)
        try:
            response = super().handle_request(request)
        finally:
            _DEADLINE.reset(token)
        if isinstance(response.stream, httpx.SyncByteStream):
            response.stream = _DeadlineBody(response.stream, deadline)
        return response


class HardenedClient(httpx.Client):
    """The ``httpx.Client`` :func:`default_client` builds; it carries its response size cap."""

    max_body_bytes: int = DEFAULTS.fetch_max_bytes


def default_client(
    *,
    total_timeout: float = TOTAL_TIMEOUT,
    connect_timeout: float = CONNECT_TIMEOUT,
    mirror: Path | None = None,
    settings: Settings | None = None,
) -> HardenedClient:
    """A new hardened ``httpx.Client`` (see the module docstring); the caller closes it.

    Redirects are not followed unless a request asks (:func:`fetch` does), and then at
    most ``MAX_REDIRECTS``; the client's event hooks check every hop of a :func:`fetch`
    and do nothing for other requests. Environment proxies are ignored and cookies are
    never stored. Connecting to a refused address raises :class:`BlockedURL` from the
    request call, on every hop. ``total_timeout`` and
    ``connect_timeout`` exist for tests; production uses the defaults. ``settings``
    (default :data:`skills.config.DEFAULTS`) gives the hosts allowed on private addresses,
    the response size cap (``max_body_bytes``, :func:`fetch`'s default) and the hosted
    mirror.

    When ``mirror`` (else the settings' ``hosted_mirror``, none by default) names a folder, URLs
    of the hosts that have a sub-folder there are served from its files (the demo issuers'
    ``.example`` hosts: a database built by ``python -m skills demo`` names its folder, see
    :func:`skills.ingest.demo_mirror`); every other URL goes to the network through the
    guarded transport. Nothing is mirrored by default, so nobody can mint "verified"
    demo-issuer badges on a real database with the demo's published keys.
    """
    cfg = settings or DEFAULTS
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    transport: httpx.BaseTransport = GuardedTransport(
        total_timeout=total_timeout, allow_hosts=cfg.fetch_allow_hosts
    )
    mirror = mirror or cfg.hosted_mirror
    if mirror is not None and mirror.is_dir():
        transport = MirrorTransport(mirror, fallback=transport)
    client = HardenedClient(
        transport=transport,
        timeout=httpx.Timeout(total_timeout, connect=min(connect_timeout, total_timeout)),
        follow_redirects=False,
        max_redirects=MAX_REDIRECTS,
        event_hooks={"request": [_on_request], "response": [_on_response]},
        trust_env=False,
        cookies=no_cookies,
        headers={"User-Agent": USER_AGENT},
    )
    client.max_body_bytes = cfg.fetch_max_bytes
    return client


def mirrored_client(folder: str, settings: Settings | None = None) -> httpx.Client:
    """:func:`default_client` serving the hosts of ``folder`` from its files; top-level and
    picklable (as ``functools.partial(mirrored_client, folder)``) for worker processes."""
    return default_client(mirror=Path(folder), settings=settings)


_SHARED_LOCK = threading.Lock()
_shared: tuple[tuple[object, ...], httpx.Client] | None = None


def shared_client(settings: Settings | None = None) -> httpx.Client:
    """The process-wide hardened client that :func:`skills.verify.verify` uses by default.

    Building a client loads the CA store (tens of milliseconds); one client, reused, makes
    a single verification about thirty times cheaper. ``httpx.Client`` is thread-safe.
    The client is rebuilt when the ``settings`` that shape it change (default
    :data:`skills.config.DEFAULTS`) and in a forked child (its connections belong to the
    parent). Callers never close it; it is closed at exit.
    """
    global _shared
    cfg = settings or DEFAULTS
    key: tuple[object, ...] = (
        os.getpid(),
        cfg.hosted_mirror,
        cfg.fetch_allow_hosts,
        cfg.fetch_max_bytes,
    )
    with _SHARED_LOCK:
        if _shared is not None and _shared[0] == key:
            return _shared[1]
        old, _shared = _shared, (key, default_client(settings=cfg))
        if old is not None and old[0][0] == key[0]:
            old[1].close()
        return _shared[1]


def _close_shared() -> None:
    global _shared
    with _SHARED_LOCK:
        if _shared is not None and _shared[0][0] == os.getpid():
            _shared[1].close()
        _shared = None


atexit.register(_close_shared)


# ── fetch ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Fetched:
    """A fetched response: final URL, status (non-2xx included), type, body, redirects."""

    url: str
    status: int
    content_type: str
    body: bytes
    redirects: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body parsed by :func:`skills.jsondata.loads_strict`.

        Raises :class:`MalformedInput` or :class:`InputTooLarge` as that function does.
        """
        from skills.jsondata import loads_strict

        return loads_strict(self.body)


_host_slots: dict[str, threading.BoundedSemaphore] = {}
_host_slots_lock = threading.Lock()


def _take_host_slot(host: str, deadline: float, url: str) -> threading.BoundedSemaphore:
    """One of the ``PER_HOST_CONCURRENCY`` slots of ``host``, waited for until ``deadline``.

    The caller releases it. Raises :class:`FetchFailed` when none frees up in time.
    """
    with _host_slots_lock:
        slot = _host_slots.get(host)
        if slot is None:
            slot = _host_slots[host] = threading.BoundedSemaphore(PER_HOST_CONCURRENCY)
    if not slot.acquire(timeout=max(0.0, deadline - time.monotonic())):
        raise FetchFailed(
            f"Too many requests to {host} were already running; {url} was not fetched in time.",
            url=url,
        )
    return slot


def _checked_url(url: str | httpx.URL, base: httpx.URL | None = None) -> httpx.URL:
    text = str(url)
    try:
        parsed = base.join(url) if base is not None else httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise BlockedURL(f"The address {text[:200]!r} is not a valid URL.", url=text) from None
    if parsed.scheme not in ("http", "https"):
        raise BlockedURL(
            f"Skill Atlas only fetches http and https addresses, not {text[:200]!r}.", url=text
        )
    if parsed.userinfo:
        raise BlockedURL(
            "Skill Atlas does not fetch addresses that carry a user name or password.",
            url=text,
        )
    if not parsed.host:
        raise BlockedURL(f"The address {text[:200]!r} names no host.", url=text)
    return parsed.copy_with(fragment=None)


# ── redirects: httpx follows them, event hooks check every hop ──────────────


def _too_many(url: str, limit: int) -> BlockedURL:
    return BlockedURL(
        f"{url} redirected more than {limit} times; Skill Atlas stopped following it.", url=url
    )


class _Hops:
    """One :func:`fetch` in progress, as the client's event hooks see and record it."""

    def __init__(self, url: str, deadline: float) -> None:
        self.url = url
        """The address as the caller gave it (for the too-many-redirects message)."""
        self.deadline = deadline
        """This fetch's own deadline, which also bounds the wait for a host slot."""
        self.urls: list[str] = []
        """Every address requested so far, the first one included, without fragment."""
        self.in_flight = False
        """True while a request is with the transport (between the two hooks)."""
        self._slot: threading.BoundedSemaphore | None = None

    @property
    def current(self) -> str:
        """The address of the hop in progress (the given one before the first request)."""
        return self.urls[-1] if self.urls else self.url

    def take_slot(self, host: str) -> None:
        """Hold a slot of ``host`` for the current hop (any slot still held is let go)."""
        self.release_slot()
        self._slot = _take_host_slot(host, self.deadline, self.current)

    def release_slot(self) -> None:
        """Let go of the slot held, if any."""
        slot, self._slot = self._slot, None
        if slot is not None:
            slot.release()


# The fetch running in this thread/context; the event hooks do nothing without one.
_HOPS: ContextVar[_Hops | None] = ContextVar("skills_fetch_hops", default=None)


def _on_request(request: httpx.Request) -> None:
    """Request hook, run by httpx before every hop of a :func:`fetch`, redirects included.

    Refuses (:class:`BlockedURL`) an address :func:`_checked_url` refuses and a fourth
    redirect (when a caller's client allows more than fetch does), records the hop and
    takes a slot of its host (:class:`FetchFailed` when none frees up in time). The
    address checks after DNS resolution happen below, in :class:`GuardedBackend`.
    """
    hops = _HOPS.get()
    if hops is None:
        return
    if len(hops.urls) > MAX_REDIRECTS:
        raise _too_many(hops.url, MAX_REDIRECTS)
    target = _checked_url(request.url)
    hops.urls.append(str(target))
    hops.take_slot(target.host)
    hops.in_flight = True


def _on_response(response: httpx.Response) -> None:
    """Response hook, run by httpx on every response of a :func:`fetch`, before it follows
    a redirect.

    For a redirect: lets go of the hop's host slot, drops the body unread (httpx would
    read it whole, with no size cap) and judges the ``Location`` as :func:`fetch` always
    did (:class:`BlockedURL`, with the Location as its ``url``). A redirect response
    with an empty ``Location`` is left as the final response: its header is removed, as
    httpx would otherwise follow it back to the same address.
    """
    hops = _HOPS.get()
    if hops is None:
        return
    hops.in_flight = False
    if response.status_code not in _REDIRECT_STATUSES:
        return
    location = response.headers.get("location")
    if not location:
        response.headers.pop("location", None)
        return
    if isinstance(response.stream, httpx.SyncByteStream):
        response.stream.close()
    response.stream = httpx.ByteStream(b"")
    hops.release_slot()
    try:
        _checked_url(location, base=response.request.url)
    except BlockedURL:
        if len(hops.urls) > MAX_REDIRECTS:
            # A redirect past the limit is refused as one too many, whatever its target:
            # httpx would parse this Location (and fail) before its max_redirects check.
            raise _too_many(hops.url, MAX_REDIRECTS) from None
        raise


_HOOKS_LOCK = threading.Lock()


def _with_hop_hooks(client: httpx.Client) -> httpx.Client:
    """``client``, with :func:`_on_request` and :func:`_on_response` among its event hooks.

    A caller's client gets them added once, for good (they do nothing outside
    :func:`fetch`): the request hook runs after the client's own request hooks (so the
    address it checks is the one sent) and the response hook before its own response
    hooks (so none of them reads a redirect's body).
    """
    hooks = client.event_hooks
    if _on_request in hooks["request"] and _on_response in hooks["response"]:
        return client
    with _HOOKS_LOCK:
        hooks = client.event_hooks
        client.event_hooks = {
            "request": [h for h in hooks["request"] if h is not _on_request] + [_on_request],
            "response": [_on_response] + [h for h in hooks["response"] if h is not _on_response],
        }
    return client


class _Inflater:
    """Bounded gzip/deflate decoding of a response body."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        self._url = url
        self._limit = limit
        self._produced = 0
        if encoding in ("", "identity"):
            self._decoder: Any = None
        elif encoding in ("gzip", "x-gzip"):
            self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._decoder = zlib.decompressobj()
        else:
            raise FetchFailed(
                f"The server at {url} sent the response in an unsupported encoding ({encoding}).",
                url=url,
            )

    def feed(self, data: bytes) -> bytes:
        if self._decoder is None:
            out = data
        else:
            try:
                out = self._decoder.decompress(data, self._limit - self._produced + 1)
            except zlib.error:
                raise FetchFailed(
                    f"The compressed response from {self._url} is corrupt.", url=self._url
                ) from None
            if self._decoder.unconsumed_tail:
                self._too_large()
        self._produced += len(out)
        if self._produced > self._limit:
            self._too_large()
        return out

    def _too_large(self) -> None:
        raise FetchTooLarge(
            f"The response from {self._url} is larger than the limit of {self._limit:,} bytes.",
            url=self._url,
        )


def _read_body(response: httpx.Response, limit: int, deadline: float, url: str) -> bytes:
    length = response.headers.get("content-length", "")
    if length.strip().isdigit() and int(length) > limit:
        raise FetchTooLarge(
            f"The response from {url} is {int(length):,} bytes, over the limit of {limit:,}.",
            url=url,
        )
    if response.is_stream_consumed:
        # An in-memory response (MockTransport, FileTransport) arrives already read
        # and decoded: only the size rule is left to apply.
        if len(response.content) > limit:
            raise FetchTooLarge(
                f"The response from {url} is larger than the limit of {limit:,} bytes.", url=url
            )
        return response.content
    encoding = response.headers.get("content-encoding", "").strip().lower()
    inflater = _Inflater(encoding, limit, url)
    parts: list[bytes] = []
    for chunk in response.iter_raw():
        parts.append(inflater.feed(chunk))
        if time.monotonic() > deadline:
            raise FetchFailed(f"{url} took too long to answer.", url=url)
    return b"".join(parts)


def fetch(
    url: str,
    *,
    client: httpx.Client | None = None,
    accept: str = DEFAULT_ACCEPT,
    max_bytes: int | None = None,
    total_timeout: float = TOTAL_TIMEOUT,
) -> Fetched:
    """GET ``url`` safely and return the final response, whatever its status.

    httpx follows up to 3 redirects (``follow_redirects``, the client's
    ``max_redirects``); the event hooks :func:`_on_request` and :func:`_on_response`
    check every hop as it happens (its address, the redirect's target, a slot of its
    host) and never read a redirect's body. The body of the final response is streamed
    and stopped past ``max_bytes`` (default: the client's ``max_body_bytes``, else
    :data:`skills.config.DEFAULTS`); the whole fetch,
    every hop included, must finish within ``total_timeout`` seconds. ``client``
    defaults to a new :func:`default_client` (closed afterwards); a given client (for
    example one with an ``httpx.MockTransport`` or :class:`FileTransport`) gets the same
    URL, redirect and size rules (the two hooks are added to it once; they act only
    within this function), the address checks being part of the default client's
    transport.

    Non-2xx statuses are returned, not raised. Raises :class:`BlockedURL` (scheme,
    credentials in the URL, refused address, too many redirects), :class:`FetchTooLarge`
    and :class:`FetchFailed` (timeout, connection error, broken response).
    """
    limit = max_bytes
    if limit is None:
        limit = getattr(client, "max_body_bytes", DEFAULTS.fetch_max_bytes)
    deadline = time.monotonic() + total_timeout
    outer = _DEADLINE.get()
    token = _DEADLINE.set(deadline if outer is None else min(outer, deadline))
    own = client is None
    http = default_client(total_timeout=total_timeout) if client is None else client
    hops = _Hops(url, deadline)
    hops_token = _HOPS.set(hops)
    try:
        request = http.build_request(
            "GET", _checked_url(url), headers={"Accept": accept, "Accept-Encoding": "gzip, deflate"}
        )
        try:
            response = _with_hop_hooks(http).send(request, stream=True, follow_redirects=True)
        except BlockedURL as err:
            if hops.in_flight:  # refused by the network backend: name the hop's address
                err.url = hops.current
            raise
        except httpx.TooManyRedirects:
            raise _too_many(url, min(MAX_REDIRECTS, http.max_redirects)) from None
        except httpx.TimeoutException:
            shown = hops.current
            raise FetchFailed(f"{shown} did not answer in time.", url=shown) from None
        except httpx.HTTPError as exc:
            shown = hops.current
            raise FetchFailed(f"{shown} could not be fetched ({exc}).", url=shown) from None
        shown = hops.current
        try:
            try:
                body = _read_body(response, limit, deadline, shown)
            except httpx.TimeoutException:
                raise FetchFailed(f"{shown} took too long to answer.", url=shown) from None
            except httpx.HTTPError as exc:
                raise FetchFailed(
                    f"The response from {shown} broke off ({exc}).", url=shown
                ) from None
            return Fetched(
                url=shown,
                status=response.status_code,
                content_type=response.headers.get("content-type", ""),
                body=body,
                redirects=tuple(hops.urls[1:]),
            )
        finally:
            response.close()
    finally:
        hops.release_slot()
        _HOPS.reset(hops_token)
        _DEADLINE.reset(token)
        if own:
            http.close()


# ── serving local folders as if they were hosted ────────────────────────────

_CONTENT_TYPES = {
    ".json": "application/ld+json",
    ".jsonld": "application/ld+json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".jwt": "application/jwt",
    ".jws": "application/jose",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


class FileTransport(httpx.BaseTransport):
    """An ``httpx`` transport serving URL prefixes from local folders.

    ``FileTransport({"https://demo.example/": Path("data/hosted")})`` answers
    ``GET https://demo.example/issuers/acme.json`` with that file. A path without the
    file also matches ``<path>.json`` (hosted ids rarely end in ``.json``). Anything
    else, including paths escaping the folder, is a 404; methods other than GET/HEAD
    are 405. Reads files only; no network.
    """

    def __init__(self, roots: Mapping[str, Path]) -> None:
        self._roots = sorted(
            ((prefix, Path(folder).resolve()) for prefix, folder in roots.items()),
            key=lambda item: len(item[0]),
            reverse=True,
        )

    def _locate(self, url: str) -> Path | None:
        for prefix, folder in self._roots:
            if not url.startswith(prefix):
                continue
            relative = unquote(url[len(prefix) :]).lstrip("/")
            candidate = (folder / relative).resolve()
            if not candidate.is_relative_to(folder):
                return None
            for path in (candidate, candidate.with_name(candidate.name + ".json")):
                if path.is_file() and path.is_relative_to(folder):
                    return path
            return None
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method not in ("GET", "HEAD"):
            return httpx.Response(405, request=request)
        url = str(request.url.copy_with(query=None, fragment=None))
        path = self._locate(url)
        if path is None:
            return httpx.Response(404, text="not found", request=request)
        content_type = _CONTENT_TYPES.get(path.suffix.lower()) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        body = b"" if request.method == "HEAD" else path.read_bytes()
        return httpx.Response(
            200, headers={"Content-Type": content_type}, content=body, request=request
        )


__all__ = [
    "CONNECT_TIMEOUT",
    "MAX_REDIRECTS",
    "TOTAL_TIMEOUT",
    "Fetched",
    "FileTransport",
    "GuardedBackend",
    "GuardedTransport",
    "blocked_reason",
    "default_client",
    "fetch",
    "mirrored_client",
    "shared_client",
]


class MirrorTransport(httpx.BaseTransport):
    """Serves hosts mirrored as ``<folder>/<host>/...`` from files, the rest via ``fallback``."""

    def __init__(self, folder: Path, *, fallback: httpx.BaseTransport) -> None:
        hosts = [d for d in Path(folder).iterdir() if d.is_dir()]
        self._hosts = {d.name.lower() for d in hosts}
        roots: dict[str, Path] = {}
        for d in hosts:
            roots[f"https://{d.name}/"] = d
            roots[f"http://{d.name}/"] = d
        self._files = FileTransport(roots)
        self._fallback = fallback

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host.lower() in self._hosts:
            return self._files.handle_request(request)
        return self._fallback.handle_request(request)

    def close(self) -> None:
        self._fallback.close()
