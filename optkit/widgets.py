"""Interactive explorers: figures of the controls' values, and one ipywidgets wrapper.

Each widget is three drawing functions (see :mod:`optkit.live`): a ``frame`` (the figure and
its axes), a ``backdrop`` (what changes rarely, such as contours) and the ``content`` (what
every control changes). Its ``*_figure`` function draws them once and returns a Matplotlib
Figure: the static book shows it and tests call it. Its ``*_explorer`` keeps one such figure
and redraws only the content, over a saved picture of the rest, when the reader moves a
control in a live kernel (budget: 150 ms per move).
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator

from . import _checks, objectives, plot
from .first_order import Momentum
from .live import LiveFigure
from .run import optimize


def explorer(layers, note: str = "Move a control to redraw (this needs a live kernel).",
             **controls):
    """Wrap a widget's ``layers`` = (frame, content, backdrop) as ipywidgets: ``controls``
    are ipywidgets by keyword, named like the drawing functions' arguments.

    The output area starts with ``note`` rather than a figure, because the notebook shows
    the static figure for the default values just above the widget. The figure is kept as
    ``box.figure`` and the last picture shown as ``box.image`` (JPEG bytes), so tests can drive
    the controls without a browser.
    """
    import ipywidgets as w
    from IPython.display import Image, display

    out = w.Output()
    box = w.VBox([w.HBox(list(controls.values())), out])
    box.figure, box.image, box.live, box.controls = None, None, None, controls
    with out:
        print(note)

    def redraw(_change=None):
        if box.live is None:  # made on the first move: the cell showing the widget draws none
            box.live = LiveFigure(*layers)
            plt.close(box.live.fig)  # drawn into the widget, never shown by the notebook
        box.live.update(**{name: c.value for name, c in controls.items()})
        box.figure, box.image = box.live.fig, box.live.jpeg()
        with out:
            out.clear_output(wait=True)
            display(Image(box.image, format="jpeg"))

    for c in controls.values():
        c.observe(redraw, names="value")
    box.redraw = redraw
    return box


def _pair(figsize, log_y=(False, True), **gridspec):
    """The frame of every widget: one figure, two axes side by side, the ones flagged in
    ``log_y`` with a log y axis (without minor ticks: dozens of them would double the time
    a full redraw takes)."""
    fig, axes = plt.subplots(1, 2, figsize=figsize, gridspec_kw=gridspec or None)
    for ax, log in zip(axes, log_y, strict=True):
        if log:
            ax.set_yscale("log")
            ax.yaxis.set_minor_locator(NullLocator())
    return fig, tuple(axes)


def _decades(lo: float, hi: float) -> tuple[float, float]:
    """[lo, hi] widened to whole powers of ten."""
    return 10.0 ** np.floor(np.log10(lo)), 10.0 ** np.ceil(np.log10(hi))


def _min_value(objective) -> float:
    """J* (0 for a surface that does not know its minimizer)."""
    m = objective.minimizer
    return float(objective.f(m)) if m is not None else 0.0


def _gap_axis(ax, objective, start):
    """Fixed limits for J(theta_k) - J* on a log axis: from 1e-12 to above the starting gap.

    The window stays put while the reader moves a learning rate, so curves can be compared
    between positions (and the figure need not be laid out again).
    """
    gap = float(objective.f(np.asarray(start))) - _min_value(objective)
    ax.set_ylim(*_decades(1e-12, 2 * gap))


SURFACES = {
    "narrow valley": lambda: objectives.ill_conditioned_quadratic(50.0, angle=np.pi / 6),
    "valley": objectives.valley,
    "bowl": objectives.bowl,
    "two_gaussians": objectives.two_gaussians,
}
STARTS = {"narrow valley": (-2.0, 1.5), "valley": (-0.5, 1.2), "bowl": (-0.5, 2.0),
          "two_gaussians": (1.5, 1.5)}


# surfaces without their own bounds get a window that holds the paths of sensible rates
WINDOWS = {"narrow valley": ((-2.5, 2.5), (-2.5, 2.0))}


def _momentum_frame():
    return _pair((10, 4.2))


def _momentum_backdrop(axes, surface: str = "narrow valley"):
    _checks.one_of("surface", surface, SURFACES)
    obj = SURFACES[surface]()
    plot.contour(obj, ax=axes[0], bounds=WINDOWS.get(surface, obj.bounds))
    _gap_axis(axes[1], obj, STARTS[surface])


def _momentum_content(axes, lr: float = 0.015, alpha: float = 0.8, steps: int = 60,
                      surface: str = "narrow valley"):
    a1, a2 = axes
    obj = SURFACES[surface]()
    start = np.array(STARTS[surface])
    gd = optimize(Momentum(lr=lr, alpha=0.0), obj, start, steps)
    mom = optimize(Momentum(lr=lr, alpha=alpha), obj, start, steps)
    runs = {"gradient descent": gd, f"momentum, alpha = {alpha:g}": mom}
    plot.path_lines(a1, {k: tr.thetas for k, tr in runs.items()}, obj)
    a1.set_title(f"{obj.name}, lr = {lr:g}")
    a1.legend(loc="best")
    best = _min_value(obj)
    # clipped: a diverged run's last finite values (~1e300) would overflow the log axis
    plot.loss_curves(a2, {k: np.clip(tr.values - best, 1e-16, 1e12) for k, tr in runs.items()},
                     ylabel=r"$J(\theta_k) - J^*$", title="distance to the minimum value",
                     log=False, legend=False)  # same colours as the legend on the left
    a2.set_xlim(0, steps)
    for name, tr in (("GD", gd), ("momentum", mom)):
        if tr.diverged.any():
            a2.text(0.5, 0.5, f"{name} diverged", transform=a2.transAxes, ha="center",
                    color="C3", fontsize=12)


MOMENTUM = (_momentum_frame, _momentum_content, _momentum_backdrop)


def momentum_figure(lr: float = 0.015, alpha: float = 0.8, steps: int = 60,
                    surface: str = "narrow valley"):
    """Momentum (Algorithm 8.2) on a 2-D surface: its path beside plain gradient descent,
    and both cost curves. ``surface`` is a key of ``SURFACES``."""
    return LiveFigure(*MOMENTUM).update(lr=lr, alpha=alpha, steps=steps, surface=surface)


def momentum_explorer(lr: float = 0.015, alpha: float = 0.8, surface: str = "narrow valley"):
    """Sliders for the learning rate and the momentum alpha over :func:`momentum_figure`."""
    import ipywidgets as w

    return explorer(
        MOMENTUM,
        lr=w.FloatLogSlider(value=lr, base=10, min=-3, max=-0.5, step=0.05,
                            description="lr (epsilon)", readout_format=".4f"),
        alpha=w.FloatSlider(value=alpha, min=0.0, max=0.99, step=0.01, description="alpha"),
        surface=w.Dropdown(options=list(SURFACES), value=surface,
                           description="surface"),
    )


# Section 8.5: adaptive learning rates compared on a chosen surface --------------------------

ADAPTIVE_OPTIMIZERS = ("SGD", "Momentum", "AdaGrad", "RMSProp", "Adam", "AdaDelta")

# surface -> (objective factory, start, window, learning rate per optimizer). The rates were
# picked from a grid 1e-4, 3e-4, ..., 3 by the mean cost over the last half of 120 steps
# (AdaDelta keeps Zeiler's lr = 1: the method has no learning rate).
ADAPTIVE_SURFACES = {
    "narrow valley": (lambda: objectives.ill_conditioned_quadratic(50.0), (-2.0, 1.5),
                      ((-2.5, 2.5), (-1.0, 2.0)),
                      {"SGD": 0.03, "Momentum": 0.01, "AdaGrad": 0.5, "RMSProp": 0.03,
                       "Adam": 0.1, "AdaDelta": 1.0}),
    "rotated valley": (lambda: objectives.ill_conditioned_quadratic(50.0, angle=np.pi / 6),
                       (-2.0, 1.5), ((-2.5, 2.5), (-1.0, 2.0)),
                       {"SGD": 0.03, "Momentum": 0.01, "AdaGrad": 1.0, "RMSProp": 0.03,
                        "Adam": 0.1, "AdaDelta": 1.0}),
    "plateau": (objectives.plateau, (3.0, 0.8), ((-1.5, 3.5), (-1.2, 1.2)),
                {"SGD": 0.3, "Momentum": 0.1, "AdaGrad": 0.3, "RMSProp": 0.05, "Adam": 0.1,
                 "AdaDelta": 1.0}),
    "Rosenbrock": (objectives.rosenbrock, (-1.5, 2.5), ((-2.0, 2.0), (-1.0, 3.0)),
                   {"SGD": 1e-3, "Momentum": 1e-3, "AdaGrad": 0.1, "RMSProp": 0.01,
                    "Adam": 0.1, "AdaDelta": 1.0}),
}


def adaptive_optimizer(name: str, lr):
    """The optimizer ``name`` (one of ``ADAPTIVE_OPTIMIZERS``) with learning rate ``lr``."""
    from . import adaptive, first_order

    makers = {"SGD": lambda: first_order.SGD(lr=lr),
              "Momentum": lambda: first_order.Momentum(lr=lr, alpha=0.9),
              "AdaGrad": lambda: adaptive.AdaGrad(lr=lr),
              "RMSProp": lambda: adaptive.RMSProp(lr=lr, rho=0.9),
              "Adam": lambda: adaptive.Adam(lr=lr),
              "AdaDelta": lambda: adaptive.AdaDelta(lr=lr)}
    if name not in makers:
        raise ValueError(f"optimizer must be one of {list(makers)}, got {name!r}")
    return makers[name]()


def adaptive_runs(surface: str = "plateau", steps: int = 120, lr_scale: float = 1.0,
                  names=ADAPTIVE_OPTIMIZERS):
    """Run each optimizer in ``names`` on ``surface`` from its start: label -> Trace.

    Each uses its tuned rate for that surface times ``lr_scale``.
    """
    _checks.one_of("surface", surface, ADAPTIVE_SURFACES)
    if not (isinstance(lr_scale, (int, float)) and np.isfinite(lr_scale) and lr_scale > 0):
        raise ValueError(f"lr_scale must be in (0, inf), got {lr_scale!r}")
    make, start, _, rates = ADAPTIVE_SURFACES[surface]
    obj = make()
    out = {}
    for name in names:
        lr = rates.get(name, 0.01) * lr_scale
        out[f"{name}, lr = {lr:.3g}"] = optimize(adaptive_optimizer(name, lr), obj,
                                                 np.array(start), steps)
    return obj, out


def _adaptive_frame():
    return _pair((11, 4.4))


def _adaptive_backdrop(axes, surface: str = "plateau"):
    _checks.one_of("surface", surface, ADAPTIVE_SURFACES)
    make, start, window, _ = ADAPTIVE_SURFACES[surface]
    obj = make()
    plot.contour(obj, ax=axes[0], bounds=window)
    _gap_axis(axes[1], obj, start)


def _adaptive_content(axes, surface: str = "plateau", steps: int = 120, lr_scale: float = 1.0,
                      names=ADAPTIVE_OPTIMIZERS):
    a1, a2 = axes
    obj, runs = adaptive_runs(surface, steps, lr_scale, names)
    label = {k: k + (" (diverged)" if tr.diverged.any() else "") for k, tr in runs.items()}
    plot.path_lines(a1, {label[k]: tr.thetas for k, tr in runs.items()}, obj)
    a1.set_title(f"{surface}: paths of {steps} steps")
    best = _min_value(obj)
    plot.loss_curves(a2, {label[k]: np.maximum(tr.values - best, 1e-16)
                          for k, tr in runs.items()},
                     ylabel=r"$J(\theta_k) - J^*$", title="distance to the minimum value",
                     log=False, legend=False)
    a2.set_xlim(0, steps)
    a2.legend(fontsize=7.5)  # one legend: the paths on the left have the same colours


ADAPTIVE = (_adaptive_frame, _adaptive_content, _adaptive_backdrop)


def adaptive_figure(surface: str = "plateau", steps: int = 120, lr_scale: float = 1.0,
                    names=ADAPTIVE_OPTIMIZERS):
    """Section 8.5: SGD, momentum and the adaptive methods on one surface, side by side.

    Left: the paths over the contours; right: J(theta_k) - J* on a log scale. A diverged
    run is marked in the legend.
    """
    return LiveFigure(*ADAPTIVE).update(surface=surface, steps=steps, lr_scale=lr_scale,
                                        names=names)


def adaptive_explorer(surface: str = "plateau", steps: int = 120, lr_scale: float = 1.0):
    """A surface menu, a step count and one multiplier for every optimizer's learning rate."""
    import ipywidgets as w

    return explorer(
        ADAPTIVE,
        surface=w.Dropdown(options=list(ADAPTIVE_SURFACES), value=surface,
                           description="surface"),
        steps=w.IntSlider(value=steps, min=10, max=400, step=10, description="steps"),
        lr_scale=w.FloatLogSlider(value=lr_scale, base=10, min=-1.5, max=1.5, step=0.1,
                                  description="lr x"),
    )


