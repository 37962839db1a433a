"""``python -m skills people import / ingest / reverify / stats`` on a real database file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from skills.cli import PROG_NAME, cli
from skills.store import open_store
from tests.support.ingest_helpers import PEOPLE_CSV, BadgeIssuer, trust_issuers


def run(*args: str) -> Result:
    """``python -m skills ARGS...`` in this process, through click's test runner."""
    return CliRunner().invoke(cli, list(args), prog_name=PROG_NAME, catch_exceptions=False)


def _stats(db: Path) -> dict[str, object]:
    result = run("stats", "--json", "--db", str(db))
    assert result.exit_code == 0
    out: dict[str, object] = json.loads(result.stdout)
    return out


def test_import_ingest_stats_reverify(tmp_path: Path) -> None:
    db = tmp_path / "atlas.duckdb"
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE_CSV)
    result = run("people", "import", str(people), "--db", str(db))
    assert result.exit_code == 0
    assert "4 new" in result.stdout

    issuer = BadgeIssuer()
    folder = tmp_path / "ada"
    folder.mkdir()
    (folder / "python.jwt").write_text(issuer.badge("ada@example.org"))
    (folder / "sql.jwt").write_text(issuer.badge("ada@example.org", name="SQL"))
    (folder / "broken.json").write_text("{not json")
    result = run(
        "ingest", str(folder), "--as", "e1", "--by", "hr", "--db", str(db), "--workers", "1"
    )
    out = result.stdout
    assert result.exit_code == 1  # one item was not verified
    assert "verified" in out and "rejected" in out and "broken.json" in out

    with open_store(db) as store:
        trust_issuers(store)  # HR reviews the new issuer
    figures = _stats(db)
    assert figures["people"] == {"employee": 3, "candidate": 1}
    assert figures["teams"] == 2
    credentials = figures["credentials"]
    assert isinstance(credentials, dict) and credentials["verified"] == 2
    assert set(credentials) >= {"verified", "revoked", "expired", "invalid", "unverifiable"}
    assert figures["distinct_held_skills"] == 1  # both badges align to ESCO's Python
    assert figures["mapping_queue"] == 0  # an ESCO URI needs no review

    # the same folder again: everything already stored
    result = run("ingest", str(folder / "python.jwt"), "--as", "e1", "--db", str(db))
    assert result.exit_code == 0 and "duplicate" in result.stdout

    result = run("reverify", "--db", str(db), "--workers", "1")
    assert result.exit_code == 0
    assert "Re-verified 2 credentials; 0 changed" in result.stdout


def test_bad_people_file_lists_rows_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "people.csv"
    bad.write_text("person_id,name,kind\nx1,X,robot\nx2,,employee\n")
    result = run("people", "import", str(bad), "--db", str(tmp_path / "a.duckdb"))
    assert result.exit_code == 2
    err = result.stderr
    assert "row 2: kind must be" in err and "row 3: name is empty" in err


def test_a_database_held_by_the_app_gives_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "atlas.duckdb"
    assert run("stats", "--db", str(db)).exit_code == 0
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
        result = run("stats", "--json", "--db", str(db), "--wait", "0.3")
        assert result.exit_code == 2
        err = result.stderr
        assert err.count("error: ") == 1
        assert "waiting up to 0.3 s" in err
        assert "is in use by process" in err and "--wait" in err
    finally:
        holder.kill()
        holder.wait()


def test_every_store_command_is_documented() -> None:
    help_text = run("--help").stdout
    for name in ("ingest", "people", "reverify", "stats"):
        assert name in cli.commands
        assert cli.commands[name].help
        assert name in help_text
        options = run(*(["people", "import"] if name == "people" else [name]), "--help").stdout
        assert "--db PATH" in options and "--wait SECONDS" in options


def test_the_command_line_passes_the_environments_settings_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings are read once at the edge: SKILLS_* set for a command reach what it calls."""
    db = tmp_path / "atlas.duckdb"
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE_CSV)
    assert run("people", "import", str(people), "--db", str(db)).exit_code == 0
    issuer = BadgeIssuer()
    folder = tmp_path / "ada"
    folder.mkdir()
    (folder / "python.jwt").write_text(issuer.badge("ada@example.org"))
    (folder / "sql.jwt").write_text(issuer.badge("ada@example.org", name="SQL"))
    monkeypatch.setenv("SKILLS_MAX_BATCH_ITEMS", "1")
    result = CliRunner().invoke(
        cli, ["ingest", str(folder), "--as", "e1", "--db", str(db)], prog_name=PROG_NAME
    )
    assert result.exit_code != 0
    assert "over the limit of 1" in result.output
    monkeypatch.setenv("SKILLS_MAX_BATCH_ITEMS", "5")
    monkeypatch.setenv("SKILLS_MAX_UPLOAD_BYTES", "100")  # smaller than either badge
    result = run("ingest", str(folder), "--as", "e1", "--db", str(db), "--workers", "1")
    assert result.exit_code == 1
    assert " ".join(result.stdout.split()).count("over the limit of 100 bytes") == 2


def _duckdb_2_file(tmp_path: Path) -> Path:
    """A file DuckDB 2.0 wrote (Skill Atlas before issue 17), from tests/fixtures/store."""
    import gzip

    packed = Path(__file__).resolve().parents[1] / "fixtures" / "store" / "duckdb-2.0.duckdb.gz"
    path = tmp_path / "old.duckdb"
    path.write_bytes(gzip.decompress(packed.read_bytes()))
    return path


def test_a_duckdb_2_file_gets_a_clear_message_and_stays_as_it_is(tmp_path: Path) -> None:
    path = _duckdb_2_file(tmp_path)
    before = path.read_bytes()
    result = run("stats", "--db", str(path))
    assert result.exit_code == 2
    assert "written by a newer DuckDB" in result.output and "python -m skills demo" in result.output
    assert path.read_bytes() == before


def test_the_demo_puts_a_duckdb_2_file_aside_and_builds_again(tmp_path: Path) -> None:
    path = _duckdb_2_file(tmp_path)
    before = path.read_bytes()
    result = run(
        "demo", "--people", "80", "--candidates", "10", "--credentials", "200", "--sample", "10",
        "--if-missing", "--db", str(path), "--hosted", str(tmp_path / "hosted"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "old.duckdb.duckdb-2.0").read_bytes() == before  # nothing lost
    with open_store(path) as store:
        assert store.scalar("SELECT count(*) FROM people") > 0
