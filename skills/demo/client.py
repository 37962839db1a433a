"""The HTTP client the demo build verifies with: the demo issuers' hosts served from files."""

from __future__ import annotations

from pathlib import Path

import httpx

from skills.config import DATA_DIR
from skills.demo.inputs import load_inputs
from skills.fetch import USER_AGENT, FileTransport

DEFAULT_HOSTED_DIR = DATA_DIR / "demo_hosted"
"""Where ``python -m skills demo`` writes the hosted issuers' files (git-ignored)."""


def demo_roots(root: Path) -> dict[str, Path]:
    """URL prefix -> folder for every demo issuer host under ``root``."""
    return {issuer.base_url: root / issuer.host for issuer in load_inputs().issuers}


def demo_client(root: Path) -> httpx.Client:
    """A client that answers the demo issuers' URLs from ``root``.

    Top-level and picklable (also as ``functools.partial(demo_client, root)``), so it
    serves as ``client_factory`` of :func:`skills.verify.verify_many`. Any other URL
    gets a 404: the demo never touches the network. The caller closes the client.
    """
    return httpx.Client(
        transport=FileTransport(demo_roots(root)),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )


__all__ = ["DEFAULT_HOSTED_DIR", "demo_client", "demo_roots"]
