"""The hardened fetcher: address guard, redirects, size and time limits, FileTransport.

Real traffic goes only to a loopback server started here; everything else is refused
before connecting or goes through httpx.MockTransport.
"""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

import skills.fetch as fetch_module
from skills.config import Settings
from skills.errors import BlockedURL, FetchFailed, FetchTooLarge, MalformedInput
from skills.fetch import FileTransport, blocked_reason, default_client, fetch

BADGE = {"type": "Assertion", "id": "urn:uuid:1"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle(self) -> None:
        # The client hangs up on purpose (size cap, deadline).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        port = self.connection.getsockname()[1]
        try:
            if path == "/badge":
                self._send(200, json.dumps(BADGE).encode(), {"Content-Type": "application/json"})
            elif path == "/gone":
                self._send(410, b"gone")
            elif path.startswith("/hop/"):
                left = int(path.rsplit("/", 1)[1])
                target = "/badge" if left == 0 else f"/hop/{left - 1}"
                self._send(302, headers={"Location": target})
            elif path == "/to-ip":
                self._send(302, headers={"Location": f"http://127.0.0.1:{port}/badge"})
            elif path == "/to-name":
                self._send(302, headers={"Location": f"http://internal.example:{port}/badge"})
            elif path == "/big":
                self._send(200, b"x" * 2_000_000)
            elif path == "/big-unsized":
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                for _ in range(40):
                    self.wfile.write(b"y" * 65536)
                self.close_connection = True
            elif path == "/gzip-bomb":
                body = gzip.compress(b"\0" * 50_000_000)
                self._send(200, body, {"Content-Encoding": "gzip"})
            elif path == "/trickle":
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                for _ in range(1000):
                    self.wfile.write(b"z")
                    self.wfile.flush()
                    time.sleep(0.05)
            else:
                self._send(404, b"not found")
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


LOOPBACK = Settings(fetch_allow_hosts=frozenset({"127.0.0.1", "localhost"}))
LOCALHOST_ONLY = Settings(fetch_allow_hosts=frozenset({"localhost"}))


@pytest.fixture
def loopback() -> Iterator[httpx.Client]:
    """A hardened client whose settings allow the test server's loopback addresses."""
    with default_client(settings=LOOPBACK) as client:
        yield client


# ── address guard ───────────────────────────────────────────────────────────


def test_loopback_server_is_refused_by_default(server: str) -> None:
    with pytest.raises(BlockedURL, match="loopback"):
        fetch(f"{server}/badge")


def test_loopback_server_is_reachable_when_allowed(server: str, loopback: httpx.Client) -> None:
    got = fetch(f"{server}/badge", client=loopback)
    assert got.status == 200
    assert got.json() == BADGE
    assert got.content_type == "application/json"
    assert got.url == f"{server}/badge"
    assert got.redirects == ()


def test_default_client_itself_refuses_private_addresses(server: str) -> None:
    """Callers using the client directly (not fetch) are guarded too."""
    with default_client() as client, pytest.raises(BlockedURL):
        client.get(f"{server}/badge")


def test_cloud_metadata_address_is_refused() -> None:
    with pytest.raises(BlockedURL, match=r"169.254.169.254"):
        fetch("http://169.254.169.254/latest/meta-data/")


def _fake_resolver(*addresses: str) -> Callable[..., list[tuple[Any, ...]]]:
    def resolve(host: str, port: int, *args: object, **kwargs: object) -> list[tuple[Any, ...]]:
        out = []
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            out.append((family, socket.SOCK_STREAM, 6, "", (address, port)))
        return out

    return resolve


def test_name_resolving_to_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _fake_resolver("10.0.0.1"))
    with pytest.raises(BlockedURL, match=r"internal\.example.*10\.0\.0\.1.*private"):
        fetch("https://internal.example/badge.json")


