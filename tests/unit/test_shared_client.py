"""``verify()`` without a client reuses one hardened client (issue 10, item 13).

Building a client loads the CA store (tens of milliseconds); a single call used to build
one every time. The shared client is rebuilt only when the hosted mirror changes.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from skills import fetch as fetch_module
from skills.verify import verify


def test_verify_without_a_client_builds_one_client_for_many_calls(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SKILLS_HOSTED_MIRROR", str(tmp_path / "mirror-a"))
    built: list[httpx.Client] = []
    real = fetch_module.default_client

    def counting(**kwargs: float) -> httpx.Client:
        client = real(**kwargs)
        built.append(client)
        return client

    monkeypatch.setattr(fetch_module, "default_client", counting)
    for _ in range(5):
        report = verify(b'{"not": "a badge"}')
        assert report.status == "invalid"
    assert len(built) <= 1
    first = fetch_module.shared_client()
    assert fetch_module.shared_client() is first
    monkeypatch.setenv("SKILLS_HOSTED_MIRROR", str(tmp_path / "mirror-b"))
    second = fetch_module.shared_client()
    assert second is not first  # what shapes the client changed: a new one
    assert first.is_closed
