"""The 115,000-person demo database the page benchmarks read (built once, then cached).

``$SKILLS_BENCH_DB`` when set, else ``data/cache/bench-115k.duckdb``, built on first use
with ``python -m skills demo --people 100000`` (100,000 employees and 15,000 candidates;
slow, once).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 100_000  # employees; the demo adds 15% candidates


def database() -> Path:
    chosen = os.environ.get("SKILLS_BENCH_DB")
    if chosen:
        return Path(chosen)
    path = ROOT / "data" / "cache" / "bench-115k.duckdb"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "skills", "demo", "--people", str(PEOPLE), "--db", str(path)],
            cwd=ROOT,
            check=True,
        )
    return path