# Section 8.1: minibatch size and sampling scheme -------------------------------------------

MINIBATCH_SAMPLINGS = ("reshuffle", "shuffle_once", "replacement", "sorted by class")


def minibatch_run(batch_size: int = 32, sampling: str = "reshuffle", epochs: int = 3,
                  lr: float = 0.1, seed: int = 0) -> dict:
    """SGD on a 64-32-10 tanh network for the digits, minibatches drawn by ``sampling``.

    ``sampling`` is a scheme of ``optkit.data.SAMPLERS`` or "sorted by class" (the training
    set in label order, cut into consecutive minibatches: what happens when one forgets to
    shuffle). Returns a dict of arrays: "step_epoch" (the epoch, fractional, after each
    update), "batch_loss" (the loss of the minibatch each update was computed on), and per
    epoch "epoch", "train_loss", "val_loss", "val_error".
    """
    from . import data
    from .first_order import SGD
    from .nn import MLP
    from .objectives import Objective

    if sampling not in MINIBATCH_SAMPLINGS:
        raise ValueError(f"sampling must be one of {list(MINIBATCH_SAMPLINGS)}, "
                         f"got {sampling!r}")
    ds = _digits()
    net = MLP((64, 32, 10))
    rng = np.random.default_rng(seed)
    theta = net.init(rng)
    opt = SGD(lr=lr)
    state = opt.init(theta)
    n = ds.n_train
    if sampling == "sorted by class":
        order = np.argsort(ds.y_train, kind="stable")
        one = [order[i:i + batch_size] for i in range(0, n, batch_size)]
        batches = one * epochs
    else:
        batches = list(data.minibatches(sampling, n, batch_size, rng, epochs))
    per_epoch = data.batches_per_epoch(n, batch_size)
    losses = []

    def measured(idx):  # one forward/backward pass gives the update and the minibatch loss
        Xb, yb = ds.X_train[idx], ds.y_train[idx]

        def grad(th):
            value, g = net.loss_and_grad(th, Xb, yb)
            losses.append(float(value))
            return g

        return Objective(f=lambda th: net.loss(th, Xb, yb), grad=grad, dim=net.d)

    rows = [(net.evaluate(theta, ds.X_train, ds.y_train), net.evaluate(theta, ds.X_val,
                                                                      ds.y_val))]
    for e in range(epochs):
        for idx in batches[e * per_epoch:(e + 1) * per_epoch]:
            theta, state = opt.step(theta, state, measured(idx))
        rows.append((net.evaluate(theta, ds.X_train, ds.y_train),
                     net.evaluate(theta, ds.X_val, ds.y_val)))
    return {"step_epoch": np.arange(1, len(losses) + 1) / per_epoch,
            "batch_loss": np.array(losses),
            "epoch": np.arange(epochs + 1),
            "train_loss": np.array([float(tr["loss"]) for tr, _ in rows]),
            "val_loss": np.array([float(va["loss"]) for _, va in rows]),
            "val_error": np.array([float(va["error"]) for _, va in rows])}


