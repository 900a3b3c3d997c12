"""Book build time from clean (notebooks executed) and each notebook's execution time.

Budgets (DESIGN.md 6): the whole build well under 5 minutes on 2 cores; each notebook under
60 s (aim 20 s). The build runs on a copy of the committed tree (``git archive HEAD``) in a
temporary directory, so a cache in ``_build`` cannot make it look faster than it is.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import Row

ROOT = Path(__file__).resolve().parent.parent
BUILD_BUDGET_S, NOTEBOOK_BUDGET_S, NOTEBOOK_AIM_S = 300, 60, 20


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        env.pop("MPLBACKEND", None)
        book = Path(sys.executable).with_name("jupyter-book")
        t = time.perf_counter()
        out = subprocess.run([str(book), "build", tmp, "-W", "-n", "--keep-going"], env=env,
                             capture_output=True, text=True)
        total = time.perf_counter() - t
    ok = out.returncode == 0
    rows = [Row("book build", "whole book from clean, notebooks executed",
                f"{total:.0f} s{'' if ok else ' (build FAILED)'}", f"< {BUILD_BUDGET_S} s",
                ok and total < BUILD_BUDGET_S)]
    for name, secs in re.findall(r"chapters/(\S+)\.ipynb: Executed notebook in ([\d.]+) seconds",
                                 out.stdout + out.stderr):
        s = float(secs)
        rows.append(Row("notebook execution", name, f"{s:.1f} s" + (" (over the 20 s aim)" if
                        s > NOTEBOOK_AIM_S else ""), f"< {NOTEBOOK_BUDGET_S} s",
                        s < NOTEBOOK_BUDGET_S))
    return rows
