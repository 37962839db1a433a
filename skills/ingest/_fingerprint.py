"""What a credential's skills were mapped with: one fingerprint of the mapping's inputs.

A credential's ``credential_skills`` rows depend on the ESCO data files and on what the
organisation added to them (its own skills, synonyms and resolved review decisions, the
inputs :func:`skills.ingest.skill_mapper` reads). :func:`fingerprint_of` hashes those
inputs, and the mapper carries the hash of the inputs it was built from; ingestion stores
it as ``credentials.mapped_with`` and re-verification maps a
credential again when its fingerprint differs from the current one. The held-confidence
threshold is an input too: skills inferred from a badge's text below it go to review
instead of being mapped (``skill_mapper``).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from skills.ingest._mapping import OrgAdditions, Rows, held_threshold, org_additions
from skills.taxonomy._data import ESCO_DIR

#: Bumped when the way mentions are mapped changes in a way the inputs do not show.
FINGERPRINT_VERSION = "1"


def esco_version(folder: Path = ESCO_DIR) -> str:
    """SHA-256 over the ESCO data files (their names and bytes), cached per file state."""
    files = sorted(folder.glob("*.parquet"))
    state = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _hash_files(tuple(files), state)


@functools.lru_cache(maxsize=4)
def _hash_files(files: tuple[Path, ...], _state: tuple[tuple[str, int, int], ...]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\x1f")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def fingerprint_of(additions: OrgAdditions, threshold: float, *, esco: str | None = None) -> str:
    """The fingerprint (64 hex digits) of mapping with ESCO (``esco``, default
    :func:`esco_version`), the organisation's ``additions`` and the held ``threshold``:
    what :func:`skills.ingest.skill_mapper` stamps on the mapper it builds from them."""
    h = hashlib.sha256(f"v{FINGERPRINT_VERSION}\x1e{esco or esco_version()}\x1e".encode())
    for part in (*additions, (threshold,)):
        for item in part:
            h.update(repr(item).encode() + b"\x1e")
        h.update(b"\x1d")
    return h.hexdigest()


def mapping_fingerprint(reader: Rows, *, esco: str | None = None) -> str:
    """The fingerprint of what a badge mapped now would be mapped with: the additions and
    threshold as ``reader`` (a store or a transaction) holds them now
    (:func:`~skills.ingest._mapping.org_additions`, the same reads the mapper makes).

    ``esco`` overrides :func:`esco_version` (tests). Raises what the reader raises.
    """
    return fingerprint_of(org_additions(reader), held_threshold(reader), esco=esco)