def _digits():
    global _DIGITS
    if _DIGITS is None:
        from . import data

        _DIGITS = data.load_digits_split(seed=0)
    return _DIGITS


_DIGITS = None


def _minibatch_frame():
    fig, (a1, a2) = _pair((11, 4.2), log_y=(True, True), width_ratios=[1.6, 1])
    a1.set(xlabel="epoch", ylabel="cross-entropy", ylim=(1e-3, 1e1))
    a2.set(xlabel="epoch", ylabel="validation 0-1 error (%, log scale)", ylim=(1, 100))
    a2.yaxis.set_major_formatter("{x:g}")
    return fig, (a1, a2)


def _minibatch_content(axes, batch_size: int = 32, sampling: str = "reshuffle",
                       epochs: int = 3, lr: float = 0.1, seed: int = 0):
    a1, a2 = axes
    run = minibatch_run(batch_size, sampling, epochs, lr, seed)
    a1.plot(run["step_epoch"], run["batch_loss"], lw=0.7, alpha=0.6, color="C0",
            label=f"minibatch loss ({len(run['batch_loss'])} updates)")
    a1.plot(run["epoch"], run["train_loss"], "o-", color="C1", label="training loss (all)")
    a1.plot(run["epoch"], run["val_loss"], "s-", color="C2", label="validation loss")
    a1.set_title(f"SGD, lr = {lr:g}, batch size {batch_size}, {sampling}")
    a1.legend(fontsize=8)
    a2.plot(run["epoch"], 100 * run["val_error"], "s-", color="C2")
    a2.set_title(f"final validation error {100 * run['val_error'][-1]:.1f}%")
    for ax in axes:
        ax.set_xlim(-0.04 * epochs, 1.04 * epochs)