def test_any_private_address_among_several_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebinding name that answers with a public and a private address gets nowhere."""
    monkeypatch.setattr(socket, "getaddrinfo", _fake_resolver("93.184.216.34", "192.168.1.5"))
    with pytest.raises(BlockedURL, match=r"192.168.1.5"):
        fetch("http://rebind.example/")


def test_mapped_ipv6_literal_is_refused() -> None:
    with pytest.raises(BlockedURL):
        fetch("http://[::ffff:127.0.0.1]/")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fd00::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:a00:1::1",  # 6to4 embedding 10.0.0.1
        "2002:7f00:1::1",  # 6to4 embedding 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 embedding 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.org/badge.json",
        "gopher://example.org/",
        "javascript:alert(1)",
        "https://user:secret@example.org/badge.json",
        "not a url at all",
    ],
)
def test_unsafe_urls_are_refused_before_connecting(url: str) -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be sent")

    with httpx.Client(transport=httpx.MockTransport(never)) as client, pytest.raises(BlockedURL):
        fetch(url, client=client)


# ── redirects ───────────────────────────────────────────────────────────────


def test_three_redirects_are_followed(server: str, loopback: httpx.Client) -> None:
    got = fetch(f"{server}/hop/2", client=loopback)
    assert got.status == 200
    assert got.json() == BADGE
    assert got.redirects == (f"{server}/hop/1", f"{server}/hop/0", f"{server}/badge")
    assert got.url == f"{server}/badge"


def test_a_fourth_redirect_is_refused(server: str, loopback: httpx.Client) -> None:
    with pytest.raises(BlockedURL, match="more than 3"):
        fetch(f"{server}/hop/3", client=loopback)


def test_redirect_to_a_loopback_address_is_refused(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only 'localhost' is allowed; its redirect to 127.0.0.1 must not get through."""
    port = server.rsplit(":", 1)[1]
    with (
        default_client(settings=LOCALHOST_ONLY) as client,
        pytest.raises(BlockedURL, match=r"127\.0\.0\.1"),
    ):
        fetch(f"http://localhost:{port}/to-ip", client=client)


def test_redirect_to_another_scheme_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "file:///etc/passwd"})

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(BlockedURL, match="only fetches http and https"),
    ):
        fetch("https://issuer.example/a", client=client)


def test_relative_redirects_resolve_against_the_current_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old/badge":
            return httpx.Response(301, headers={"Location": "../new/badge"})
        return httpx.Response(200, json=BADGE)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        got = fetch("https://issuer.example/old/badge", client=client)
    assert got.url == "https://issuer.example/new/badge"
    assert got.redirects == ("https://issuer.example/new/badge",)


def test_redirect_to_a_name_that_resolves_privately_is_refused_on_that_hop(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The redirect names a public-looking host; the backend resolves it on that hop, finds
    a loopback address (where the test server does answer) and refuses to connect."""
    real_getaddrinfo = socket.getaddrinfo
    looked_up: list[str] = []

    def resolve(host: str, port: int, *args: object, **kwargs: object) -> list[tuple[Any, ...]]:
        if host == "internal.example":
            looked_up.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real_getaddrinfo(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    port = server.rsplit(":", 1)[1]
    with (
        default_client(settings=LOCALHOST_ONLY) as client,
        pytest.raises(BlockedURL, match=r"internal\.example.*127\.0\.0\.1.*loopback") as caught,
    ):
        fetch(f"http://localhost:{port}/to-name", client=client)
    assert looked_up == ["internal.example"]
    assert caught.value.url == f"http://internal.example:{port}/badge"


def test_a_callers_client_is_held_to_three_redirects() -> None:
    """httpx's own limit is the client's (20 by default here): fetch still stops at 3."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(302, headers={"Location": f"/loop/{len(sent)}"})

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(BlockedURL, match="more than 3 times") as caught,
    ):
        fetch("https://issuer.example/loop/0", client=client)
    assert len(sent) == 4
    assert caught.value.url == "https://issuer.example/loop/0"


def test_a_fourth_redirect_is_refused_as_one_too_many_whatever_its_target() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        hop = int(request.url.path.rsplit("/", 1)[1])
        target = "file:///etc/passwd" if hop == 3 else f"/hop/{hop + 1}"
        return httpx.Response(302, headers={"Location": target})

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(BlockedURL, match="more than 3 times"),
    ):
        fetch("https://issuer.example/hop/0", client=client)


class _UnreadableBody(httpx.SyncByteStream):
    """A response body that fails the test if anything reads it."""

    def __iter__(self) -> Iterator[bytes]:
        raise AssertionError("the body of a redirect was read")
        yield b""  # pragma: no cover


