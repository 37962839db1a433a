"""What every format verifier receives: the decoded submission and the context of the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx

from skills.jsonld._canon import CanonBudget
from skills.verify._model import Check, Credential

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
    """What a run knows besides the badge: who claims it, the HTTP client, the clock.

    ``recipient`` is a claimed identity (e-mail, URL, DID ...); ``recipient_name`` the
    claimant's name, compared with a credential that names its recipient only by name.
    """

    recipient: str | None
    client: httpx.Client
    now: datetime
    clock_skew: timedelta
    recipient_name: str | None = None
    #: One canonicalisation budget for the credential, its proofs and its status lists.
    budget: CanonBudget = field(default_factory=CanonBudget, compare=False, repr=False)


@dataclass(frozen=True)
class FormatResult:
    """What a format verifier returns: its format name, its checks, the credential if read."""

    format: str
    checks: list[Check]
    credential: Credential | None