MINIBATCH = (_minibatch_frame, _minibatch_content)


def minibatch_figure(batch_size: int = 32, sampling: str = "reshuffle", epochs: int = 3,
                     lr: float = 0.1, seed: int = 0):
    """Left: the loss of every minibatch (noisy) and the full training / validation loss at
    each epoch's end; right: the validation 0-1 error per epoch. See :func:`minibatch_run`."""
    return LiveFigure(*MINIBATCH).update(batch_size=batch_size, sampling=sampling,
                                         epochs=epochs, lr=lr, seed=seed)


def minibatch_explorer(batch_size: int = 32, sampling: str = "reshuffle", epochs: int = 3,
                       lr: float = 0.1):
    """A batch-size slider (powers of 2), a sampling-scheme menu, epochs and lr."""
    import ipywidgets as w

    return explorer(
        MINIBATCH,
        batch_size=w.SelectionSlider(options=[2**k for k in range(2, 11)], value=batch_size,
                                     description="batch size"),
        sampling=w.Dropdown(options=list(MINIBATCH_SAMPLINGS), value=sampling,
                            description="sampling"),
        epochs=w.IntSlider(value=epochs, min=1, max=10, description="epochs"),
        lr=w.FloatLogSlider(value=lr, base=10, min=-3, max=0, step=0.1, description="lr"),
    )


