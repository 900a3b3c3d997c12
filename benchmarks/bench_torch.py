"""Per-step cost of optkit's optimizers against PyTorch's CPU optimizers (torch.optim).

Same float64 arrays, same gradient, sizes 10^3 ... 10^7; PyTorch with ``foreach=True`` and
one thread (optkit's NumPy steps use one core). Rounds of the two alternate and each keeps
its best, so that a busy moment of a shared machine does not fall on one side only.
Aim (issue 11): faster than PyTorch below 10^5 parameters, within 2x above. PyTorch is a
benchmark-only dependency (benchmarks/requirements.txt); without it this part is skipped.
"""

from __future__ import annotations

import numpy as np

import optkit

from .common import Row, best_time

SIZES = (10**3, 10**4, 10**5, 10**6, 10**7)
ROUNDS = 15  # each side keeps its best round


def _pairs(torch):
    pairs = {
        "SGD": (optkit.SGD(lr=1e-3), lambda p: torch.optim.SGD(p, lr=1e-3, foreach=True)),
        "Momentum": (optkit.Momentum(lr=1e-3, alpha=0.9),
                     lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, foreach=True)),
    }
    if hasattr(optkit, "RMSProp"):
        pairs["RMSProp"] = (optkit.RMSProp(lr=1e-3, rho=0.9),
                            lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, foreach=True))
    if hasattr(optkit, "Adam"):
        pairs["Adam"] = (optkit.Adam(lr=1e-3),
                         lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True))
    return pairs


def run() -> list[Row]:
    try:
        import torch
    except ImportError:
        return [Row("optkit vs PyTorch", "skipped",
                    "PyTorch is not installed: pip install -r benchmarks/requirements.txt")]
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    rows = []
    for name, (ours, make_theirs) in _pairs(torch).items():
        for n in SIZES:
            theta = rng.standard_normal(n)
            g = rng.standard_normal(n)
            obj = optkit.Objective(f=lambda th: 0.0 * th[..., 0], grad=lambda th, g=g: g)
            box = {"theta": theta, "state": ours.init(theta)}

            def ours_step(box=box, ours=ours, obj=obj):
                box["theta"], box["state"] = ours.step(box["theta"], box["state"], obj)

            p = torch.nn.Parameter(torch.from_numpy(theta.copy()))
            p.grad = torch.from_numpy(g)
            theirs = make_theirs([p])
            number = max(1, 10**6 // n)
            t_ours = t_theirs = float("inf")
            with torch.no_grad():
                for _ in range(ROUNDS):  # alternated, so a busy moment slows both alike
                    t_ours = min(t_ours, best_time(ours_step, repeat=1, number=number))
                    t_theirs = min(t_theirs, best_time(theirs.step, repeat=1, number=number))
            ratio = t_ours / t_theirs
            aim = 1.0 if n < 10**5 else 2.0
            rows.append(Row("optkit vs PyTorch (per step)", f"{name}, d = {n:.0e}",
                            f"optkit {t_ours * 1e6:.1f} us, torch {t_theirs * 1e6:.1f} us "
                            f"(ratio {ratio:.2f})",
                            "faster than torch" if aim == 1.0 else "within 2x of torch",
                            ratio <= aim))
    return rows
