"""The hosted mirror: demo issuers' hosts come from files, every other host from the network."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from skills.config import Settings
from skills.errors import BlockedURL
from skills.fetch import default_client, fetch


def test_mirrored_host_is_served_from_files_and_others_stay_guarded(tmp_path: Path) -> None:
    site = tmp_path / "academy.example" / "issuers"
    site.mkdir(parents=True)
    (site / "acme.json").write_text('{"id": "https://academy.example/issuers/acme"}')
    with default_client(settings=Settings(hosted_mirror=tmp_path)) as client:
        got = fetch("https://academy.example/issuers/acme", client=client)
        assert got.status == 200
        assert got.json()["id"] == "https://academy.example/issuers/acme"
        assert fetch("https://academy.example/missing", client=client).status == 404
        # a host without a mirror folder still goes through the address guard
        with pytest.raises(BlockedURL):
            fetch("http://127.0.0.1:9/x", client=client)


def test_no_mirror_by_default_in_tests() -> None:
    with default_client() as client:
        assert not isinstance(client._transport, httpx.MockTransport)
        with pytest.raises(BlockedURL):
            fetch("http://169.254.169.254/latest/meta-data", client=client)
