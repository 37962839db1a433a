"""Formula injection (issue 11): no exported cell is ever a live spreadsheet formula.

A candidate is named ``=HYPERLINK("http://evil.example","x")`` and an organisation
skill (and, in the frame tests, a team and a badge) ``+cmd``. The shortlist the
Candidates page offers for download, CSV and Excel, is captured from a real page run
(AppTest) and opened the way a spreadsheet would: every text cell that starts like a
formula arrives prefixed with ``'``, and the workbook has no formula cell. The same
holds for every text dtype pandas has (``object``, ``str``, ``string[python]``,
``string[pyarrow]``, ``category``), since on pandas 3 text columns are ``str``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from skills.accounts import DEMO_PASSWORDS
from skills.demo.personas import PERSONAS
from skills.export import FORMULA_STARTS, safe_frame, to_csv_bytes, to_xlsx_bytes
from skills.services.candidates import (
    CandidateQuery,
    search_candidates,
    shortlist_csv,
    shortlist_xlsx,
)
from skills.store import open_store
from tests.support import seed

pytestmark = pytest.mark.hostile

ROOT = Path(__file__).resolve().parents[2]
EVIL = '=HYPERLINK("http://evil.example","x")'
CMD = "+cmd"
CMD_URI = "urn:skill:org:cmd"
HOSTILE = "C000666"


def _formula_like(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` (a plain number such as -1.5 is a number)."""
    if text[:1] not in FORMULA_STARTS:
        return False
    try:
        float(text)
    except ValueError:
        return True
    return False


def _csv_cells(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "no BOM"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_cells(data: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(data))
    return [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]


def _assert_safe_csv(data: bytes) -> list[list[str]]:
    rows = _csv_cells(data)
    bad = [cell for row in rows for cell in row if _formula_like(cell)]
    assert not bad, bad
    return rows


def _assert_safe_xlsx(data: bytes) -> list[Any]:
    cells = _xlsx_cells(data)
    formulas = [c.coordinate for c in cells if c.data_type == "f"]
    assert not formulas, f"formula cells: {formulas}"
    bad = [c.value for c in cells if isinstance(c.value, str) and _formula_like(c.value)]
    assert not bad, bad
    return cells


@pytest.fixture
def hostile_db(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    db, accounts = tmp_path / "app.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    now = datetime.now(UTC)
    with open_store(db) as store, store.write() as tx:
        tx.execute(
            "INSERT INTO people (person_id, display_name, kind) VALUES (?, ?, 'candidate')",
            [HOSTILE, EVIL],
        )
        tx.execute(  # consented: only such candidates are searchable
            "INSERT INTO candidate_consent (person_id, consented_at) VALUES (?, ?)", [HOSTILE, now]
        )
        tx.execute("INSERT INTO skills (skill_uri, label) VALUES (?, ?)", [CMD_URI, CMD])
        tx.execute(
            "INSERT INTO credentials (credential_key, credential_id, person_id, submitted_by, "
            "format, status, summary, issued, verified_at, source_sha256, issuer_id, "
            "achievement_id, name) VALUES ('urn:evil:cred', 'urn:evil:cred', ?, 'seed', "
            "'ob3-di', 'verified', 'Verified', ?, ?, 'ee', 'iss-acme', 'a-py', 'evil.json')",
            [HOSTILE, now - timedelta(days=10), now],
        )
        for uri, label in ((seed.uri("python"), "Python (computer programming)"), (CMD_URI, CMD)):
            tx.execute(
                "INSERT INTO credential_skills (credential_key, skill_uri, label, mention, "
                "source, confidence, method) VALUES ('urn:evil:cred', ?, ?, ?, 'alignment', "
                "0.95, 'exact')",
                [uri, label, label],
            )
    yield db, accounts


def test_the_shortlist_exports_of_a_real_search_escape_the_hostile_name(
    hostile_db: tuple[Path, Path],
) -> None:
    db, _ = hostile_db
    with open_store(db) as store:
        from skills.access import make_viewer

        recruiter = make_viewer(
            store, account="recruiter", role="recruiter", person_id=PERSONAS["recruiter"]
        )
        ranked = search_candidates(
            store, recruiter, CandidateQuery(skills=(CMD_URI, seed.uri("python")), mode="any")
        )
    assert EVIL in set(ranked["name"])
    rows = _assert_safe_csv(shortlist_csv(ranked))
    assert "'" + EVIL in [cell for row in rows for cell in row]
    assert any(cell.startswith("'" + CMD) for row in rows for cell in row)
    cells = _assert_safe_xlsx(shortlist_xlsx(ranked))
    name_cells = [c for c in cells if c.value == "'" + EVIL]
    assert name_cells and all(c.data_type == "s" for c in name_cells)


@pytest.fixture
def captured_downloads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, str | None]]:
    """Every file a page hands Streamlit's media store (what a download button serves)."""
    seen: list[tuple[bytes, str | None]] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def record(
        self: MemoryMediaFileStorage,
        path_or_data: Any,
        mimetype: str,
        kind: Any,
        filename: str | None = None,
    ) -> str:
        if isinstance(path_or_data, bytes):
            seen.append((path_or_data, filename))
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return seen