def test_the_body_of_a_redirect_is_never_read() -> None:
    """httpx reads a redirect's body whole before following it; fetch drops it unread, so
    an endless body behind a redirect costs nothing and the size cap is never bypassed."""
    closed: list[bool] = []

    class Body(_UnreadableBody):
        def close(self) -> None:
            closed.append(True)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/moved":
            return httpx.Response(
                302, headers={"Location": "/badge", "Content-Encoding": "gzip"}, stream=Body()
            )
        return httpx.Response(200, json=BADGE)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        got = fetch("https://issuer.example/moved", client=client)
    assert got.json() == BADGE
    assert got.redirects == ("https://issuer.example/badge",)
    assert closed == [True]


def test_a_redirect_status_without_a_location_is_the_response() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(302, headers={"Location": ""}, content=b"moved nowhere")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        got = fetch("https://issuer.example/nowhere", client=client)
    assert (got.status, got.body, got.redirects) == (302, b"moved nowhere", ())
    assert sent == ["https://issuer.example/nowhere"]


def test_the_total_deadline_covers_every_hop_together(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """skills.fetch reads a clock that each request moves 6 s on (in the fetching thread,
    from a request hook of the client, so nothing races). Each hop fits in the 15 s
    allowed, and so do two; the third request finds the fetch's time spent."""

    class Clock:
        offset = 0.0

        def monotonic(self) -> float:
            return time.monotonic() + self.offset

        def sleep(self, seconds: float) -> None:
            time.sleep(seconds)

    clock = Clock()

    def costs_six_seconds(request: httpx.Request) -> None:
        clock.offset += 6.0

    monkeypatch.setattr(fetch_module, "time", clock)
    with default_client(settings=LOOPBACK) as client:
        client.event_hooks["request"].insert(0, costs_six_seconds)
        assert fetch(f"{server}/hop/0", client=client).json() == BADGE
        with pytest.raises(FetchFailed, match="did not answer in time") as caught:
            fetch(f"{server}/hop/2", client=client)
    assert caught.value.url == f"{server}/hop/0"


def test_the_per_host_limit_applies_to_every_hop() -> None:
    """Ten fetches start at ten different hosts and are all redirected to one host: at most
    four of them are inside that host at once."""
    lock = threading.Lock()
    running = 0
    peak = 0
    four_inside = threading.Event()
    release = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal running, peak
        if request.url.host != "busy.example":
            return httpx.Response(
                302, headers={"Location": f"https://busy.example{request.url.path}"}
            )
        with lock:
            running += 1
            peak = max(peak, running)
            if running == 4:
                four_inside.set()
        release.wait(120)  # only a hung run waits this long
        with lock:
            running -= 1
        return httpx.Response(200, json=BADGE)

    results: list[str] = []

    def run(i: int) -> None:
        results.append(fetch(f"https://start{i}.example/{i}", client=client).url)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(10)]
        for thread in threads:
            thread.start()
        assert four_inside.wait(120), "four requests never ran at once"
        release.set()
        for thread in threads:
            thread.join()
    assert peak == 4
    assert sorted(results) == sorted(f"https://busy.example/{i}" for i in range(10))