# Section 8.7.2: coordinate descent on the bad case (x1 - x2)^2 + alpha (x1^2 + x2^2) --------

def _bad_case(alpha: float):
    """f(x) = (x1 - x2)^2 + alpha (x1^2 + x2^2) as an optkit quadratic."""
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be a finite number in (0, inf), got {alpha!r}")
    H = 2.0 * np.array([[1.0 + alpha, -1.0], [-1.0, 1.0 + alpha]])
    return objectives.quadratic(H, name=f"(x1 - x2)^2 + {alpha:g} (x1^2 + x2^2)")


def _coordinate_frame():
    fig, (a1, a2) = _pair((10, 4.2))
    a2.set(xlabel="sweep (coordinate descent) or step (Newton)", ylabel="$f(x)$ (log scale)",
           ylim=(1e-16, 1e2))
    return fig, (a1, a2)


def _coordinate_backdrop(axes, alpha: float = 0.1, x0=(-1.5, 1.8)):
    lim = 1.15 * np.abs(np.asarray(x0, dtype=float)).max()
    plot.contour(_bad_case(alpha), ax=axes[0], bounds=((-lim, lim), (-lim, lim)))
    axes[0].set(xlabel="$x_1$", ylabel="$x_2$")


def _coordinate_content(axes, alpha: float = 0.1, sweeps: int = 15, x0=(-1.5, 1.8)):
    from .second_order import Newton
    from .strategies import CoordinateDescent

    if isinstance(sweeps, bool) or not isinstance(sweeps, (int, np.integer)) or sweeps < 1:
        raise ValueError(f"sweeps must be an integer >= 1, got {sweeps!r}")
    a1, a2 = axes
    obj = _bad_case(alpha)
    start = np.asarray(x0, dtype=float)
    cd = optimize(CoordinateDescent(), obj, start, sweeps)
    newton = optimize(Newton(), obj, start, 1)
    # the intermediate point of each sweep: x1 updated, x2 not yet
    half = np.stack([cd.thetas[1:, 0], cd.thetas[:-1, 1]], axis=-1)
    stairs = np.empty((2 * sweeps + 1, 2))
    stairs[0::2], stairs[1::2] = cd.thetas, half
    plot.path_lines(a1, {f"coordinate descent ({sweeps} sweeps)": stairs,
                         "Newton (1 step)": newton.thetas}, obj)
    a1.set_title(f"alpha = {alpha:g}")
    a1.legend(loc="best")
    k = np.arange(sweeps + 1)
    # the colours of the paths on the left, whose legend names them
    a2.plot(k, np.maximum(cd.values, 1e-300), "o-", ms=3, color="C0")
    a2.plot([0, 1], np.maximum(newton.values, 1e-300), "s--", color="C1")
    a2.set_xlim(-0.02 * sweeps, 1.02 * sweeps)
    a2.set_title(f"factor per sweep: 1/(1+alpha)^4 = {(1 + alpha) ** -4:.3g} on f")


COORDINATE_DESCENT = (_coordinate_frame, _coordinate_content, _coordinate_backdrop)


