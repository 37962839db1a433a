"""The verification report: named checks, a verdict derived from them, and the
normalised credential read only from what the checks covered.

Every format module (``ob2``, ``ob3`` Data Integrity and VC-JWT ...) produces a list of
:class:`Check` and, when the document could be read, a :class:`Credential`.
:func:`decide` turns the checks into the one :class:`Status` a person sees.

Rules of the verdict (the weaknesses of other verifiers we do not repeat), in order:

1. **Revoked is decisive.** A failed REVOCATION check that is *conclusive* makes the verdict
   ``revoked`` whatever else failed or could not run (an issuer key that could not be
   fetched, a schema error, an expired window): a revoked badge never counts, and "revoked"
   tells the person more than "invalid" or "unverifiable". Conclusive revocations are those
   whose source is verified on its own: a status list credential whose own proof verified
   with a key bound to *its* issuer (which may differ from the badge's issuer, W3C Bitstring
   Status List), an OB 2.0 hosted badge that its host answers with HTTP 410 Gone or marks
   ``revoked: true`` (the issuer's own host is what vouches for a hosted badge in the first
   place), and the OB 2.0 ``revocationList`` its issuer profile names (the profile whose key
   signs the badge). Not conclusive (``Check.conclusive`` False): a revocation read from a
   list with no verified proof of its own (an unsigned 1EdTech revocation list; a status
   list signed with the badge's own, unbound key), which ranks as in rule 3.
2. **Then the validity window.** A VALIDITY failure that says ``expired`` or
   ``not_yet_valid`` comes next, ahead of structural and schema failures: it is the most
   useful true reason.
   Rules 1 and 2 hold only while nothing shows that the badge's content is not its issuer's:
   when a SIGNATURE, KEY_BINDING, HOSTED, ORIGIN or SAFE_MODE check *failed*, the status
   entry and the dates are not established as the issuer's, and ``invalid`` is the true
   reason (rule 3). A check that merely could not run (a key that could not be fetched)
   does not suspend them.
3. Otherwise any failed check decides the status, worst first (``_FAIL_ORDER``).
4. A *required* check that did not run makes the verdict ``unverifiable``, never
   ``verified``.
5. ``verified`` needs at least one passed signature-or-hosted check.

A report names each check once (:func:`merge_checks` folds checks of one name into one).
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

# Checks whose failure shows the badge's content is not (all) its issuer's: while one of
# them failed, no reason read from that content (its status entry, its dates) outranks
# ``invalid`` (module docstring, rules 1 and 2).
CONTENT_DOUBT_CHECKS = frozenset(
    {
        CheckName.SIGNATURE,
        CheckName.KEY_BINDING,
        CheckName.HOSTED,
        CheckName.ORIGIN,
        CheckName.SAFE_MODE,
    }
)


@dataclass(frozen=True)
class Check:
    """One named check.

    ``fail_status`` overrides the status a failure implies (the validity check
    uses it to say EXPIRED or NOT_YET_VALID). ``required`` checks that do not run
    make the verdict ``unverifiable``; optional ones (the recipient check when no
    recipient was given) do not. ``conclusive`` matters for a failed REVOCATION
    check: True when the revocation comes from a source verified on its own, so
    that it decides the verdict ahead of every other reason (see the module
    docstring); False when it does not.
    """

    name: str
    outcome: Outcome
    message: str
    fail_status: Status | None = None
    required: bool = True
    conclusive: bool = True

    @property
    def implied_status(self) -> Status:
        if self.fail_status is not None:
            return self.fail_status
        return _FAIL_STATUS.get(self.name, Status.INVALID)


def passed(name: str, message: str) -> Check:
    return Check(name, Outcome.PASSED, message)


def failed(
    name: str, message: str, *, status: Status | None = None, conclusive: bool = True
) -> Check:
    return Check(name, Outcome.FAILED, message, fail_status=status, conclusive=conclusive)


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
    """Who the badge names. ``identity`` is plain text or a ``sha256$``/``md5$`` hash.

    ``name`` is the subject's name when the credential gives one. A credential that names
    its recipient *only* by name (no id, no identifier) has ``identity`` None and
    ``type`` ``"name"``: it can be bound to a person by name only.
    """

    identity: str | None = None
    type: str | None = None  # email, url, telephone, id (DID or URI), name
    hashed: bool = False
    salt: str | None = None
    name: str | None = None

    @property
    def name_only(self) -> bool:
        """True when the badge names its recipient by name and nothing else."""
        return self.identity is None and bool(self.name)


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
class Container:
    """What a CLR transcript or a verifiable presentation is, beside its own checks.

    ``kind`` is ``"clr"`` or ``"vp"``; ``name`` the transcript's name; ``issuer`` the CLR
    issuer's id; ``holder`` the presentation's holder; ``holder_bound`` is True when the
    presentation's proof verified with a key of that holder. ``found`` counts the
    credentials it holds, ``checked`` how many of them were verified each on its own (at
    most :data:`skills.verify._envelopes.MAX_EMBEDDED`; nested containers and entries that
    are no credential are refused and count as skipped).
    """

    kind: str
    id: str | None = None
    name: str | None = None
    issuer: str | None = None
    holder: str | None = None
    holder_bound: bool = False
    found: int = 0
    checked: int = 0

    @property
    def skipped(self) -> int:
        """Entries held but not verified (over the limit, nested containers, not credentials)."""
        return max(0, self.found - self.checked)


@dataclass(frozen=True)
class Report:
    """What :func:`skills.verify.verify` returns.

    For a CLR or a presentation (:func:`skills.verify.verify_all`) the container's own
    report has ``container`` set and each credential inside it has its own report whose
    ``part_of`` is the container's ``source_sha256``.
    """

    status: Status
    format: str  # ob2-hosted, ob2-signed, ob3-di, ob3-jwt, ob1-hosted, unknown
    checks: tuple[Check, ...]
    credential: Credential | None
    source_sha256: str  # SHA-256 of the submitted bytes (content identity)
    verified_at: datetime
    baked_in: str | None = None  # "png" or "svg" when the badge came baked in an image
    part_of: str | None = None  # the source_sha256 of the CLR/presentation it came in
    container: Container | None = None  # set on the report of a CLR or presentation itself

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
    """The verdict of a list of checks (see the module docstring for the rules)."""
    failures = [c for c in checks if c.outcome is Outcome.FAILED]
    if not any(c.name in CONTENT_DOUBT_CHECKS for c in failures):
        if any(
            c.name == CheckName.REVOCATION and c.conclusive and c.implied_status is Status.REVOKED
            for c in failures
        ):
            return Status.REVOKED
        window = {c.implied_status for c in failures if c.name == CheckName.VALIDITY}
        for status in (Status.EXPIRED, Status.NOT_YET_VALID):
            if status in window:
                return status
    implied = {c.implied_status for c in failures}
    for status in _FAIL_ORDER:
        if status in implied:
            return status
    if any(c.outcome is Outcome.NOT_RUN and c.required for c in checks):
        return Status.UNVERIFIABLE
    if not any(c.name in AUTHENTICITY_CHECKS and c.outcome is Outcome.PASSED for c in checks):
        return Status.UNVERIFIABLE
    return Status.VERIFIED


def _failure_rank(check: Check) -> int:
    """How strongly a failed check speaks for the verdict, as :func:`decide` ranks it
    (lower first): a conclusive revocation, the validity window, then ``_FAIL_ORDER``."""
    if check.outcome is not Outcome.FAILED:
        return 0
    status = check.implied_status
    if status is Status.REVOKED and check.conclusive:
        return 0
    if status in (Status.EXPIRED, Status.NOT_YET_VALID):
        return 1 + (status is Status.NOT_YET_VALID)
    return 3 + _FAIL_ORDER.index(status)


# Outcomes from worst to best, for merging checks of one name.
_OUTCOME_RANK = {Outcome.FAILED: 0, Outcome.NOT_RUN: 1, Outcome.WARNING: 2, Outcome.PASSED: 3}


def merge_checks(checks: Iterable[Check]) -> tuple[Check, ...]:
    """``checks`` with every name once: checks sharing a name become one check.

    Reports, the database and the UI key on :class:`CheckName`, so a report never
    carries two checks of one name. The merged check stands where the first of its name
    stood; its outcome is the worst of them (failed, then not run, then warning, then
    passed); its message joins their distinct messages, those behind that outcome first
    (a pass's sentence is left out once the check failed or could not run); among
    failures, the one that :func:`decide` ranks first (a conclusive revocation, then the
    validity window, then ``_FAIL_ORDER``) gives ``fail_status`` and ``conclusive``; a
    merged not-run check is required when any of its not-run parts is. A list without
    repeated names comes back unchanged.
    """
    checks = tuple(checks)
    groups: dict[str, list[Check]] = {}
    for check in checks:
        groups.setdefault(check.name, []).append(check)
    if all(len(group) == 1 for group in groups.values()):
        return checks
    merged: list[Check] = []
    for group in groups.values():
        if len(group) == 1:
            merged.append(group[0])
            continue
        worst = min(_OUTCOME_RANK[c.outcome] for c in group)
        bad = [c for c in group if _OUTCOME_RANK[c.outcome] == worst]
        lead = min(bad, key=_failure_rank)
        # The messages behind the outcome first; a pass says nothing once the check failed
        # or could not run, so its sentence is left out then.
        shown = sorted(group, key=lambda c: _OUTCOME_RANK[c.outcome])
        if worst < _OUTCOME_RANK[Outcome.WARNING]:
            shown = [c for c in shown if c.outcome is not Outcome.PASSED]
        messages = list(dict.fromkeys(c.message.strip() for c in shown if c.message.strip()))
        text = " ".join(m if m.endswith((".", "!", "?")) else m + "." for m in messages)
        merged.append(
            Check(
                lead.name,
                lead.outcome,
                text,
                fail_status=lead.fail_status,
                required=any(c.required for c in bad),
                conclusive=lead.conclusive,
            )
        )
    return tuple(merged)


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
        blocking.sort(key=lambda c: not c.conclusive)  # the revocation that decided it first
    return f"{headline}: {blocking[0].message}" if blocking else headline
