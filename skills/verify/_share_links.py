"""Share links: the public page of a badge on a badge platform -> its Open Badges endpoint.

People paste the page they see (``https://www.credly.com/badges/<id>``), not the assertion
URL. :func:`match_share_link` recognises the page addresses of the major platforms and
names the Open Badges 2.0 endpoint that serves the same badge; nothing is fetched here.
The verifier then fetches that endpoint through the hardened client
(:func:`skills.fetch.fetch`: address checks on every redirect, size and time limits), so a
resolved link gets no more trust than the URL itself: the hosted copy, its issuer and its
origin are checked as for any hosted badge.

A page URL no pattern covers is fetched as it is, asking for
``application/ld+json`` first (:data:`skills.verify.ob2._fetch.ACCEPT_JSON`): a platform
that answers content negotiation on its page URL is verified directly; one that answers
with a web page is reported as such (see :func:`known_platform`).

Where each pattern comes from (only documented patterns or patterns in public code):

- **Credly** (formerly Acclaim): ``https://www.credly.com/badges/{uuid}`` (also with
  ``/public_url`` or ``/linked_in_profile``, and the former host ``www.youracclaim.com``)
  -> ``https://api.credly.com/v1/obi/v2/badge_assertions/{uuid}``: Credly's documentation
  "OBI specified endpoints" (https://api.credly.com/docs/obi_specified_endpoints,
  ``GET /obi/v2/badge_assertions/<badge_id>`` on ``https://api.credly.com/v1``, public).
- **Canvas Credentials / Badgr** and **Parchment Digital Badges** (the same server,
  concentricsky/badgr-server): page ``https://{app}/public/assertions/{id}`` -> JSON at
  ``https://{api}/public/assertions/{id}?v=2_0``. The API hosts per region are listed in
  Instructure's developer documentation (developerdocs.instructure.com/services/credentials
  and .../parchment-digital-badges: ``api.badgr.io``, ``api.eu.badgr.io``,
  ``api.au.badgr.io``, ``api.ca.badgr.io``, ``api.sg.badgr.io``; ``api.badges.parchment.com``,
  ``.eu``, ``.au``, ``.ca``, ``.sg``). badgr-server's ``apps/issuer/public_api.py`` serves
  ``/public/assertions/{entity_id}`` as JSON, chooses the Open Badges version with ``?v=``
  (``2_0``), and redirects browsers to the same path on the platform's web app; badgr-ui
  links the page ``/public/assertions/{id}`` and reads ``{api}/public/assertions/{id}.json
  ?v=2_0``. Pages on ``badgr.com``, ``eu.badgr.com``, ``au.badgr.com``, ``ca.badgr.com`` and
  ``badges.parchment.eu`` appear with the matching API hosts in public code.
- **Open Badge Factory**: the human page of an assertion is
  ``https://openbadgefactory.com/v1/assertion/{id}.html`` and the assertion itself the same
  address without ``.html`` (both forms are shared in public code); the page resolves to it.

Not resolved, and why: **Accredible** pages (``https://www.credential.net/{uuid}``): Accredible
serves Open Badges assertions at ``https://api.accredible.com/v1/obi/badge_assertions/{uuid}``
(seen in public code), but no documentation or public code ties a page's id to an assertion
id, so such a page is fetched as it is and, when it answers with a web page, the report says
which address to paste instead. **Open Badge Passport** pages
(``openbadgepassport.com/app/badge/info/{n}``) and **Europass** (EDC credentials are not
Open Badges 2.0) likewise. The Accredible endpoint itself, like every endpoint above, is
verified directly when pasted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["ShareLink", "known_platform", "match_share_link", "resolve_share_link"]


@dataclass(frozen=True)
class ShareLink:
    """A recognised badge page: the platform's name, the page, and its Open Badges endpoint."""

    platform: str
    page: str
    endpoint: str


_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_CREDLY_HOSTS = frozenset(
    {"credly.com", "www.credly.com", "youracclaim.com", "www.youracclaim.com"}
)
_CREDLY_PATH = re.compile(rf"/badges/({_UUID})(?:/(?:public_url|linked_in_profile|linked_in))?/?")
_CREDLY_ENDPOINT = "https://api.credly.com/v1/obi/v2/badge_assertions/{id}"

