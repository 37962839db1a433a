"""Issue 17, first step: every migration applies to a DuckLake whose catalog is a private
PostgreSQL cluster, in the lake dialect; the lake then takes the store's tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.store._connection import migrations
from skills.store._lake import connect, lake_dialect
from tests.support import postgres

pytestmark = pytest.mark.skipif(not postgres.available(), reason="PostgreSQL is not installed")


def test_lake_dialect_drops_what_ducklake_refuses() -> None:
    sql = (
        "CREATE SEQUENCE s START 1;\n"
        "CREATE TABLE t (id BIGINT PRIMARY KEY DEFAULT nextval('s'), "
        "kind VARCHAR NOT NULL CHECK (kind IN ('a', 'b')), v VARCHAR, PRIMARY KEY (id, v));\n"
        "CREATE INDEX t_v ON t (v); -- a comment; with a semicolon\n"
        "INSERT INTO t VALUES (1, 'a', 'x');"
    )
    assert lake_dialect(sql) == [
        "CREATE TABLE t (id BIGINT, kind VARCHAR NOT NULL, v VARCHAR)",
        "INSERT INTO t VALUES (1, 'a', 'x')",
    ]


def test_every_migration_applies_to_a_lake(tmp_path: Path) -> None:
    with postgres.cluster() as catalog:
        con = connect(catalog, str(tmp_path / "data") + "/", tmp_path / "ext")
        for m in migrations():
            for statement in lake_dialect(m.sql):
                con.execute(statement)
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert {"people", "credentials", "credential_skills", "signin_refusals"} <= tables
        con.execute(
            "INSERT INTO people (person_id, display_name, kind) VALUES ('p1', 'Pat', 'employee')"
        )
        assert con.execute("SELECT display_name FROM people").fetchall() == [("Pat",)]
        con.close()
