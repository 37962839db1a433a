"""Submitting badges on the viewer's behalf, with who-may-submit-for-whom enforced.

- Anyone may submit their own badges (a member only their own).
- HR may submit for anyone, and upload batches (zip or CSV) and re-verify.
- Managers may submit for people in their teams; recruiters for candidates.
- A person withdraws their own badges (:func:`withdraw`); HR withdraws anybody's.

:func:`submit_one` says what a submission did to the person's held skills
(:class:`SubmitOutcome`): the skills it added, those it evidences that were already held,
or why none counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from skills.access import Role, Viewer, check_person, require_role
from skills.config import DEFAULTS, Settings
from skills.errors import AccessDenied, InputTooLarge
from skills.ingest import (
    SUMMARY_KEYS,
    BatchSummary,
    IngestResult,
    ReverifySummary,
    expand_batch,
    skill_mapper,
)
from skills.ingest import ingest_batch as _ingest_batch
from skills.ingest import ingest_one as _ingest_one
from skills.ingest import reverify as _reverify
from skills.services.profile import my_submissions
from skills.store import Store, withdraw_credential

Skill = tuple[str, str]
"""A skill as a result card names it: (label, origin), origin ``esco`` or ``org``."""


def _target(store: Store, viewer: Viewer, person_id: str | None) -> str:
    target = person_id or viewer.person_id
    if target is None:
        raise AccessDenied("Choose the person this badge belongs to.")
    if viewer.role is Role.MEMBER and target != viewer.person_id:
        raise AccessDenied("You can only submit your own badges.")
    check_person(store, viewer, target)
    return target


@dataclass(frozen=True)
class SubmitOutcome:
    """One submission and what it did to its person's profile.

    ``added`` are the skills this badge made newly held (``held_skills``), ``already``
    the skills it evidences that the person held before; ``not_counted`` says why it
    added nothing (a key of :data:`skills.explain.NOT_COUNTED`, None when its skills
    count). ``for_viewer`` is False when the badge was submitted for somebody else, named
    ``person_name``. A transcript or presentation has one outcome per badge in ``parts``.
    """

    result: IngestResult
    added: tuple[Skill, ...] = ()
    already: tuple[Skill, ...] = ()
    not_counted: str | None = None
    for_viewer: bool = True
    person_name: str | None = None
    parts: tuple[SubmitOutcome, ...] = ()

    @property
    def elsewhere(self) -> bool:
        """A copy of a badge on record for somebody else: nothing was added or changed."""
        return self.not_counted == "elsewhere"


def _held(store: Store, person_id: str) -> set[str]:
    """The skills ``person_id`` holds now (the ``held_skills`` view itself, not a cache)."""
    rows = store.rows("SELECT skill_uri FROM held_skills WHERE person_id = ?", [person_id])
    return {str(r[0]) for r in rows}


def _why_not_counted(store: Store, result: IngestResult, target: str) -> str | None:
    """Why the credential of ``result`` adds no held skill for ``target`` (None: it counts)."""
    if result.credential_key is None:
        return "rejected"
    row = store.rows(
        "SELECT c.person_id, c.status, coalesce(c.self_issued, false), "
        "coalesce(i.trust, 'unknown'), c.expires IS NOT NULL AND c.expires <= now() "
        "FROM credentials c LEFT JOIN issuers i ON i.issuer_id = c.issuer_id "
        "WHERE c.credential_key = ?",
        [result.credential_key],
    )
    if not row:
        return "withdrawn"
    owner, status, self_issued, trust, lapsed = row[0]
    if owner != target:
        return "elsewhere"
    if status != "verified" or lapsed:
        return "status"
    if self_issued:
        return "self_issued"
    if trust != "trusted":
        return "issuer_unreviewed" if trust == "unknown" else "issuer_untrusted"
    mapped = store.rows(
        "SELECT max(cs.confidence) >= (SELECT CAST(value AS DOUBLE) FROM app_settings "
        "WHERE key = 'held_confidence_threshold') FROM credential_skills cs "
        "WHERE cs.credential_key = ? AND cs.skill_uri IS NOT NULL",
        [result.credential_key],
    )
    if not mapped or mapped[0][0] is None:
        return "no_skills"
    return None if mapped[0][0] else "low_confidence"


def _outcome(
    store: Store,
    result: IngestResult,
    target: str,
    before: set[str],
    **who: Any,
) -> SubmitOutcome:
    """``result`` with the skills it added to ``target`` beyond ``before`` (which grows)."""
    if result.parts:
        parts = tuple(_outcome(store, part, target, before, **who) for part in result.parts)
        return SubmitOutcome(result, parts=parts, **who)
    why = _why_not_counted(store, result, target)
    if why is not None:
        return SubmitOutcome(result, not_counted=why, **who)
    # Only the skills this credential evidences and the person now holds: a badge of the
    # same person stored meanwhile by another session takes no credit here.
    rows = store.rows(
        "SELECT DISTINCT h.skill_uri, coalesce(s.label, cs.label, h.skill_uri), "
        "coalesce(s.origin, 'esco') "
        "FROM credential_skills cs JOIN held_skills h "
        "ON h.skill_uri = cs.skill_uri AND h.person_id = ? "
        "LEFT JOIN skills s ON s.skill_uri = cs.skill_uri "
        "WHERE cs.credential_key = ? ORDER BY 2",
        [target, result.credential_key],
    )
    added = tuple((str(label), str(origin)) for uri, label, origin in rows if uri not in before)
    already = tuple((str(label), str(origin)) for uri, label, origin in rows if uri in before)
    before.update(str(r[0]) for r in rows)
    if not rows:  # mapped well enough, yet not held: expired meanwhile, or withdrawn
        return SubmitOutcome(result, not_counted="status", **who)
    return SubmitOutcome(result, added=added, already=already, **who)


def submit_one(
    store: Store,
    viewer: Viewer,
    source: bytes | str,
    *,
    name: str,
    person_id: str | None = None,
    settings: Settings | None = None,
) -> SubmitOutcome:
    """Verify and store one badge for ``person_id`` (default: the viewer), and say what it
    added to that person's held skills.

    Raises :class:`AccessDenied` when the viewer may not submit for that person,
    :class:`skills.errors.StoreError` when the database refuses. ``settings`` are the
    application's (limits, verification; default :data:`skills.config.DEFAULTS`).
    """
    target = _target(store, viewer, person_id)
    before = _held(store, target)
    result = _ingest_one(
        store,
        source,
        person_id=target,
        submitted_by=viewer.account,
        name=name,
        settings=settings,
    )
    for_viewer = target == viewer.person_id
    person_name = None
    if not for_viewer:
        names = store.rows("SELECT display_name FROM people WHERE person_id = ?", [target])
        person_name = str(names[0][0]) if names and names[0][0] else target
    return _outcome(store, result, target, before, for_viewer=for_viewer, person_name=person_name)


def withdraw(store: Store, viewer: Viewer, credential_key: str) -> dict[str, int]:
    """Remove a stored badge: a person their own (also one issued to somebody else that
    they submitted), HR anybody's. Audited as ``credential.withdraw``; held skills follow
    at once. Returns the rows deleted per table.

    Raises :class:`AccessDenied` for anybody else's badge (managers and recruiters
    included), with the same sentence whether or not the badge exists, so the answer
    reveals nothing. The rule is checked inside the deleting transaction
    (:func:`skills.store.withdraw_credential`), so a badge that changed hands after the
    page showed it is not removed.
    """
    if viewer.role is Role.HR:
        return withdraw_credential(store, credential_key, actor=viewer.account)
    return withdraw_credential(
        store,
        credential_key,
        actor=viewer.account,
        allowed=lambda person_id, submitted_by: _may_withdraw(viewer, person_id, submitted_by),
    )


def _may_withdraw(viewer: Viewer, person_id: str | None, submitted_by: str | None) -> bool:
    """Whether ``viewer`` may withdraw a badge filed under ``person_id`` and submitted by
    ``submitted_by``: HR any; anybody else only one filed under themselves, or one they
    submitted that is filed under nobody."""
    if viewer.role is Role.HR:
        return True
    if person_id is None:
        return submitted_by == viewer.account
    return viewer.person_id is not None and person_id == viewer.person_id


CHECK_EVERY = 50
"""Items a batch from the Submit page ingests between two ``still_wanted`` checks."""


@dataclass(frozen=True)
class BatchOutcome(BatchSummary):
    """A batch's summary (``total``, ``counts``, ``results`` cover what was ingested) and how
    far it got: ``done`` of the batch's ``items``."""

    items: int = 0
    done: int = 0

    @property
    def stopped(self) -> bool:
        """Whether the batch stopped before its last item (its submitter went away)."""
        return self.done < self.items


