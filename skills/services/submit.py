"""Submitting badges on the viewer's behalf, with who-may-submit-for-whom enforced.

- Anyone may submit their own badges (a member only their own).
- HR may submit for anyone, and upload batches (zip or CSV) and re-verify.
- Managers may submit for people in their teams; recruiters for candidates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
    settings: Settings | None = None,
) -> IngestResult:
    """Verify and store one badge for ``person_id`` (default: the viewer).

    Raises :class:`AccessDenied` when the viewer may not submit for that person,
    :class:`skills.errors.StoreError` when the database refuses. ``settings`` are the
    application's (limits, verification; default :data:`skills.config.DEFAULTS`).
    """
    target = _target(store, viewer, person_id)
    return _ingest_one(
        store,
        source,
        person_id=target,
        submitted_by=viewer.account,
        name=name,
        settings=settings,
    )


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
