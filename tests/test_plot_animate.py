"""optkit.plot.animate: one JPEG frame per (subsampled) step, in 1-D and 2-D."""

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from optkit import SGD, Momentum, objectives, optimize, plot  # noqa: E402


def frames(html):
    return re.findall(r"data:image/jpeg;base64,", html.data)


def test_two_d_animation_has_one_frame_per_kept_step():
    bowl = objectives.bowl()
    runs = {"GD": optimize(SGD(lr=0.05), bowl, np.array([-0.5, 2.0]), 24).thetas,
            "momentum": optimize(Momentum(lr=0.02, alpha=0.8), bowl, np.array([-0.5, 2.0]),
                                 24).thetas}
    assert len(frames(plot.animate(bowl, runs, max_frames=60))) == 25
    assert len(frames(plot.animate(bowl, runs, max_frames=10))) == 10


def test_one_d_animation_runs():
    parabola = objectives.parabola()
    tr = optimize(SGD(lr=0.05), parabola, np.array([-0.9]), 8)
    assert len(frames(plot.animate(parabola, {"GD": tr.thetas}))) == 9
