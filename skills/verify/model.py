"""The verification report: named checks, a verdict derived from them, and the
normalised credential read only from what the checks covered.

Every format module (``ob2``, ``ob3_di``, ``ob3_jwt`` ...) produces a list of
:class:`Check` and, when the document could be read, a :class:`Credential`.
:func:`decide` turns the checks into the one :class:`Status` a person sees.

Rules of the verdict (the weaknesses of other verifiers we do not repeat):
- any failed check decides the status (worst first, see ``_FAIL_ORDER``);
- a *required* check that did not run makes the verdict ``unverifiable``,
  never ``verified``;
- ``verified`` needs at least one passed signature-or-hosted check.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    VERIFIED = "verified"
    INVALID = "invalid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    RECIPIENT_MISMATCH = "recipient_mismatch"
    UNVERIFIABLE = "unverifiable"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    NOT_RUN = "not_run"


class CheckName(StrEnum):
    """Stable names of checks; reports, the database and the UI key on these."""

    INPUT = "input"  # the submission could be read (format detected, parsed, unbaked)
    CONTEXT = "context"  # JSON-LD @context values are all on the bundled allow-list
    SAFE_MODE = "safe_mode"  # no JSON term is dropped by JSON-LD expansion
    SCHEMA = "schema"  # JSON Schema named by credentialSchema / structural requirements
    STRUCTURE = "structure"  # required properties and types of the data model
    HOSTED = "hosted"  # OB 2.0 hosted: re-fetched copy from its id matches
    ORIGIN = "origin"  # OB 2.0 verification.allowedOrigins / startsWith scope
    ISSUER = "issuer"  # the issuer profile could be fetched and is well formed
    KEY_BINDING = "key_binding"  # the signing key belongs to the issuer
    SIGNATURE = "signature"  # cryptographic proof (JWS, Data Integrity, VC-JWT)
    REVOCATION = "revocation"  # revocation list / status list / HTTP 410 / revoked: true
    VALIDITY = "validity"  # issuedOn/validFrom not in the future, not expired
    RECIPIENT = "recipient"  # the badge was issued to the claimed identity


# Which status a failed check implies; checks not listed imply INVALID.
_FAIL_STATUS: dict[str, Status] = {
    CheckName.REVOCATION: Status.REVOKED,
    CheckName.RECIPIENT: Status.RECIPIENT_MISMATCH,
}

# When several checks fail, the first status in this order wins.
_FAIL_ORDER = (
    Status.INVALID,
    Status.REVOKED,
    Status.EXPIRED,
    Status.NOT_YET_VALID,
    Status.RECIPIENT_MISMATCH,
    Status.UNVERIFIABLE,
)

# Checks whose pass proves authenticity; ``verified`` needs one of them passed.
AUTHENTICITY_CHECKS = frozenset({CheckName.SIGNATURE, CheckName.HOSTED})


@dataclass(frozen=True)
class Check:
    """One named check.

    ``fail_status`` overrides the status a failure implies (the validity check
    uses it to say EXPIRED or NOT_YET_VALID). ``required`` checks that do not run
    make the verdict ``unverifiable``; optional ones (the recipient check when no
    recipient was given) do not.
    """

    name: str
    outcome: Outcome
    message: str
    fail_status: Status | None = None
    required: bool = True

    @property
    def implied_status(self) -> Status:
        if self.fail_status is not None:
            return self.fail_status
        return _FAIL_STATUS.get(self.name, Status.INVALID)


def passed(name: str, message: str) -> Check:
    return Check(name, Outcome.PASSED, message)


def failed(name: str, message: str, *, status: Status | None = None) -> Check:
    return Check(name, Outcome.FAILED, message, fail_status=status)


def warning(name: str, message: str) -> Check:
    return Check(name, Outcome.WARNING, message)


def not_run(name: str, message: str, *, required: bool = True) -> Check:
    return Check(name, Outcome.NOT_RUN, message, required=required)


@dataclass(frozen=True)
class Alignment:
    """An alignment as the badge states it (OB 2.0 AlignmentObject / OB 3.0 Alignment)."""

    target_name: str | None = None
    target_url: str | None = None
    target_code: str | None = None
    target_framework: str | None = None
    target_type: str | None = None
    target_description: str | None = None


@dataclass(frozen=True)
class Issuer:
    id: str | None = None
    name: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Achievement:
    id: str | None = None
    name: str | None = None
    description: str | None = None
    criteria: str | None = None  # criteria narrative, else the criteria URL
    type: str | None = None  # OB 3.0 achievementType, or the OB 2.0 BadgeClass type
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipient:
    """Who the badge names. ``identity`` is plain text or a ``sha256$``/``md5$`` hash."""

    identity: str | None = None
    type: str | None = None  # email, url, telephone, id (DID or URI)
    hashed: bool = False
    salt: str | None = None


@dataclass(frozen=True)
class Credential:
    """The normalised credential, read only from verified content.

    ``extensions`` holds every extension object found (OB 2.0 ``extensions:*``
    keys, OB 3.0 extension objects such as a ``CompetencyExtension`` with an
    ``escoID``), each as the JSON object it was, plus a ``"_key"`` naming where
    it sat. ``document`` is the verified JSON document itself.
    """

    id: str | None
    issuer: Issuer
    achievement: Achievement
    recipient: Recipient
    issued: datetime | None = None
    expires: datetime | None = None
    alignments: tuple[Alignment, ...] = ()
    extensions: tuple[Mapping[str, Any], ...] = ()
    document: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """What :func:`skills.verify.verify` returns."""

    status: Status
    format: str  # ob2-hosted, ob2-signed, ob3-di, ob3-jwt, ob1-hosted, unknown
    checks: tuple[Check, ...]
    credential: Credential | None
    source_sha256: str  # SHA-256 of the submitted bytes (content identity)
    verified_at: datetime
    baked_in: str | None = None  # "png" or "svg" when the badge came baked in an image

    @property
    def ok(self) -> bool:
        return self.status is Status.VERIFIED

    @property
    def summary(self) -> str:
        """One sentence: the verdict and the first reason behind it."""
        return summarise(self.status, self.checks)

    def to_dict(self) -> dict[str, Any]:
        def default(obj: object) -> Any:
            if isinstance(obj, datetime):
                return obj.isoformat()
            raise TypeError(type(obj).__name__)

        data = asdict(self)
        data["ok"] = self.ok
        data["summary"] = self.summary
        result: dict[str, Any] = json.loads(json.dumps(data, default=default))
        return result


def decide(checks: Sequence[Check]) -> Status:
    """The verdict of a list of checks (see module docstring)."""
    failures = {c.implied_status for c in checks if c.outcome is Outcome.FAILED}
    for status in _FAIL_ORDER:
        if status in failures:
            return status
    if any(c.outcome is Outcome.NOT_RUN and c.required for c in checks):
        return Status.UNVERIFIABLE
    if not any(c.name in AUTHENTICITY_CHECKS and c.outcome is Outcome.PASSED for c in checks):
        return Status.UNVERIFIABLE
    return Status.VERIFIED


_HEADLINE = {
    Status.VERIFIED: "Verified",
    Status.INVALID: "Not valid",
    Status.REVOKED: "Revoked by its issuer",
    Status.EXPIRED: "Expired",
    Status.NOT_YET_VALID: "Not valid yet",
    Status.RECIPIENT_MISMATCH: "Issued to someone else",
    Status.UNVERIFIABLE: "Could not be verified",
}


def summarise(status: Status, checks: Iterable[Check]) -> str:
    """A headline and the reason that decided it, e.g. ``"Revoked by its issuer: ..."``."""
    headline = _HEADLINE[status]
    checks = list(checks)
    if status is Status.VERIFIED:
        reasons = [c.message for c in checks if c.outcome is Outcome.PASSED][:3]
        return f"{headline}: " + " ".join(reasons) if reasons else headline
    if status is Status.UNVERIFIABLE:
        blocking = [c for c in checks if c.outcome is Outcome.NOT_RUN and c.required]
        if not blocking:
            blocking = [c for c in checks if c.outcome is Outcome.FAILED]
    else:
        blocking = [c for c in checks if c.outcome is Outcome.FAILED and c.implied_status is status]
    return f"{headline}: {blocking[0].message}" if blocking else headline
