"""A person's further addresses (a personal e-mail, a DID, a URL) and how each is confirmed.

A new address is a row of ``identity_requests`` with status ``pending``; it binds no
badge until it is confirmed, because anybody could otherwise type a stranger's public
address and claim that stranger's publicly shared badges. Confirmation:

- an e-mail address, when a mailer is configured (:mod:`skills.mail`): the app sends a
  one-time code of 8 digits; only its SHA-256 is stored; it expires after
  :data:`CODE_TTL`. A person has :data:`MAX_ATTEMPTS` wrong tries per :data:`WINDOW`
  across all their requests (each wrong try is an ``identity.code_wrong`` audit row,
  which is also what counts them), so cancelling and asking again brings no fresh
  guesses;
- otherwise (no mailer, a DID, a URL): HR confirms or refuses the request
  (:func:`list_identity_requests`, :func:`decide_identity_request`).

A person may ask for :data:`MAX_REQUESTS` addresses per :data:`WINDOW` (counted from the
``identity.request`` audit rows, so cancelled requests count too): each request may send an
e-mail, and nobody may use the app to mail a stranger again and again.

A confirmed request is copied into ``identities``; an address that already belongs to
another person is refused, never moved. Then the person's stored ``recipient_mismatch``
badges are submitted again (:func:`_recheck_mismatches`), so a badge issued to the new
address counts now. Binding stays as strict as before. Audited as ``identity.request``,
``identity.confirm``, ``identity.refuse``, ``identity.cancel`` and ``identity.code_wrong``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pandas as pd

from skills.access import Role, Viewer, check_person, require_role
from skills.config import Settings
from skills.errors import AccessDenied, ConfigError, InputError
from skills.ingest import ingest_one
from skills.ingest.people import IDENTITY_KINDS, IdentityProblem, parse_identity
from skills.mail import Mailer, send
from skills.services._common import Reader
from skills.store import Store, Tx, audit, withdraw_credential

CODE_TTL = timedelta(hours=24)
"""How long an e-mailed code is valid."""
MAX_ATTEMPTS = 5
"""Wrong codes a person may type per :data:`WINDOW` (all their requests together); the
last one cancels the request it was typed for."""
MAX_PENDING = 5
"""Requests one person may have waiting at once (each may send an e-mail)."""
MAX_REQUESTS = 5
"""Requests one person may make per :data:`WINDOW`, cancelled ones included."""
WINDOW = timedelta(hours=24)
"""The period :data:`MAX_REQUESTS` and :data:`MAX_ATTEMPTS` are counted over."""
KIND_WORDS = {
    "email": "e-mail address",
    "url": "web address (URL)",
    "did": "DID",
    "telephone": "telephone number",
}
"""What each kind of identity is called on pages."""

_NO_REQUEST = "There is no such address request waiting for you."


@dataclass(frozen=True)
class RequestResult:
    """What adding an address did: ``code_sent`` says an e-mail with a code went out
    (else HR confirms); ``message`` is one sentence for the person (plain text)."""

    request_id: int
    kind: str
    value: str
    code_sent: bool
    message: str


@dataclass(frozen=True)
class ConfirmResult:
    """A confirmed address and how many stored badges now verify because of it."""

    kind: str
    value: str
    rechecked: int
    now_verified: int
    message: str


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def _new_code() -> str:
    """A one-time code of 8 random digits (what the e-mail contains)."""
    return f"{secrets.randbelow(10**8):08d}"


def _me(viewer: Viewer) -> str:
    if viewer.person_id is None:
        raise AccessDenied("Your account is not linked to a person, so it has no addresses.")
    return viewer.person_id


def addresses(store: Reader, viewer: Viewer, person_id: str) -> pd.DataFrame:
    """The person's recipient addresses: confirmed ones and requests still waiting.

    Columns: kind, value, state (``confirmed``, ``waiting for your code``, ``waiting for
    HR``), request_id (None for confirmed ones), requested_at. Hashed identities (kept
    after an erasure) are not shown.

    Only the person themself and HR may read them: personal e-mail addresses and DIDs are
    not part of what a manager or recruiter sees of a person (:class:`AccessDenied`).
    """
    if viewer.role is not Role.HR and person_id != viewer.person_id:
        raise AccessDenied("You may not see this person's addresses.")
    check_person(store, viewer, person_id)
    return store.read(
        """
        SELECT kind, value, 'confirmed' AS state, NULL::BIGINT AS request_id,
               created AS requested_at
        FROM identities WHERE person_id = ? AND NOT hashed
        UNION ALL
        SELECT kind, value,
               CASE WHEN code_sha256 IS NOT NULL THEN 'waiting for your code'
                    ELSE 'waiting for HR' END,
               request_id, requested_at
        FROM identity_requests WHERE person_id = ? AND status = 'pending'
        ORDER BY 3, 1, 2
        """,
        [person_id, person_id],
    )


def _recent(tx: Tx, action: str, person_id: str, moment: datetime) -> int:
    """How many ``action`` audit rows about ``person_id`` were written in the
    :data:`WINDOW` before ``moment`` (what the limits count)."""
    return int(
        tx.scalar(
            "SELECT count(*) FROM audit_log WHERE action = ? AND person_id = ? "
            "AND logged_at > ?::TIMESTAMPTZ AND logged_at <= ?::TIMESTAMPTZ",
            [action, person_id, moment - WINDOW, moment],
        )
        or 0
    )


def _owner(tx: Tx, kind: str, value: str) -> str | None:
    found = tx.rows("SELECT person_id FROM identities WHERE kind = ? AND value = ?", [kind, value])
    return str(found[0][0]) if found else None


def _refuse_owned(owner: str | None, person_id: str, value: str) -> None:
    if owner == person_id:
        raise InputError(f"{value} is already one of your addresses.")
    if owner is not None:
        raise InputError(
            f"{value} already belongs to another person in Skill Atlas, so it cannot be "
            "added to this profile; if it is yours, ask HR."
        )


def request_identity(
    store: Store,
    viewer: Viewer,
    kind: str,
    text: str,
    *,
    mailer: Mailer | None = None,
    now: datetime | None = None,
) -> RequestResult:
    """Ask for a further address of the viewer's own (audited ``identity.request``).

    ``text`` is normalised as the people import does. With a ``mailer`` an e-mail address
    gets a code by e-mail; otherwise the request waits for HR. Raises :class:`InputError`
    for a malformed address, one already on record (the viewer's or another person's:
    never moved), one already waiting, too many waiting requests, or more than
    :data:`MAX_REQUESTS` requests in :data:`WINDOW`.
    """
    person_id = _me(viewer)
    if kind not in IDENTITY_KINDS:
        raise InputError(f"{kind!r} is not a kind of address.")
    parsed = parse_identity(kind, text)
    if isinstance(parsed, IdentityProblem):
        raise InputError(parsed.reason[0].upper() + parsed.reason[1:] + ".")
    _, value = parsed
    moment = _now(now)
    code = _new_code() if kind == "email" and mailer is not None else None

    def work(tx: Tx) -> int:
        _refuse_owned(_owner(tx, kind, value), person_id, value)
        waiting = tx.rows(
            "SELECT kind, value FROM identity_requests WHERE person_id = ? AND status = 'pending'",
            [person_id],
        )
        if (kind, value) in {(str(k), str(v)) for k, v in waiting}:
            raise InputError(f"{value} is already waiting for confirmation.")
        if len(waiting) >= MAX_PENDING:
            raise InputError(
                f"You have {len(waiting)} addresses waiting for confirmation; confirm or "
                "cancel one first."
            )
        if _recent(tx, "identity.request", person_id, moment) >= MAX_REQUESTS:
            raise InputError(
                f"You have added {MAX_REQUESTS} addresses in the last 24 hours; try again tomorrow."
            )
        [request_id] = tx.next_ids("identity_requests", 1)
        tx.execute(
            "INSERT INTO identity_requests (request_id, person_id, kind, value, requested_by, "
            "requested_at, code_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                request_id,
                person_id,
                kind,
                value,
                viewer.account,
                moment,
                _digest(code) if code else None,
            ],
        )
        audit(
            tx,
            viewer.account,
            "identity.request",
            str(request_id),
            person_id=person_id,
            detail={"kind": kind, "value": value, "by": "code" if code else "hr"},
            at=moment,
        )
        return request_id

    request_id = store.run_write(work)
    if code is None:
        return RequestResult(
            request_id,
            kind,
            value,
            False,
            f"{value} was added and waits for HR to confirm it; until then no badge is "
            "matched to it.",
        )
    assert mailer is not None
    try:
        send(
            mailer,
            value,
            "Your Skill Atlas confirmation code",
            f"Your confirmation code is {code}.\n\n"
            f"Type it on your Skill Atlas profile within {CODE_TTL.days * 24} hours to add "
            f"{value} to your addresses. If you did not ask for this, ignore this message.",
        )
    except ConfigError:  # not sent: HR confirms instead, and nobody waits for a lost code
        with store.write() as tx:
            tx.execute(
                "UPDATE identity_requests SET code_sha256 = NULL WHERE request_id = ?",
                [request_id],
            )
        return RequestResult(
            request_id,
            kind,
            value,
            False,
            f"The code could not be e-mailed to {value}; the address waits for HR to "
            "confirm it instead.",
        )
    return RequestResult(
        request_id,
        kind,
        value,
        True,
        f"A confirmation code was sent to {value}; type it here within 24 hours.",
    )


def _pending(tx: Tx, request_id: int) -> tuple[str, str, str, datetime, str | None] | None:
    found = tx.rows(
        "SELECT person_id, kind, value, requested_at, code_sha256 FROM identity_requests "
        "WHERE request_id = ? AND status = 'pending'",
        [int(request_id)],
    )
    if not found:
        return None
    person, kind, value, at, code = found[0]
    return str(person), str(kind), str(value), at, None if code is None else str(code)


_ACTIONS = {"confirmed": "identity.confirm", "refused": "identity.refuse"}


def _close(
    tx: Tx,
    request_id: int,
    status: str,
    actor: str,
    moment: datetime,
    *,
    person_id: str,
    kind: str,
    value: str,
    why: str | None = None,
) -> None:
    """Decide a request (``confirmed``, ``refused`` or ``cancelled``), forget its code, and
    audit the decision (``identity.confirm`` / ``identity.refuse`` / ``identity.cancel``)."""
    tx.execute(
        "UPDATE identity_requests SET status = ?, decided_by = ?, decided_at = ?, "
        "code_sha256 = NULL WHERE request_id = ?",
        [status, actor, moment, int(request_id)],
    )
    detail = {"kind": kind, "value": value} | ({"why": why} if why else {})
    audit(
        tx,
        actor,
        _ACTIONS.get(status, "identity.cancel"),
        str(request_id),
        person_id=person_id,
        detail=detail,
        at=moment,
    )


def _add_identity(
    tx: Tx, request_id: int, person_id: str, kind: str, value: str, actor: str, moment: datetime
) -> None:
    """Copy a request into ``identities`` (refused when the address is someone else's)."""
    owner = _owner(tx, kind, value)
    if owner is not None and owner != person_id:
        _close(
            tx,
            request_id,
            "refused",
            actor,
            moment,
            person_id=person_id,
            kind=kind,
            value=value,
            why="belongs to another person",
        )
        return
    if owner is None:
        tx.execute(
            "INSERT INTO identities (person_id, kind, value, hashed, created) "
            "VALUES (?, ?, ?, false, ?)",
            [person_id, kind, value, moment],
        )
    _close(tx, request_id, "confirmed", actor, moment, person_id=person_id, kind=kind, value=value)


def confirm_code(
    store: Store,
    viewer: Viewer,
    request_id: int,
    code: str,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
) -> ConfirmResult:
    """Confirm the viewer's own e-mail request with the code they received.

    A wrong code is recorded (``identity.code_wrong``); the person's :data:`MAX_ATTEMPTS`-th
    wrong code in :data:`WINDOW` (whichever request it was typed for), or a code older than
    :data:`CODE_TTL`, cancels the request, and no code is checked until the window has
    room again. Raises
    :class:`InputError` with the sentence to show (wrong, expired, cancelled, the address
    now belongs to someone else) or when there is no such request of the viewer's.
    """
    person_id = _me(viewer)
    moment = _now(now)

    def work(tx: Tx) -> tuple[str, str, str | None]:
        found = _pending(tx, request_id)
        if found is None or found[0] != person_id or found[4] is None:
            raise InputError(_NO_REQUEST)
        _, kind, value, requested_at, digest = found
        assert digest is not None
        if moment - requested_at.astimezone(UTC) > CODE_TTL:
            _close(
                tx,
                request_id,
                "cancelled",
                viewer.account,
                moment,
                person_id=person_id,
                kind=kind,
                value=value,
                why="code expired",
            )
            return kind, value, "The code has expired; add the address again for a new code."
        if _recent(tx, "identity.code_wrong", person_id, moment) >= MAX_ATTEMPTS:
            raise InputError(
                f"{MAX_ATTEMPTS} wrong codes in the last 24 hours: no code is checked until "
                "tomorrow."
            )
        if not hmac.compare_digest(_digest(code), digest):
            wrong = 1 + _recent(tx, "identity.code_wrong", person_id, moment)
            audit(
                tx,
                viewer.account,
                "identity.code_wrong",
                str(request_id),
                person_id=person_id,
                detail={"attempt": wrong},
                at=moment,
            )
            if wrong >= MAX_ATTEMPTS:
                _close(
                    tx,
                    request_id,
                    "cancelled",
                    viewer.account,
                    moment,
                    person_id=person_id,
                    kind=kind,
                    value=value,
                    why="too many wrong codes",
                )
                return (
                    kind,
                    value,
                    f"{MAX_ATTEMPTS} wrong codes: the request is cancelled; add the address "
                    "again tomorrow for a new code.",
                )
            left = MAX_ATTEMPTS - wrong
            return kind, value, f"That code is not right; {left} tries left."
        _add_identity(tx, request_id, person_id, kind, value, viewer.account, moment)
        return kind, value, None

    kind, value, problem = store.run_write(work)
    if problem is not None:  # the wrong try is recorded (committed) before it is reported
        raise InputError(problem)
    return _after_confirm(
        store, request_id, person_id, kind, value, viewer.account, settings, client
    )


def _after_confirm(
    store: Store,
    request_id: int,
    person_id: str,
    kind: str,
    value: str,
    actor: str,
    settings: Settings | None,
    client: httpx.Client | None,
) -> ConfirmResult:
    status = store.scalar(
        "SELECT status FROM identity_requests WHERE request_id = ?", [int(request_id)]
    )
    if status != "confirmed":
        raise InputError(
            f"{value} belongs to another person in Skill Atlas by now, so it was not added."
        )
    checked, verified = _recheck_mismatches(
        store, person_id, actor=actor, settings=settings, client=client
    )
    message = f"{value} is confirmed: badges issued to it are now matched to you."
    if verified:
        message += f" {verified} of your stored badges now verify."
    return ConfirmResult(kind, value, checked, verified, message)


def cancel_identity_request(store: Store, viewer: Viewer, request_id: int) -> None:
    """Withdraw one of the viewer's own waiting requests (audited ``identity.cancel``)."""
    person_id = _me(viewer)

    def work(tx: Tx) -> None:
        found = _pending(tx, request_id)
        if found is None or found[0] != person_id:
            raise InputError(_NO_REQUEST)
        _close(
            tx,
            request_id,
            "cancelled",
            viewer.account,
            _now(None),
            person_id=person_id,
            kind=found[1],
            value=found[2],
            why="cancelled by the person",
        )

    store.run_write(work)


def list_identity_requests(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Address requests waiting for a decision, oldest first (HR only).

    Columns: request_id, person_id, name, kind, value, requested_at, requested_by,
    waiting_for (``HR`` or ``the person's code``: HR may confirm either).
    """
    require_role(viewer, Role.HR, what="address requests")
    return store.read(
        """
        SELECT r.request_id, r.person_id, p.display_name AS name, r.kind, r.value,
               r.requested_at, r.requested_by,
               CASE WHEN r.code_sha256 IS NULL THEN 'HR' ELSE 'the person''s code' END
                   AS waiting_for
        FROM identity_requests r LEFT JOIN people p USING (person_id)
        WHERE r.status = 'pending'
        ORDER BY r.requested_at, r.request_id
        """,
        [],
    )


def decide_identity_request(
    store: Store,
    viewer: Viewer,
    request_id: int,
    confirm: bool,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
) -> ConfirmResult | None:
    """HR confirms (``confirm=True``) or refuses a waiting request (audited
    ``identity.confirm`` / ``identity.refuse``). A confirmed address re-checks the person's
    mismatched badges; returns what confirming did, None after a refusal. Raises
    :class:`InputError` when the request is no longer waiting or the address belongs to
    another person (the request is then refused)."""
    require_role(viewer, Role.HR, what="address requests")
    moment = _now(now)

    def work(tx: Tx) -> tuple[str, str, str]:
        found = _pending(tx, request_id)
        if found is None:
            raise InputError("This address request is no longer waiting for a decision.")
        person_id, kind, value, _, _ = found
        if confirm:
            _add_identity(tx, request_id, person_id, kind, value, viewer.account, moment)
        else:
            _close(
                tx,
                request_id,
                "refused",
                viewer.account,
                moment,
                person_id=person_id,
                kind=kind,
                value=value,
                why="refused by HR",
            )
        return person_id, kind, value

    person_id, kind, value = store.run_write(work)
    if not confirm:
        return None
    return _after_confirm(
        store, request_id, person_id, kind, value, viewer.account, settings, client
    )


def _recheck_mismatches(
    store: Store,
    person_id: str,
    *,
    actor: str,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
) -> tuple[int, int]:
    """Submit the person's stored ``recipient_mismatch`` badges again (their raw bytes,
    as their submitter), now that a new address may bind them; returns (checked, now
    verified or otherwise bound).

    A badge that binds now is stored as a new submission would be (keyed by its issuer
    and id, so a later submission of it is a duplicate), and the old mismatch row is
    withdrawn (``credential.withdraw``). A badge still issued to someone else stays as it
    was. Badges inside a transcript or presentation are left to re-verification.
    """
    rows = store.rows(
        "SELECT credential_key, raw, submitted_by, name FROM credentials "
        "WHERE person_id = ? AND status = 'recipient_mismatch' AND raw IS NOT NULL "
        "AND container_key IS NULL ORDER BY credential_key",
        [person_id],
    )
    bound = 0
    for old_key, raw, submitted_by, name in rows:
        result = ingest_one(
            store,
            bytes(raw),
            person_id=person_id,
            submitted_by=str(submitted_by or actor),
            name=None if name is None else str(name),
            client=client,
            settings=settings,
        )
        new_key = result.credential_key
        if new_key is None or new_key == old_key or result.status == "recipient_mismatch":
            continue
        holder: Any = store.scalar(
            "SELECT person_id FROM credentials WHERE credential_key = ?", [new_key]
        )
        if holder == person_id:
            withdraw_credential(  # still this person's mismatch when it is removed
                store, str(old_key), actor=actor, allowed=lambda owner, _: owner == person_id
            )
            bound += 1
    return len(rows), bound


__all__ = [
    "CODE_TTL",
    "KIND_WORDS",
    "MAX_ATTEMPTS",
    "MAX_PENDING",
    "MAX_REQUESTS",
    "WINDOW",
    "ConfirmResult",
    "RequestResult",
    "addresses",
    "cancel_identity_request",
    "confirm_code",
    "decide_identity_request",
    "list_identity_requests",
    "request_identity",
]
