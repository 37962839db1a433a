"""The DuckDB store: one file, numbered migrations, thread-safe reads, serialised writes.

Public API::

    store = open_store(path, read_only=False, wait=0.0)   # the settings' db_path
    df = store.read("SELECT ... WHERE x = ?", [value])        # DataFrame, a cursor per call
    with store.write() as tx:                                   # one transaction, serialised
        tx.execute("UPDATE ... SET a = ? WHERE b = ?", [1, 2])
        tx.insert_frame("people", frame)                        # bulk INSERT ... SELECT
    store.close()

Tables and views are defined in ``skills/store/migrations/*.sql`` (read them:
the comments say what each column holds). The read side uses the views
``held_skills`` (person x skill from verified, unexpired credentials with
confidence >= ``app_settings.held_confidence_threshold``) and
``credential_details``.

Concurrency: DuckDB lets one process open a file read-write and then no other
process may open it. Inside that process, reads run concurrently and writes
run one at a time. A second process (e.g. ``python -m skills ingest`` while the
app runs) waits up to ``wait`` seconds and then gets :class:`DatabaseLocked`.

A lake (``open_store(LakeLocation(...))``, :mod:`skills.store._lake`) is the same API over
DuckLake with a PostgreSQL catalog, for several processes on several machines: writers
take turns across processes, ``generation`` follows the lake's snapshots.

Errors: :class:`~skills.errors.StoreError` and its subclasses
:class:`~skills.errors.SchemaTooNew`, :class:`~skills.errors.StorageTooNew` and
:class:`~skills.errors.DatabaseLocked`.
"""

from skills.store._connection import Migration, Store, Tx, migrations, open_store
from skills.store._writes import (
    BULK_TABLES,
    TRUST_LEVELS,
    AuditEntry,
    audit,
    audit_many,
    bulk_load,
    erase_person,
    save_role_profile,
    set_issuer_trust,
    sync_skills,
    withdraw_credential,
)

__all__ = [
    "BULK_TABLES",
    "TRUST_LEVELS",
    "AuditEntry",
    "Migration",
    "Store",
    "Tx",
    "audit",
    "audit_many",
    "bulk_load",
    "erase_person",
    "migrations",
    "open_store",
    "save_role_profile",
    "set_issuer_trust",
    "sync_skills",
    "withdraw_credential",
]
