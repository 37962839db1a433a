"""``verify()`` without a client reuses one hardened client (issue 10, item 13).

Building a client loads the CA store (tens of milliseconds); a single call used to build
one every time. The shared client is rebuilt only when the settings that shape it change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from skills import fetch as fetch_module
from skills.config import Settings
from skills.verify import verify


def test_verify_without_a_client_builds_one_client_for_many_calls(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    built: list[httpx.Client] = []
    real = fetch_module.default_client

    def counting(**kwargs: Any) -> httpx.Client:
        client = real(**kwargs)
        built.append(client)
        return client

    monkeypatch.setattr(fetch_module, "default_client", counting)
    for _ in range(5):
        report = verify(b'{"not": "a badge"}')
        assert report.status == "invalid"
    assert len(built) <= 1
    mirror_a = Settings(hosted_mirror=tmp_path / "mirror-a")
    first = fetch_module.shared_client(mirror_a)
    assert fetch_module.shared_client(mirror_a) is first
    second = fetch_module.shared_client(Settings(hosted_mirror=tmp_path / "mirror-b"))
    assert second is not first  # what shapes the client changed: a new one
    assert first.is_closed