def coordinate_descent_figure(alpha: float = 0.1, sweeps: int = 15, x0=(-1.5, 1.8)):
    """Coordinate descent (one coordinate at a time, exact minimization) beside Newton's
    method on f(x) = (x1 - x2)^2 + alpha (x1^2 + x2^2), minimum 0 at the origin.

    Left: the paths, with every coordinate update drawn (so the staircase is visible).
    Right: f after each sweep. One sweep multiplies the iterate by 1 / (1 + alpha)^2, so the
    number of sweeps to gain a factor grows like 1 / alpha; Newton needs one step.
    """
    return LiveFigure(*COORDINATE_DESCENT).update(alpha=alpha, sweeps=sweeps, x0=x0)


def coordinate_descent_explorer(alpha: float = 0.1, sweeps: int = 15):
    """Sliders for alpha (log scale) and the number of sweeps over
    :func:`coordinate_descent_figure`."""
    import ipywidgets as w

    return explorer(
        COORDINATE_DESCENT,
        alpha=w.FloatLogSlider(value=alpha, base=10, min=-3, max=1, step=0.1,
                               description="alpha"),
        sweeps=w.IntSlider(value=sweeps, min=1, max=60, description="sweeps"),
    )


# Section 8.2.1: gradient descent on quadratics of chosen condition number --------------------

def _check_kappa(kappa) -> None:
    if not (isinstance(kappa, (int, float)) and np.isfinite(kappa) and kappa >= 1):
        raise ValueError(f"kappa must be in [1, inf), got {kappa!r}")


def conditioning_runs(kappa: float = 100.0, lr_scale: float = 1.0, steps: int = 40,
                      kappas=(1.0, 10.0, 100.0)):
    """Gradient descent with lr = lr_scale / lambda_max on the 2-D bowls
    ``ill_conditioned_quadratic(k, angle=pi/6)`` for every k in ``kappas`` and ``kappa``
    (eigenvalues 1 and k, so lambda_max = k). Returns {k: (objective, Trace)}."""
    _check_kappa(kappa)
    if not (isinstance(lr_scale, (int, float)) and np.isfinite(lr_scale) and lr_scale > 0):
        raise ValueError(f"lr_scale must be in (0, inf), got {lr_scale!r}")
    from .first_order import SGD

    start = np.array([-2.0, 1.5])
    out = {}
    for k in sorted(set(map(float, kappas)) | {float(kappa)}):
        obj = objectives.ill_conditioned_quadratic(k, angle=np.pi / 6)
        out[k] = (obj, optimize(SGD(lr=lr_scale / k), obj, start, steps))
    return out


def _conditioning_frame():
    fig, (a1, a2) = _pair((10, 4.2))
    a2.set_ylim(1e-16, 1e4)  # J(theta_0) < 1e4 for every kappa <= 1000
    return fig, (a1, a2)


def _conditioning_backdrop(axes, kappa: float = 100.0):
    _check_kappa(kappa)
    plot.contour(objectives.ill_conditioned_quadratic(kappa, angle=np.pi / 6), ax=axes[0],
                 bounds=((-2.5, 2.5), (-2.0, 2.0)))


def _conditioning_content(axes, kappa: float = 100.0, lr_scale: float = 1.0, steps: int = 40):
    a1, a2 = axes
    runs = conditioning_runs(kappa, lr_scale, steps)
    obj, tr = runs[float(kappa)]
    plot.path_lines(a1, {"gradient descent": tr.thetas}, obj)
    a1.set_title(f"kappa = {kappa:g}, lr = {lr_scale:g} / lambda_max")
    a1.legend(loc="best")
    curves = {}
    for k, (_, t) in runs.items():
        label = f"kappa = {k:g}" + (" (diverged)" if t.diverged.any() else "")
        curves[label] = np.clip(t.values, 1e-16, 1e12)
    plot.loss_curves(a2, curves, xlabel="step $k$", ylabel=r"$J(\theta_k)$",
                     title="cost (the minimum is 0)", log=False)
    a2.set_xlim(0, steps)


CONDITIONING = (_conditioning_frame, _conditioning_content, _conditioning_backdrop)


def conditioning_figure(kappa: float = 100.0, lr_scale: float = 1.0, steps: int = 40):
    """Section 8.2.1: gradient descent with the learning rate lr = lr_scale / lambda_max.

    Left: the path on the bowl of condition number ``kappa``; right: the cost against the
    step for kappa = 1, 10, 100 and ``kappa``. Along the eigenvector of eigenvalue lambda the
    error is multiplied by (1 - lr lambda) per step, so with lr = 1 / lambda_max the flattest
    direction shrinks only by (1 - 1 / kappa); above lr_scale = 2 the steepest one diverges.
    """
    return LiveFigure(*CONDITIONING).update(kappa=kappa, lr_scale=lr_scale, steps=steps)


