"""Run every benchmark module and write benchmarks/RESULTS.md.

Usage: ``python -m benchmarks [name ...]`` (names of bench_* modules; default: all). Only
the full run writes RESULTS.md and RESULTS.png; a partial run prints its rows.
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
    if argv:  # a partial run must not replace the full table
        print("(a partial run: RESULTS.md is written only by `python -m benchmarks`)")
        return 0
    write_results(rows, plot_results(rows))
    return 0


def plot_results(rows) -> str | None:
    """A picture of the rows that carry a ratio or a time: RESULTS.png, or None if none do."""
    import re

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    torch = [(r.what, float(m.group(1))) for r in rows
             if (m := re.search(r"ratio ([\d.]+)", r.measured))]
    books = [(r.what, float(m.group(1))) for r in rows if r.section == "notebook execution"
             and (m := re.match(r"([\d.]+) s", r.measured))]
    if not torch and not books:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    if torch:
        by_opt: dict[str, list] = {}
        for what, ratio in torch:
            name, size = what.split(", d = ")
            by_opt.setdefault(name, []).append((float(size), ratio))
        for name, pts in by_opt.items():
            x, y = zip(*sorted(pts), strict=True)
            axes[0].loglog(x, y, "o-", label=name)
        axes[0].axhline(1, color="k", lw=0.8)
        axes[0].axhline(2, color="k", lw=0.8, ls="--")
        axes[0].set(xlabel="parameters d", ylabel="optkit time / torch time",
                    title="Per-step time vs torch.optim (below 1: optkit faster)", ylim=(0.05, 5))
        axes[0].legend()
    if books:
        names, secs = zip(*books, strict=True)
        axes[1].barh(names, secs, color="C0")
        axes[1].axvline(20, color="C2", ls="--", label="aim 20 s")
        axes[1].axvline(60, color="C3", label="budget 60 s")
        axes[1].set(xlabel="seconds", title="Notebook execution in the book build")
        axes[1].legend()
    path = HERE / "RESULTS.png"
    fig.savefig(path, dpi=100)
    return path.name


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


def write_results(rows, picture: str | None = None) -> None:
    lines = ["# Benchmark results", "",
             f"Machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()}. "
             f"{_versions()}.", "",
             "Written by `python -m benchmarks`; times are the best of several runs.", "",
             "| section | what | measured | budget | verdict |", "|---|---|---|---|---|"]
    for r in rows:
        verdict = "" if r.ok is None else ("meets budget" if r.ok else "**misses budget**")
        lines.append(f"| {r.section} | {r.what} | {r.measured} | {r.budget} | {verdict} |")
    if picture:
        lines += ["", f"![benchmark figures]({picture})"]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
