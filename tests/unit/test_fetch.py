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
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

import skills.fetch as fetch_module
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
        port = self.server.server_address[1]
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


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLS_FETCH_ALLOW_HOSTS", "127.0.0.1,localhost")


# ── address guard ───────────────────────────────────────────────────────────


def test_loopback_server_is_refused_by_default(server: str) -> None:
    with pytest.raises(BlockedURL, match="loopback"):
        fetch(f"{server}/badge")


def test_loopback_server_is_reachable_when_allowed(server: str, allow_loopback: None) -> None:
    got = fetch(f"{server}/badge")
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


def _fake_resolver(*addresses: str):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:  # type: ignore[type-arg]
        out = []
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            out.append((family, socket.SOCK_STREAM, 6, "", (address, port)))
        return out

    return resolve


def test_name_resolving_to_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", _fake_resolver("10.0.0.1"))
    with pytest.raises(BlockedURL, match=r"internal\.example.*10\.0\.0\.1.*private"):
        fetch("https://internal.example/badge.json")


def test_any_private_address_among_several_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebinding name that answers with a public and a private address gets nowhere."""
    monkeypatch.setattr(
        fetch_module.socket, "getaddrinfo", _fake_resolver("93.184.216.34", "192.168.1.5")
    )
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


def test_three_redirects_are_followed(server: str, allow_loopback: None) -> None:
    got = fetch(f"{server}/hop/2")
    assert got.status == 200
    assert got.json() == BADGE
    assert got.redirects == (f"{server}/hop/1", f"{server}/hop/0", f"{server}/badge")
    assert got.url == f"{server}/badge"


def test_a_fourth_redirect_is_refused(server: str, allow_loopback: None) -> None:
    with pytest.raises(BlockedURL, match="more than 3"):
        fetch(f"{server}/hop/3")


def test_redirect_to_a_loopback_address_is_refused(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only 'localhost' is allowed; its redirect to 127.0.0.1 must not get through."""
    monkeypatch.setenv("SKILLS_FETCH_ALLOW_HOSTS", "localhost")
    port = server.rsplit(":", 1)[1]
    with pytest.raises(BlockedURL, match=r"127\.0\.0\.1"):
        fetch(f"http://localhost:{port}/to-ip")


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


# ── statuses, sizes, time ───────────────────────────────────────────────────


def test_error_statuses_are_returned_not_raised(server: str, allow_loopback: None) -> None:
    assert fetch(f"{server}/gone").status == 410
    assert fetch(f"{server}/missing").status == 404


def test_declared_oversize_body_is_refused(server: str, allow_loopback: None) -> None:
    with pytest.raises(FetchTooLarge, match="over the limit"):
        fetch(f"{server}/big")


def test_undeclared_oversize_body_is_cut_off(server: str, allow_loopback: None) -> None:
    with pytest.raises(FetchTooLarge):
        fetch(f"{server}/big-unsized")


def test_max_bytes_setting_is_honoured(
    server: str, allow_loopback: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILLS_FETCH_MAX_BYTES", "10")
    with pytest.raises(FetchTooLarge):
        fetch(f"{server}/badge")
    assert fetch(f"{server}/badge", max_bytes=10_000).status == 200


def test_gzip_bomb_is_refused(server: str, allow_loopback: None) -> None:
    with pytest.raises(FetchTooLarge):
        fetch(f"{server}/gzip-bomb")


def test_gzip_body_is_decoded() -> None:
    payload = json.dumps(BADGE).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Encoding": "gzip"}, content=gzip.compress(payload)
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert fetch("https://issuer.example/b", client=client).body == payload


def test_total_deadline_stops_a_trickling_server(server: str, allow_loopback: None) -> None:
    """Bytes keep arriving (no read ever times out), but the whole fetch has a deadline."""
    with pytest.raises(FetchFailed, match=r"too long|in time"):
        fetch(f"{server}/trickle", total_timeout=0.5)


def test_default_client_has_a_total_deadline(server: str, allow_loopback: None) -> None:
    with default_client(total_timeout=0.5) as client, pytest.raises(httpx.TimeoutException):
        client.get(f"{server}/trickle")


def test_connection_refused_is_a_fetch_failure(allow_loopback: None) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchFailed):
        fetch(f"http://127.0.0.1:{port}/badge")


def test_unresolvable_name_is_a_fetch_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", fail)
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

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", slow)
    try:
        with pytest.raises(FetchFailed, match="in time"):
            fetch("https://slow-dns.example/badge", total_timeout=0.3)
    finally:
        answer.set()