def test_the_candidates_page_downloads_are_safe_in_csv_and_excel(
    hostile_db: tuple[Path, Path],
    captured_downloads: list[tuple[bytes, str | None]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, accounts = hostile_db
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.text_input(key="sign_in_user").input("recruiter")
    at.text_input(key="sign_in_password").input(DEMO_PASSWORDS["recruiter"])
    at.button[0].click()
    at.run()
    at.switch_page("pages/candidates.py").run()
    at.multiselect(key="cand_skills").select(CMD_URI).select(seed.uri("python"))
    at.radio(key="cand_mode").set_value("any")
    captured_downloads.clear()
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("download_button")) == 2
    files = {name: data for data, name in captured_downloads}
    assert {"shortlist.csv", "shortlist.xlsx"} <= set(files), list(files)
    rows = _assert_safe_csv(files["shortlist.csv"])
    assert "'" + EVIL in [cell for row in rows for cell in row]
    cells = _assert_safe_xlsx(files["shortlist.xlsx"])
    assert "'" + EVIL in [c.value for c in cells]


TEXT_DTYPES = ["object", "str", "string[python]", "string[pyarrow]", "category"]


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_every_text_dtype_is_escaped(dtype: str) -> None:
    values = [EVIL, CMD, "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "plain", None]
    frame = pd.DataFrame(
        {
            "team": pd.Series(values, dtype=dtype),
            "badge": pd.Series(list(reversed(values)), dtype=dtype),
            "score": [-1.5, 2, 3, 4, 5, 6, 7, 8, 9],
            "when": pd.date_range("2024-01-01", periods=9, tz="UTC"),
        }
    )
    safe = safe_frame(frame)
    assert safe["team"].tolist()[:8] == [
        "'" + EVIL,
        "'" + CMD,
        "'-2+3",
        "'@SUM(A1)",
        "'\t=1",
        "'\r=1",
        "'＝1+1",
        "plain",
    ]
    assert pd.isna(safe["team"].iloc[8])
    assert safe["score"].tolist() == frame["score"].tolist()  # numbers stay numbers
    rows = _assert_safe_csv(to_csv_bytes(frame))
    assert rows[1][2] == "-1.5"
    cells = _assert_safe_xlsx(to_xlsx_bytes(frame, sheet="Export"))
    assert [c.value for c in cells if c.column == 3][1] == -1.5  # a number in Excel too


def test_column_names_and_odd_values_are_escaped_too() -> None:
    frame = pd.DataFrame({"=cmd|' /C calc'!A0": [["=x"], 1], "ok": [object(), "=y"]})
    rows = _assert_safe_csv(to_csv_bytes(frame))
    assert rows[0][0].startswith("'=")
    _assert_safe_xlsx(to_xlsx_bytes(frame))
    # characters a workbook cannot hold are dropped, not a crash
    _assert_safe_xlsx(to_xlsx_bytes(pd.DataFrame({"name": ["=bell\x07"]})))


def test_every_download_in_the_pages_goes_through_skills_export() -> None:
    """No page writes CSV or Excel itself: exports are made only in skills/export.py."""
    offenders = []
    for path in [
        ROOT / "app.py",
        *sorted((ROOT / "pages").rglob("*.py")),
        *sorted((ROOT / "skills").rglob("*.py")),
    ]:
        if path.name == "export.py" and path.parent.name == "skills":
            continue
        text = path.read_text()
        for sink in (".to_csv(", ".to_excel(", "ExcelWriter(", "openpyxl", "csv.writer("):
            if sink in text:
                offenders.append(f"{path.relative_to(ROOT)}: {sink}")
    assert not offenders, offenders
