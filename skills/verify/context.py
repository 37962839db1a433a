"""What every format verifier receives: the decoded submission and the context of the run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx

from skills.verify.model import Check, Credential

SubmissionKind = Literal["json", "compact", "url"]


@dataclass(frozen=True)
class Submission:
    """A submission after detection and unbaking, before any verification.

    - ``kind == "json"``: ``payload`` is the parsed JSON object (a dict).
    - ``kind == "compact"``: ``payload`` is a compact JWS/JWT string (OB 2.0 signed or VC-JWT).
    - ``kind == "url"``: ``payload`` is an http(s) URL to fetch (an OB 2.0 hosted assertion,
      or any of the above served at that address).
    ``raw`` is the exact bytes submitted (the image for a baked badge), ``baked_in`` is
    ``"png"``/``"svg"`` when the badge was extracted from an image.
    """

    kind: SubmissionKind
    payload: Any
    raw: bytes
    baked_in: str | None = None


@dataclass(frozen=True)
class VerifyContext:
    recipient: str | None
    client: httpx.Client
    now: datetime
    clock_skew: timedelta


@dataclass(frozen=True)
class FormatResult:
    """What a format verifier returns: its format name, its checks, the credential if read."""

    format: str
    checks: list[Check]
    credential: Credential | None
