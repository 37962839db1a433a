"""Print one table of every benchmark: what, size, ours, peer, ratio.

Each ``benchmarks/bench_*.py`` module exposes ``rows() -> list[dict]`` with the
keys ``what``, ``size``, ``ours``, ``peer`` and ``ratio``. Run all of them with
``python benchmarks/run.py`` or some with ``python benchmarks/run.py taxonomy di``.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))  # the benchmarks' shared helpers (_samples.py)


def _load(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses and pickling look their module up by name
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    from rich.console import Console
    from rich.table import Table

    wanted = set(argv)
    files = sorted(HERE.glob("bench_*.py"))
    if wanted:
        files = [f for f in files if f.stem.removeprefix("bench_") in wanted]
    table = Table(title="Skill Atlas benchmarks (2-core machine)")
    for col in ("what", "size", "ours", "peer", "ratio"):
        table.add_column(col, overflow="fold")
    console = Console()
    failed = 0
    for path in files:
        start = time.perf_counter()
        console.print(f"running {path.name} ...")
        try:
            rows = _load(path).rows()
        except Exception:
            failed += 1
            console.print(f"[red]{path.name} failed[/red]\n{traceback.format_exc()}")
            continue
        for row in rows:
            table.add_row(*(str(row.get(k, "")) for k in ("what", "size", "ours", "peer", "ratio")))
        console.print(f"  done in {time.perf_counter() - start:.1f} s")
    console.print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
