"""Submissions in, rows out: verify -> bind the recipient -> map skills -> store.

Modules: ``_expand`` (folders, zips, CSVs to items), ``_prepare`` (read, bind, map),
``_mapping`` (the skill mapper), ``_plan`` (the rules, pure), ``_write`` (one
transaction per chunk), ``_batch`` (the entry points), ``_reverify``, ``_fingerprint``
(what a credential's skills were mapped with), ``_schedule`` (the server's
re-verification thread); public submodules ``queue`` (batches spooled while the app
holds the database), ``pool`` (the Submit page's bounded verification pool) and
``people`` (the HR people import).

- :func:`ingest_one` takes one submission (bytes, text, a URL or a file path) for a
  person and stores it in one transaction.
- :func:`ingest_batch` does the same for many, verifying in parallel and writing one
  transaction per chunk; a bad item never stops the batch.
- :func:`expand_batch` turns a folder, a zip or a CSV of (person, url_or_file) rows
  into :class:`BatchItem` s.
- :func:`reverify` re-checks stored credentials from their raw bytes (a status change
  becomes a notice for the person) and maps their skills again when the taxonomy or the
  organisation's synonyms changed (``_fingerprint``); :func:`start_reverify_scheduler`
  runs it in the server on a schedule (``_schedule``).

Identity of a credential (``credential_key``): the badge's own id, else
``sha256:`` + the SHA-256 of the submitted bytes. The same credential submitted
again is stored once (``duplicate``); when its status changed (revoked, expired)
the stored status is updated and the change appended to
``credential_status_history``. A submission that cannot be read as a badge at
all goes to ``rejected_submissions`` with its reason.

Recipient binding: the person's identities (e-mails, URLs, telephones, DIDs) are
each tried against the badge's recipient; none matching makes the badge
``recipient_mismatch``. A submission without a person is stored unbound.

Crash safety: every chunk is one transaction and every write is keyed, so a
killed batch leaves no half-stored credential and running it again completes it.
"""

from skills.ingest._batch import client_factory_for, demo_mirror, ingest_batch, ingest_one
from skills.ingest._expand import expand_batch
from skills.ingest._fingerprint import mapping_fingerprint
from skills.ingest._mapping import (
    OrgAdditions,
    SkillMapper,
    org_additions,
    org_matcher,
    org_taxonomy,
    skill_mapper,
)
from skills.ingest._plan import (
    CHUNK_SIZE,
    SUMMARY_KEYS,
    BatchItem,
    BatchSummary,
    IngestResult,
    Mapper,
    ReverifySummary,
    SkillRow,
)
from skills.ingest._prepare import container_key
from skills.ingest._reverify import ReverifyRunning, reverify
from skills.ingest._schedule import ReverifyScheduler, last_checked, start_reverify_scheduler
from skills.ingest._write import apply_plan

__all__ = [
    "CHUNK_SIZE",
    "SUMMARY_KEYS",
    "BatchItem",
    "BatchSummary",
    "IngestResult",
    "Mapper",
    "OrgAdditions",
    "ReverifyRunning",
    "ReverifyScheduler",
    "ReverifySummary",
    "SkillMapper",
    "SkillRow",
    "apply_plan",
    "client_factory_for",
    "container_key",
    "demo_mirror",
    "expand_batch",
    "ingest_batch",
    "ingest_one",
    "last_checked",
    "mapping_fingerprint",
    "org_additions",
    "org_matcher",
    "org_taxonomy",
    "reverify",
    "skill_mapper",
    "start_reverify_scheduler",
]