def test_fetch_leaves_a_callers_client_working_as_before() -> None:
    """fetch adds its hooks to a caller's client; outside fetch they do nothing, so the
    client keeps its own redirect policy and its own hooks."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hop = int(request.url.path.rsplit("/", 1)[1])
        if hop < 5:
            return httpx.Response(302, headers={"Location": f"/hop/{hop + 1}"})
        return httpx.Response(200, json=BADGE)

    with httpx.Client(
        transport=httpx.MockTransport(handler),
        event_hooks={"request": [lambda request: seen.append(request.url.path)]},
    ) as client:
        with pytest.raises(BlockedURL, match="more than 3"):
            fetch("https://issuer.example/hop/0", client=client)
        assert client.get("https://issuer.example/hop/0", follow_redirects=True).json() == BADGE
    # The client's own hook runs first, then fetch's refuses the fifth request unsent.
    assert seen == [f"/hop/{i}" for i in range(5)] + [f"/hop/{i}" for i in range(6)]


# ── statuses, sizes, time ───────────────────────────────────────────────────


def test_error_statuses_are_returned_not_raised(server: str, loopback: httpx.Client) -> None:
    assert fetch(f"{server}/gone", client=loopback).status == 410
    assert fetch(f"{server}/missing", client=loopback).status == 404


def test_declared_oversize_body_is_refused(server: str, loopback: httpx.Client) -> None:
    with pytest.raises(FetchTooLarge, match="over the limit"):
        fetch(f"{server}/big", client=loopback)


def test_undeclared_oversize_body_is_cut_off(server: str, loopback: httpx.Client) -> None:
    with pytest.raises(FetchTooLarge):
        fetch(f"{server}/big-unsized", client=loopback)


def test_max_bytes_setting_is_honoured(server: str) -> None:
    with default_client(settings=replace(LOOPBACK, fetch_max_bytes=10)) as client:
        with pytest.raises(FetchTooLarge):
            fetch(f"{server}/badge", client=client)
        assert fetch(f"{server}/badge", max_bytes=10_000, client=client).status == 200


def test_gzip_bomb_is_refused(server: str, loopback: httpx.Client) -> None:
    with pytest.raises(FetchTooLarge):
        fetch(f"{server}/gzip-bomb", client=loopback)


def test_gzip_body_is_decoded() -> None:
    payload = json.dumps(BADGE).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Encoding": "gzip"}, content=gzip.compress(payload)
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert fetch("https://issuer.example/b", client=client).body == payload


def test_total_deadline_stops_a_trickling_server(server: str, loopback: httpx.Client) -> None:
    """Bytes keep arriving (no read ever times out), but the whole fetch has a deadline."""
    with pytest.raises(FetchFailed, match=r"too long|in time"):
        fetch(f"{server}/trickle", total_timeout=0.5, client=loopback)


def test_default_client_has_a_total_deadline(server: str) -> None:
    with (
        default_client(total_timeout=0.5, settings=LOOPBACK) as client,
        pytest.raises(httpx.TimeoutException),
    ):
        client.get(f"{server}/trickle")


def test_connection_refused_is_a_fetch_failure(loopback: httpx.Client) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchFailed):
        fetch(f"http://127.0.0.1:{port}/badge", client=loopback)


def test_unresolvable_name_is_a_fetch_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(FetchFailed, match="could not be fetched"):
        fetch("https://no-such-issuer.example/badge")


def test_json_of_a_response_is_parsed_strictly() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"id": 1, "id": 2}')

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        got = fetch("https://issuer.example/dup", client=client)
    with pytest.raises(MalformedInput, match="repeats the key"):
        got.json()


def test_at_most_four_requests_per_host_run_at_once() -> None:
    """Signals, not sleeps: the handler holds every request until four are inside it at once,
    so ten threads reach the limit for sure; a fifth would raise the peak past four."""
    lock = threading.Lock()
    running = 0
    peak = 0
    four_inside = threading.Event()
    release = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            if running == 4:
                four_inside.set()
        release.wait(120)  # only a hung run waits this long
        with lock:
            running -= 1
        return httpx.Response(200, json=BADGE)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        threads = [
            threading.Thread(
                target=fetch, args=(f"https://busy.example/{i}",), kwargs={"client": client}
            )
            for i in range(10)
        ]
        for thread in threads:
            thread.start()
        assert four_inside.wait(120), "four requests never ran at once"
        release.set()
        for thread in threads:
            thread.join()
    assert peak == 4


# ── FileTransport ───────────────────────────────────────────────────────────


def test_file_transport_serves_folders_as_hosted_files(tmp_path: Path) -> None:
    (tmp_path / "issuers").mkdir()
    (tmp_path / "issuers" / "acme.json").write_text(json.dumps({"id": "acme"}))
    (tmp_path / "badge.png").write_bytes(b"\x89PNG")
    (tmp_path.parent / "secret.txt").write_text("secret")
    transport = FileTransport({"https://demo.example/": tmp_path})
    with httpx.Client(transport=transport) as client:
        profile = fetch("https://demo.example/issuers/acme.json", client=client)
        assert profile.status == 200
        assert profile.content_type == "application/ld+json"
        assert profile.json() == {"id": "acme"}
        assert fetch("https://demo.example/issuers/acme", client=client).json() == {"id": "acme"}
        assert fetch("https://demo.example/badge.png", client=client).content_type == "image/png"
        assert fetch("https://demo.example/nothing.json", client=client).status == 404
        assert fetch("https://demo.example/%2e%2e/secret.txt", client=client).status == 404
        assert fetch("https://other.example/issuers/acme.json", client=client).status == 404


def test_slow_name_lookup_counts_against_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = threading.Event()

    def slow(*args: object, **kwargs: object) -> list[object]:
        answer.wait(10)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    try:
        with pytest.raises(FetchFailed, match="in time"):
            fetch("https://slow-dns.example/badge", total_timeout=0.3)
    finally:
        answer.set()