def submit_batch(
    store: Store,
    viewer: Viewer,
    path: Path,
    *,
    person_id: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    still_wanted: Callable[[], bool] | None = None,
    check_every: int = CHECK_EVERY,
    settings: Settings | None = None,
) -> BatchOutcome:
    """HR: a zip of badges (for ``person_id``) or a CSV of person,badge rows, as one batch.

    With ``still_wanted``, the batch is ingested ``check_every`` items at a time and
    ``still_wanted()`` is asked before each slice: when it answers False the batch stops
    there (what was ingested stays, each slice committed whole) and the outcome says
    how far it got. ``progress(done, total)`` counts the whole batch. Raises
    :class:`InputTooLarge` when the batch has more items than
    ``settings.max_batch_items``, before anything is verified.
    """
    require_role(viewer, Role.HR, what="batch uploads")
    cfg = settings or DEFAULTS
    items = expand_batch(path, person_id=person_id, settings=cfg)
    total = len(items)
    if still_wanted is None:
        whole = _ingest_batch(
            store, items, submitted_by=viewer.account, progress=progress, settings=cfg
        )
        return BatchOutcome(whole.total, whole.counts, whole.results, items=total, done=total)
    limit = cfg.max_batch_items
    if total > limit:
        raise InputTooLarge(f"The batch has {total:,} items, over the limit of {limit:,}.")
    step = max(1, int(check_every))
    mapper = skill_mapper(store) if items else None
    results: list[IngestResult] = []
    done = 0
    if progress:
        progress(0, total)
    for start in range(0, total, step):
        if not still_wanted():
            break
        part = items[start : start + step]

        def part_progress(n: int, _of: int, base: int = done) -> None:
            if progress:
                progress(min(total, base + n), total)

        summary = _ingest_batch(
            store,
            part,
            submitted_by=viewer.account,
            progress=part_progress if progress else None,
            mapper=mapper,
            settings=cfg,
        )
        results.extend(summary.results)
        done += len(part)
    counts = Counter(r.outcome for r in results)
    return BatchOutcome(
        total=done,
        counts={k: counts.get(k, 0) for k in SUMMARY_KEYS},
        results=tuple(results),
        items=total,
        done=done,
    )


def reverify_all(
    store: Store,
    viewer: Viewer,
    *,
    progress: Callable[[int, int], None] | None = None,
    settings: Settings | None = None,
) -> ReverifySummary:
    """HR: re-check every stored credential (revocations, expiry)."""
    require_role(viewer, Role.HR, what="re-verification")
    return _reverify(store, actor=viewer.account, progress=progress, settings=settings)


def recent_submissions(store: Store, viewer: Viewer, limit: int = 20) -> pd.DataFrame:
    """What the viewer submitted themselves, newest first
    (:func:`skills.services.profile.my_submissions`), with ``removable``: whether the
    viewer may withdraw it (:func:`withdraw`)."""
    mine = my_submissions(store, viewer, limit)
    removable = [
        _may_withdraw(viewer, None if pd.isna(p) else str(p), viewer.account)
        for p in mine["person_id"]
    ]
    return mine.assign(removable=pd.Series(removable, index=mine.index, dtype=bool))