# Web-app host of a badgr-server deployment -> (platform name, API host).
_BADGR_APPS: dict[str, tuple[str, str]] = {
    "badgr.com": ("Canvas Credentials (Badgr)", "api.badgr.io"),
    "www.badgr.com": ("Canvas Credentials (Badgr)", "api.badgr.io"),
    "badgr.io": ("Canvas Credentials (Badgr)", "api.badgr.io"),
    "www.badgr.io": ("Canvas Credentials (Badgr)", "api.badgr.io"),
    **{
        f"{region}.badgr.com": ("Canvas Credentials (Badgr)", f"api.{region}.badgr.io")
        for region in ("eu", "au", "ca", "sg")
    },
    **{
        f"badges.parchment.{tld}": ("Parchment Digital Badges", f"api.badges.parchment.{tld}")
        for tld in ("com", "eu", "au", "ca", "sg")
    },
}
_BADGR_PATH = re.compile(r"/public/assertions/([A-Za-z0-9_-]+)/?")
_BADGR_ENDPOINT = "https://{api}/public/assertions/{id}?v=2_0"

_OBF_HOSTS = frozenset({"openbadgefactory.com", "www.openbadgefactory.com"})
_OBF_PAGE = re.compile(r"/v1/assertion/([0-9a-fA-F]{40})\.html")
_OBF_ENDPOINT = "https://openbadgefactory.com/v1/assertion/{id}"

# Pages of platforms whose page -> endpoint mapping is not documented (see the docstring).
_UNRESOLVED: dict[str, tuple[str, str]] = {
    "credential.net": ("Accredible", "https://api.accredible.com/v1/obi/badge_assertions/..."),
    "www.credential.net": ("Accredible", "https://api.accredible.com/v1/obi/badge_assertions/..."),
    "openbadgepassport.com": ("Open Badge Passport", ""),
}


def _parts(url: str) -> tuple[str, str] | None:
    """(lower-case host, path) of an http(s) URL without user info or port; None otherwise."""
    try:
        split = urlsplit(url.strip())
        port = split.port
    except ValueError:
        return None
    if split.scheme.lower() not in ("http", "https") or split.username or split.password:
        return None
    if port not in (None, 80, 443):
        return None
    return (split.hostname or "").lower().rstrip("."), split.path


def match_share_link(url: str) -> ShareLink | None:
    """The platform page ``url`` names, with its Open Badges endpoint; None when no
    documented pattern covers it. Pure: nothing is fetched. The query string (tracking
    parameters, ``identity__email``) and fragment of the page are not carried over."""
    parts = _parts(url)
    if parts is None:
        return None
    host, path = parts
    if host in _CREDLY_HOSTS:
        found = _CREDLY_PATH.fullmatch(path)
        if found:
            endpoint = _CREDLY_ENDPOINT.format(id=found.group(1).lower())
            return ShareLink("Credly", url.strip(), endpoint)
        return None
    if host in _BADGR_APPS:
        found = _BADGR_PATH.fullmatch(path)
        if found:
            platform, api = _BADGR_APPS[host]
            endpoint = _BADGR_ENDPOINT.format(api=api, id=found.group(1))
            return ShareLink(platform, url.strip(), endpoint)
        return None
    if host in _OBF_HOSTS:
        found = _OBF_PAGE.fullmatch(path)
        if found:
            endpoint = _OBF_ENDPOINT.format(id=found.group(1))
            return ShareLink("Open Badge Factory", url.strip(), endpoint)
    return None


def resolve_share_link(url: str) -> str | None:
    """The Open Badges endpoint of the badge page ``url``, or None (:func:`match_share_link`)."""
    link = match_share_link(url)
    return link.endpoint if link else None


def known_platform(url: str) -> tuple[str, str] | None:
    """(platform, where its Open Badges data is) for a badge page of a known platform whose
    page address cannot be resolved by a documented pattern; None otherwise. The second
    item may be empty when the platform publishes no such address."""
    parts = _parts(url)
    if parts is None:
        return None
    host, _path = parts
    if host in _UNRESOLVED:
        return _UNRESOLVED[host]
    if host in _CREDLY_HOSTS:
        return "Credly", _CREDLY_ENDPOINT.format(id="...")
    if host in _BADGR_APPS:
        platform, api = _BADGR_APPS[host]
        return platform, f"https://{api}/public/assertions/..."
    return None
