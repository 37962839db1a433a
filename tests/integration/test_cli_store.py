"""``python -m skills people import / ingest / reverify / stats`` on a real database file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ingest_helpers import PEOPLE_CSV, BadgeIssuer, trust_issuers

from skills.cli import build_parser, main
from skills.store import open_store


def _stats(db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["stats", "--json", "--db", str(db)]) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def test_import_ingest_stats_reverify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "atlas.duckdb"
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE_CSV)
    assert main(["people", "import", str(people), "--db", str(db)]) == 0
    assert "4 new" in capsys.readouterr().out

    issuer = BadgeIssuer()
    folder = tmp_path / "ada"
    folder.mkdir()
    (folder / "python.jwt").write_text(issuer.badge("ada@example.org"))
    (folder / "sql.jwt").write_text(issuer.badge("ada@example.org", name="SQL"))
    (folder / "broken.json").write_text("{not json")
    code = main(
        ["ingest", str(folder), "--as", "e1", "--by", "hr", "--db", str(db), "--workers", "1"]
    )
    out = capsys.readouterr().out
    assert code == 1  # one item was not verified
    assert "verified" in out and "rejected" in out and "broken.json" in out

    with open_store(db) as store:
        trust_issuers(store)  # HR reviews the new issuer
    figures = _stats(db, capsys)
    assert figures["people"] == {"employee": 3, "candidate": 1}
    assert figures["teams"] == 2
    credentials = figures["credentials"]
    assert isinstance(credentials, dict) and credentials["verified"] == 2
    assert set(credentials) >= {"verified", "revoked", "expired", "invalid", "unverifiable"}
    assert isinstance(figures["distinct_held_skills"], int) and figures["distinct_held_skills"] >= 1
    assert figures["mapping_queue"] >= 0

    # the same folder again: everything already stored
    code = main(["ingest", str(folder / "python.jwt"), "--as", "e1", "--db", str(db)])
    assert code == 0 and "duplicate" in capsys.readouterr().out

    assert main(["reverify", "--db", str(db), "--workers", "1"]) == 0
    assert "Re-verified 2 credentials; 0 changed" in capsys.readouterr().out


def test_bad_people_file_lists_rows_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "people.csv"
    bad.write_text("person_id,name,kind\nx1,X,robot\nx2,,employee\n")
    assert main(["people", "import", str(bad), "--db", str(tmp_path / "a.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "row 2: kind must be" in err and "row 3: name is empty" in err


def test_a_database_held_by_the_app_gives_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "atlas.duckdb"
    assert main(["stats", "--db", str(db)]) == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); time.sleep(3600)",  # until killed below
            str(db),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        assert main(["stats", "--json", "--db", str(db), "--wait", "0.3"]) == 2
        err = capsys.readouterr().err
        assert "waiting up to 0.3 s" in err
        assert "is in use by process" in err and "--wait" in err
    finally:
        holder.kill()
        holder.wait()


def test_every_store_command_is_documented() -> None:
    parser, modules = build_parser()
    for name in ("ingest", "people", "reverify", "stats"):
        assert name in modules
        assert modules[name].__doc__
    help_text = parser.format_help()
    for name in ("ingest", "people", "reverify", "stats"):
        assert name in help_text
