"""Submitting badges on the viewer's behalf, with who-may-submit-for-whom enforced.

- Anyone may submit their own badges (a member only their own).
- HR may submit for anyone, and upload batches (zip or CSV) and re-verify.
- Managers may submit for people in their teams; recruiters for candidates.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from skills.access import Role, Viewer, check_person, require_role
from skills.errors import AccessDenied
from skills.ingest import BatchSummary, IngestResult, ReverifySummary, expand_batch
from skills.ingest import ingest_batch as _ingest_batch
from skills.ingest import ingest_one as _ingest_one
from skills.ingest import reverify as _reverify
from skills.store import Store


def _target(store: Store, viewer: Viewer, person_id: str | None) -> str:
    target = person_id or viewer.person_id
    if target is None:
        raise AccessDenied("Choose the person this badge belongs to.")
    if viewer.role is Role.MEMBER and target != viewer.person_id:
        raise AccessDenied("You can only submit your own badges.")
    check_person(store, viewer, target)
    return target


def submit_one(
    store: Store,
    viewer: Viewer,
    source: bytes | str,
    *,
    name: str,
    person_id: str | None = None,
) -> IngestResult:
    """Verify and store one badge for ``person_id`` (default: the viewer).

    Raises :class:`AccessDenied` when the viewer may not submit for that person,
    :class:`skills.errors.StoreError` when the database refuses.
    """
    target = _target(store, viewer, person_id)
    return _ingest_one(store, source, person_id=target, submitted_by=viewer.account, name=name)


def submit_batch(
    store: Store,
    viewer: Viewer,
    path: Path,
    *,
    person_id: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchSummary:
    """HR: a zip of badges (for ``person_id``) or a CSV of person,badge rows, as one batch."""
    require_role(viewer, Role.HR, what="batch uploads")
    items = expand_batch(path, person_id=person_id)
    return _ingest_batch(store, items, submitted_by=viewer.account, progress=progress)


def reverify_all(
    store: Store, viewer: Viewer, *, progress: Callable[[int, int], None] | None = None
) -> ReverifySummary:
    """HR: re-check every stored credential (revocations, expiry)."""
    require_role(viewer, Role.HR, what="re-verification")
    return _reverify(store, actor=viewer.account, progress=progress)
