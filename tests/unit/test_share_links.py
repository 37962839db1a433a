"""Share links: a badge platform's public page verifies as the Open Badges assertion behind it.

Every response is recorded (hand-written after the platforms' documented formats) and served
through ``httpx.MockTransport``; the SSRF tests use the hardened transport, which refuses the
private address before connecting. Nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import socket
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from skills import fetch as fetch_module
from skills.fetch import GuardedTransport
from skills.verify import Status, verify
from skills.verify._share_links import match_share_link, resolve_share_link

NOW = datetime(2026, 6, 1, tzinfo=UTC)
CTX = "https://w3id.org/openbadges/v2"
EMAIL = "margaret@example.org"
SALT = "c0ffee"


def salted(email: str = EMAIL, salt: str = SALT) -> str:
    return "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


# ── the patterns (pure) ───────────────────────────────────────────────────────

CREDLY_ID = "54a07c5c-89f9-4c33-9731-e1b0d34f88b9"
CREDLY_ENDPOINT = f"https://api.credly.com/v1/obi/v2/badge_assertions/{CREDLY_ID}"
BADGR_ID = "DyM-w_V-SEKU64D90AsrEA"
OBF_ID = "d600bc4138e7946adeb9e9bdc6b86339f2577781"


@pytest.mark.parametrize(
    ("page", "endpoint"),
    [
        (f"https://www.credly.com/badges/{CREDLY_ID}", CREDLY_ENDPOINT),
        (f"https://www.credly.com/badges/{CREDLY_ID}/public_url", CREDLY_ENDPOINT),
        (f"https://credly.com/badges/{CREDLY_ID.upper()}/", CREDLY_ENDPOINT),
        (
            f"https://www.youracclaim.com/badges/{CREDLY_ID}/linked_in_profile?source=x",
            CREDLY_ENDPOINT,
        ),
        (
            f"https://badgr.com/public/assertions/{BADGR_ID}?identity__email=a%40b.example",
            f"https://api.badgr.io/public/assertions/{BADGR_ID}?v=2_0",
        ),
        (
            f"https://eu.badgr.com/public/assertions/{BADGR_ID}",
            f"https://api.eu.badgr.io/public/assertions/{BADGR_ID}?v=2_0",
        ),
        (
            f"https://ca.badgr.com/public/assertions/{BADGR_ID}#top",
            f"https://api.ca.badgr.io/public/assertions/{BADGR_ID}?v=2_0",
        ),
        (
            f"https://badges.parchment.eu/public/assertions/{BADGR_ID}",
            f"https://api.badges.parchment.eu/public/assertions/{BADGR_ID}?v=2_0",
        ),
        (
            f"https://openbadgefactory.com/v1/assertion/{OBF_ID}.html",
            f"https://openbadgefactory.com/v1/assertion/{OBF_ID}",
        ),
    ],
)
def test_documented_page_patterns_resolve_to_their_endpoints(page: str, endpoint: str) -> None:
    assert resolve_share_link(page) == endpoint


@pytest.mark.parametrize(
    "url",
    [
        "https://www.credential.net/9e3a5063-48e0-4e5d-bc57-9856fae44339",
        "https://www.credly.com/users/someone/badges",
        f"https://www.credly.com/badges/{CREDLY_ID}/evidence",
        f"https://www.credly.com:8443/badges/{CREDLY_ID}",
        f"https://user@www.credly.com/badges/{CREDLY_ID}",
        f"https://asu.badgr.com/public/assertions/{BADGR_ID}",
        "https://badgr.com/public/badges/level-2-cat-fancier",
        f"https://openbadgefactory.com/v1/assertion/{OBF_ID}",
        f"ftp://www.credly.com/badges/{CREDLY_ID}",
        "https://badges.example/assertions/1",
        "not a url",
    ],
)
def test_other_addresses_are_not_share_links(url: str) -> None:
    assert match_share_link(url) is None


# ── recorded platforms ────────────────────────────────────────────────────────


class Platform:
    """Serves recorded documents by exact URL and remembers what was asked for."""

    def __init__(self, served: dict[str, Any]) -> None:
        self.served = served
        self.requested: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requested.append(url)
        body = self.served.get(url)
        if body is None:
            return httpx.Response(404, text="not found")
        if isinstance(body, str):
            return httpx.Response(200, text=body, headers={"Content-Type": "text/html"})
        return httpx.Response(200, json=body, headers={"Content-Type": "application/ld+json"})

    def verify(self, source: str, **kw: Any) -> Any:
        with httpx.Client(transport=httpx.MockTransport(self.handler)) as client:
            return verify(source, client=client, now=NOW, **kw)


def check(report: Any, name: str) -> Any:
    return [c for c in report.checks if c.name == name][-1]


CREDLY_ISSUER = "https://api.credly.com/v1/obi/v2/issuers/12b808a7-249d-42fe-a63d-30ffba7bb1fb"
CREDLY_CLASS = f"{CREDLY_ISSUER}/badge_classes/670dcefd-e914-4707-9691-80496ee60360"


def credly() -> Platform:
    """After Credly's "OBI specified endpoints" documentation (unsalted hashed e-mail,
    ``verification.type`` ``hosted``)."""
    return Platform(
        {
            CREDLY_ENDPOINT: {
                "@context": CTX,
                "badge": CREDLY_CLASS,
                "id": CREDLY_ENDPOINT,
                "issuedOn": "2025-04-01T14:41:00.000Z",
                "recipient": {
                    "type": "email",
                    "identity": "sha256$" + hashlib.sha256(EMAIL.encode()).hexdigest(),
                    "hashed": True,
                },
                "type": "Assertion",
                "verification": {"type": "hosted"},
            },
            CREDLY_CLASS: {
                "@context": CTX,
                "criteria": {
                    "id": "https://www.credly.com/org/organization-232/badge/sql-basics",
                    "narrative": "Pass the SQL basics exam.",
                },
                "description": "Writes correct SQL queries.",
                "id": CREDLY_CLASS,
                "image": "https://images.credly.com/images/sql-basics.png",
                "issuer": CREDLY_ISSUER,
                "name": "SQL Basics",
                "tags": ["SQL", "Databases"],
                "type": "BadgeClass",
            },
            CREDLY_ISSUER: {
                "@context": CTX,
                "email": "support@credly.example",
                "id": CREDLY_ISSUER,
                "name": "Organization 232",
                "type": "Issuer",
                "url": "https://www.credly.com/org/organization-232",
            },
        }
    )


BADGR_API = "https://api.eu.badgr.io/public"
BADGR_ASSERTION = f"{BADGR_API}/assertions/{BADGR_ID}"
BADGR_CLASS = f"{BADGR_API}/badges/Qv1ZlNVqS3-3WV6JWxIz8A"
BADGR_ISSUER = f"{BADGR_API}/issuers/oAPeK7yhTOe9YwdWhZnvhg"


def badgr() -> Platform:
    """After badgr-server's public API with ``?v=2_0`` (the badge's id carries no query)."""
    assertion = {
        "@context": CTX,
        "type": "Assertion",
        "id": BADGR_ASSERTION,
        "badge": BADGR_CLASS,
        "image": f"{BADGR_ASSERTION}/image",
        "verification": {"type": "HostedBadge"},
        "issuedOn": "2024-11-05T10:27:20.621903+00:00",
        "recipient": {"hashed": True, "type": "email", "identity": salted(), "salt": SALT},
    }
    return Platform(
        {
            f"{BADGR_ASSERTION}?v=2_0": assertion,
            BADGR_ASSERTION: assertion,
            BADGR_CLASS: {
                "@context": CTX,
                "type": "BadgeClass",
                "id": BADGR_CLASS,
                "name": "Software Quality Silver",
                "description": "The software meets the silver quality criteria.",
                "image": f"{BADGR_CLASS}/image",
                "criteria": {"narrative": "Pass the silver assessment."},
                "issuer": BADGR_ISSUER,
            },
            BADGR_ISSUER: {
                "@context": CTX,
                "type": "Issuer",
                "id": BADGR_ISSUER,
                "name": "SQAaaS",
                "url": "https://sqaaas.example",
                "email": "badges@sqaaas.example",
            },
        }
    )


OBF_ASSERTION = f"https://openbadgefactory.com/v1/assertion/{OBF_ID}"
OBF_CLASS = "https://openbadgefactory.com/v1/badge/_/T5EFYFaNXGXaD13.json?v=2.0"
OBF_ISSUER = "https://openbadgefactory.com/v1/client/_/T5ECKaNXGXaCX.json?v=2.0"


def obf() -> Platform:
    return Platform(
        {
            OBF_ASSERTION: {
                "@context": CTX,
                "type": "Assertion",
                "id": OBF_ASSERTION,
                "recipient": {"type": "email", "hashed": True, "salt": SALT, "identity": salted()},
                "badge": OBF_CLASS,
                "issuedOn": "2024-10-24T12:00:00Z",
                "verification": {"type": "HostedBadge"},
            },
            OBF_CLASS: {
                "@context": CTX,
                "type": "BadgeClass",
                "id": OBF_CLASS,
                "name": "Innovez pour la biodiversité",
                "description": "Hackathon project on marine biodiversity.",
                "image": "https://openbadgefactory.com/v1/badge/_/T5EFYFaNXGXaD13.png",
                "criteria": {"narrative": "Build and pitch a prototype."},
                "issuer": OBF_ISSUER,
            },
            OBF_ISSUER: {
                "@context": CTX,
                "type": "Issuer",
                "id": OBF_ISSUER,
                "name": "I-NOVGAMES",
                "url": "https://openbadgefactory.com",
            },
        }
    )


@pytest.mark.parametrize(
    ("platform", "page", "endpoint", "name", "badge"),
    [
        (
            credly,
            f"https://www.credly.com/badges/{CREDLY_ID}/public_url",
            CREDLY_ENDPOINT,
            "Credly",
            "SQL Basics",
        ),
        (
            badgr,
            f"https://eu.badgr.com/public/assertions/{BADGR_ID}?identity__email=x%40y.example",
            f"{BADGR_ASSERTION}?v=2_0",
            "Canvas Credentials (Badgr)",
            "Software Quality Silver",
        ),
        (
            obf,
            f"https://openbadgefactory.com/v1/assertion/{OBF_ID}.html",
            OBF_ASSERTION,
            "Open Badge Factory",
            "Innovez pour la biodiversité",
        ),
    ],
)
def test_a_pasted_platform_page_verifies_as_its_assertion(
    platform: Any, page: str, endpoint: str, name: str, badge: str
) -> None:
    served = platform()
    report = served.verify(page, recipient=EMAIL)
    assert report.ok, report.summary
    assert report.credential is not None and report.credential.achievement.name == badge
    (read,) = [c for c in report.checks if c.name == "input"]  # one check per name
    assert read.outcome == "passed"
    assert f"Resolved the {name} page to its Open Badges assertion ({endpoint})." in read.message
    assert served.requested[0] == endpoint
    assert page not in served.requested  # the web page itself is never fetched


def test_a_resolved_endpoint_that_is_gone_is_reported_with_the_platform() -> None:
    served = credly()
    del served.served[CREDLY_ENDPOINT]
    report = served.verify(f"https://www.credly.com/badges/{CREDLY_ID}")
    assert report.status is Status.INVALID
    assert check(report, "hosted").message == (
        f"No badge could be read at the Credly endpoint {CREDLY_ENDPOINT} (HTTP 404)."
    )
    assert "Resolved the Credly page" in check(report, "input").message


# ── pages no pattern covers ──────────────────────────────────────────────────

UNKNOWN_PAGE = "https://badges.university.example/earned/42"
HTML = "<!DOCTYPE html><html><head><title>My badge</title></head><body>...</body></html>"


def test_a_page_answering_json_ld_to_content_negotiation_verifies() -> None:
    assertion = {
        "@context": CTX,
        "type": "Assertion",
        "id": UNKNOWN_PAGE,
        "recipient": {"type": "email", "hashed": True, "salt": SALT, "identity": salted()},
        "badge": "https://badges.university.example/classes/7",
        "issuedOn": "2025-01-01T00:00:00Z",
        "verification": {"type": "HostedBadge"},
    }
    docs: dict[str, Any] = {
        "https://badges.university.example/classes/7": {
            "@context": CTX,
            "type": "BadgeClass",
            "id": "https://badges.university.example/classes/7",
            "name": "Statistics",
            "description": "Applies statistics.",
            "image": "https://badges.university.example/7.png",
            "criteria": {"narrative": "Pass."},
            "issuer": "https://badges.university.example/issuer",
        },
        "https://badges.university.example/issuer": {
            "@context": CTX,
            "type": "Issuer",
            "id": "https://badges.university.example/issuer",
            "name": "University",
            "url": "https://badges.university.example",
        },
    }
    accepts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url == UNKNOWN_PAGE:
            accepts.append(request.headers.get("accept", ""))
            if "application/ld+json" in request.headers.get("accept", ""):
                return httpx.Response(200, json=assertion)
            return httpx.Response(200, text=HTML, headers={"Content-Type": "text/html"})
        if url in docs:
            return httpx.Response(200, json=docs[url])
        return httpx.Response(404)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        report = verify(UNKNOWN_PAGE, client=client, now=NOW)
    assert report.ok, report.summary
    assert accepts and accepts[0].startswith("application/ld+json")
    assert not any(c.message.startswith("Resolved") for c in report.checks)


def test_an_unknown_web_page_is_reported_clearly() -> None:
    report = Platform({UNKNOWN_PAGE: HTML}).verify(UNKNOWN_PAGE)
    assert report.status is Status.INVALID
    message = check(report, "hosted").message
    assert message.startswith(f"{UNKNOWN_PAGE} is a web page, not an Open Badges document.")
    assert "Credly" in message and "assertion URL" in message


def test_an_accredible_page_says_where_its_assertions_are() -> None:
    page = "https://www.credential.net/9e3a5063-48e0-4e5d-bc57-9856fae44339"
    report = Platform({page: HTML}).verify(page)
    assert report.status is Status.INVALID
    message = check(report, "hosted").message
    assert "web page of Accredible" in message
    assert "https://api.accredible.com/v1/obi/badge_assertions/" in message


# ── the SSRF guard applies to resolved endpoints ─────────────────────────────


class RedirectingPlatform(httpx.BaseTransport):
    """Answers the Credly endpoint with a redirect; everything else goes through the
    hardened transport (which refuses private addresses before connecting)."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.guarded = GuardedTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.credly.com":
            return httpx.Response(302, headers={"Location": self.location}, request=request)
        return self.guarded.handle_request(request)

    def close(self) -> None:
        self.guarded.close()


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://127.0.0.1:8080/admin", "127.0.0.1"),
        ("https://internal.example/secret", "10.0.0.7"),
    ],
)
def test_a_share_link_redirecting_to_a_private_address_is_refused(
    location: str, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SKILLS_FETCH_ALLOW_HOSTS", raising=False)

    def resolve(host: str, port: int, *args: object, **kwargs: object) -> list[Any]:
        assert host == "internal.example", f"unexpected lookup of {host}"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", resolve)  # type: ignore[attr-defined]
    with httpx.Client(transport=RedirectingPlatform(location)) as client:
        report = verify(f"https://www.credly.com/badges/{CREDLY_ID}", client=client, now=NOW)
    assert report.status is Status.UNVERIFIABLE
    assert report.credential is None
    hosted = check(report, "hosted")
    assert hosted.outcome == "not_run"
    assert "does not fetch from" in hosted.message and shown in hosted.message