def conditioning_explorer(kappa: float = 100.0, lr_scale: float = 1.0, steps: int = 40):
    """Sliders for the condition number, the learning rate (in units of 1 / lambda_max) and
    the number of steps over :func:`conditioning_figure`."""
    import ipywidgets as w

    return explorer(
        CONDITIONING,
        kappa=w.FloatLogSlider(value=kappa, base=10, min=0, max=3, step=0.1,
                               description="kappa"),
        lr_scale=w.FloatSlider(value=lr_scale, min=0.1, max=2.2, step=0.05,
                               description="lr x lambda_max"),
        steps=w.IntSlider(value=steps, min=5, max=200, step=5, description="steps"),
    )


# ------------------------------------------------- 8.4: activations under each initialization

def _init_schemes() -> dict:
    from . import init

    return {
        "N(0, 0.01^2) (too small)": init.gaussian(0.01),
        "N(0, 1) (too large)": init.gaussian(1.0),
        "U(-1/sqrt(m), 1/sqrt(m))": init.uniform_fan_in,
        "Glorot (8.23)": init.glorot_uniform,
        "He normal": init.he_normal,
        "orthogonal, gain 1": init.orthogonal(1.0),
        "orthogonal, gain sqrt(2)": init.orthogonal(np.sqrt(2.0)),
    }


INIT_SCHEMES = tuple(_init_schemes())
INIT_ACTIVATIONS = ("tanh", "relu")


def deep_activations(activation: str = "tanh", scheme: str = "Glorot (8.23)", depth: int = 10,
                     width: int = 100, n: int = 500, seed: int = 0) -> np.ndarray:
    """Hidden activations of a ``depth``-hidden-layer MLP of ``width`` units per layer,
    initialized by ``scheme`` (a key of :data:`INIT_SCHEMES`, zero biases), on ``n`` inputs
    x ~ N(0, I). Returns an array of shape ``(depth, n, width)``: layer l's outputs h_l."""
    from . import _checks, init
    from .nn import MLP

    _checks.one_of("activation", activation, INIT_ACTIVATIONS)
    _checks.one_of("scheme", scheme, INIT_SCHEMES)
    _checks.positive_int("depth", depth)
    _checks.positive_int("width", width, minimum=2)
    _checks.positive_int("n", n, minimum=2)
    net = MLP(sizes=(width,) * (depth + 1) + (1,), activation=activation, loss="mse")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, width))
    theta = init.network(net, rng, weights=_init_schemes()[scheme])
    with np.errstate(over="ignore"):
        return np.stack(net.hidden(theta, X))


RIDGE_RANGES = {"tanh": (-1.0, 1.0), "relu": (0.0, 3.0)}


def _ridge_bins(activation: str):
    """The fixed range (lo, hi) of the 8.4 histograms and its 51 bins' edges."""
    lo, hi = RIDGE_RANGES[activation]
    return lo, hi, np.linspace(lo, hi, 52)


def _layer_summary(hs, activation: str):
    """Per layer of ``hs`` (depth, ...): histogram counts on the activation's fixed range
    (51 bins, values outside counted in the edge bins) and the root mean square."""
    lo, hi, edges = _ridge_bins(activation)
    flat = np.reshape(hs, (len(hs), -1))
    clipped = np.clip(np.nan_to_num(flat, posinf=hi, neginf=lo), lo, hi)
    counts = np.stack([np.histogram(h, edges)[0] for h in clipped])
    with np.errstate(over="ignore"):
        rms = np.sqrt(np.mean(np.square(flat), axis=1))
    return counts, rms


# The 8.4 widget feeds 200 inputs (20,000 values per histogram): enough for the shapes, and
# 2.5 times faster than the 500 of deep_activations.
INIT_WIDGET_INPUTS = 200


@functools.lru_cache(maxsize=512)
def _cached_summary(activation: str, scheme: str, depth: int, width: int, seed: int):
    """What the 8.4 widget draws of one network: a few kB, so moving back is free."""
    hs = deep_activations(activation, scheme, depth, width, n=INIT_WIDGET_INPUTS, seed=seed)
    return _layer_summary(hs, activation)


