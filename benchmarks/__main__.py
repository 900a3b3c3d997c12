"""Run every benchmark module and write benchmarks/RESULTS.md.

Usage: ``python -m benchmarks [name ...]`` (names of bench_* modules; default: all).
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem[len("bench_"):] for p in HERE.glob("bench_*.py"))
    rows = []
    for name in names:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.bench_{name}")
        for row in module.run():
            print(f"  {row.what}: {row.measured} [{row.budget}] "
                  f"{'' if row.ok is None else ('OK' if row.ok else 'MISSED')}", flush=True)
            rows.append(row)
    write_results(rows)
    return 0


def _versions() -> str:
    import matplotlib
    import numpy
    import scipy

    parts = [f"Python {platform.python_version()}", f"NumPy {numpy.__version__}",
             f"SciPy {scipy.__version__}", f"Matplotlib {matplotlib.__version__}"]
    try:
        import torch

        parts.append(f"PyTorch {torch.__version__}")
    except ImportError:
        parts.append("PyTorch not installed")
    return ", ".join(parts)


def write_results(rows) -> None:
    lines = ["# Benchmark results", "",
             f"Machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()}. "
             f"{_versions()}.", "",
             "Written by `python -m benchmarks`; times are the best of several runs.", "",
             "| section | what | measured | budget | verdict |", "|---|---|---|---|---|"]
    for r in rows:
        verdict = "" if r.ok is None else ("meets budget" if r.ok else "**misses budget**")
        lines.append(f"| {r.section} | {r.what} | {r.measured} | {r.budget} | {verdict} |")
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
