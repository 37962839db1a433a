"""Demo organisation build: end to end (issue + sign, verify, map, store) credentials/s,
and the pre-verified bulk path (generate rows + ``bulk_load``) credentials/s.

Run alone with ``python benchmarks/bench_demo.py`` or through ``benchmarks/run.py demo``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skills.demo import DemoConfig, build_demo
from skills.store import open_store


def _build(config: DemoConfig) -> tuple[float, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "demo.duckdb")
        try:
            started = time.perf_counter()
            result = build_demo(store, config, hosted_root=Path(tmp) / "hosted")
            return time.perf_counter() - started, result
        finally:
            store.close()


def rows(n: int = 4000, bulk: int = 200_000) -> list[dict[str, Any]]:
    """Two rows: the default demo end to end, and a bulk build of ``bulk`` credentials."""
    out: list[dict[str, Any]] = []
    seconds, result = _build(DemoConfig(credentials=n, signed_sample=n))
    out.append(
        {
            "what": "demo build end to end (issue+sign, verify, map, store), credentials/s "
            f"({', '.join(f'{k} {v:.1f}s' for k, v in result.seconds.items())})",
            "size": n,
            "ours": round(n / seconds),
            "peer": "-",
            "ratio": "-",
        }
    )
    people = max(400, bulk // 10)
    seconds, result = _build(
        DemoConfig(people=people, candidates=people // 7, credentials=bulk, signed_sample=1000)
    )
    load = result.seconds.get("bulk_load", 0.0) or 1e-9
    out.append(
        {
            "what": "demo bulk path: pre-verified rows via bulk_load, credentials/s "
            f"(whole build {seconds:.1f}s incl. 1000 signed)",
            "size": result.bulk_loaded,
            "ours": round(result.bulk_loaded / load),
            "peer": "-",
            "ratio": "-",
        }
    )
    return out


if __name__ == "__main__":
    for row in rows():
        print(row)