def _ridge(ax, counts, rms, activation: str, title: str, rms_labels: bool = True):
    lo, hi, edges = _ridge_bins(activation)
    depth = len(counts)
    base = np.arange(1, depth + 1)[:, None]  # layer l's histogram stands on y = l
    inner = np.maximum(counts[:, 1:-1].max(1, keepdims=True), 1)
    tops = base + 0.85 * np.minimum(counts / inner, 1.0)
    # one step-shaped polygon per layer: (lo, layer), the bins' tops, (hi, layer)
    x = np.concatenate([[lo], np.repeat(edges, 2)[1:-1], [hi]])
    y = np.concatenate([base, np.repeat(tops, 2, axis=1), base], axis=1)
    polygons = np.stack([np.broadcast_to(x, y.shape), y], axis=-1)
    colors = plt.cm.viridis(np.arange(1, depth + 1) / (depth + 1))
    ax.add_collection(PolyCollection(polygons, facecolors=colors, alpha=0.85, lw=0))
    if rms_labels:
        for layer, r in enumerate(rms, start=1):
            ax.text(hi + 0.02 * (hi - lo), layer + 0.25, f"rms {r:.1e}", fontsize=7,
                    va="center")
    ax.set_xlim(lo, hi + (0.3 if rms_labels else 0.0) * (hi - lo))
    ax.set_ylim(0.8, depth + 1)
    ax.set_xlabel(f"activation value h ({activation}; clipped to [{lo:g}, {hi:g}])")
    ax.set_ylabel("hidden layer")
    ax.set_title(title, fontsize=10)
    return ax


def activation_ridge(ax, hs, activation: str, title: str = ""):
    """Draw one histogram per layer of ``hs`` (depth, ...) stacked upwards (layer 1 at the
    bottom) on a fixed range: [-1, 1] for tanh, [0, 3] for ReLU. Values outside the range are
    counted in the edge bins, and each histogram is scaled to its interior bins, so a pile-up
    at 0 (collapse) or at the edges (saturation, explosion) shows as a full-height bar."""
    return _ridge(ax, *_layer_summary(hs, activation), activation, title)


def _init_frame():
    fig, (a1, a2) = _pair((11.5, 4.6), width_ratios=[1.1, 1])
    a2.set(xlabel="hidden layer", ylabel="rms of the activations (log scale)")
    # the schemes' colours never change: their legend is part of the frame, beside the axes
    fig.legend(handles=[Line2D([], [], color=f"C{i}", marker="o", ms=3, lw=1.0, label=name)
                        for i, name in enumerate(INIT_SCHEMES)],
               loc="outside right center", fontsize=7.5, title="initialization",
               title_fontsize=8)
    return fig, (a1, a2)


def _init_content(axes, activation: str = "tanh", scheme: str = "Glorot (8.23)",
                  depth: int = 10, width: int = 100, seed: int = 0):
    _checks.one_of("activation", activation, INIT_ACTIVATIONS)
    _checks.one_of("scheme", scheme, INIT_SCHEMES)
    a1, a2 = axes
    layers = np.arange(1, depth + 1)
    for i, name in enumerate(INIT_SCHEMES):
        counts, rms = _cached_summary(activation, name, depth, width, seed)
        if name == scheme:
            # the rms of each layer is the thick curve on the right: no labels needed
            _ridge(a1, counts, rms, activation, f"{activation} network, {scheme}",
                   rms_labels=False)
        a2.plot(layers, rms, "o-", ms=3, color=f"C{i}", label=name,
                lw=3.2 if name == scheme else 1.0, alpha=1.0 if name == scheme else 0.7)
    a2.set_title(f"{depth} layers of {width} {activation} units, inputs N(0, I)", fontsize=10)


INIT_HISTOGRAMS = (_init_frame, _init_content)


def init_histograms_figure(activation: str = "tanh", scheme: str = "Glorot (8.23)",
                           depth: int = 10, width: int = 100, seed: int = 0):
    """Left: per-layer histograms of a deep ``activation`` network's hidden units under
    ``scheme``; right: the root mean square of each layer's activations under every scheme
    of :data:`INIT_SCHEMES` (log scale), the chosen one drawn thick."""
    return LiveFigure(*INIT_HISTOGRAMS).update(activation=activation, scheme=scheme,
                                               depth=depth, width=width, seed=seed)


def init_histograms_explorer(activation: str = "tanh", scheme: str = "Glorot (8.23)"):
    """Menus for the activation and the initialization scheme, and a depth slider, over
    :func:`init_histograms_figure`."""
    import ipywidgets as w

    return explorer(
        INIT_HISTOGRAMS,
        activation=w.Dropdown(options=list(INIT_ACTIVATIONS), value=activation,
                              description="activation"),
        scheme=w.Dropdown(options=list(INIT_SCHEMES), value=scheme, description="init",
                          layout=w.Layout(width="330px")),
        depth=w.IntSlider(value=10, min=2, max=20, description="depth"),
    )
