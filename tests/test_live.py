"""optkit.live: a figure redrawn in layers must look exactly like one drawn at once, and must
redraw only what changed (that is where a slider's speed comes from)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from optkit.live import LiveFigure  # noqa: E402


def frame():
    fig, axes = plt.subplots(1, 2, figsize=(8, 3), gridspec_kw={"wspace": 0.6})
    axes[1].set_ylim(0, 1)  # fixed limits: only the left axes follows the data
    return fig, axes


class Counting:
    """A backdrop that counts its calls: a grey band whose height is ``level``."""

    def __init__(self):
        self.calls = 0

    def __call__(self, axes, level: float = 0.5):
        self.calls += 1
        axes[1].axhspan(0, level, color="0.8")


def content(axes, scale: float = 1.0, phase: float = 0.0):
    x = np.linspace(0, 10, 50)
    axes[0].plot(x, scale * np.sin(x + phase), label="scaled sine")
    axes[0].legend(loc="upper right")
    axes[0].set_title(f"scale {scale:g}")
    axes[1].plot(x / 10, 0.5 + 0.4 * np.sin(x + phase), color="C1")


def fresh_picture(values, first):
    """The same figure drawn at once: layout solved for ``first``, then ``values`` drawn."""
    ref = LiveFigure(frame, content, Counting())
    ref.update(**first)
    ref.render()
    ref.update(**values)
    return ref.render(everything=True).copy()


def test_moves_redraw_only_what_changed_and_match_a_fresh_drawing():
    backdrop = Counting()
    live = LiveFigure(frame, content, backdrop)
    first = {"scale": 1.0, "phase": 0.0, "level": 0.5}
    live.update(**first)
    live.render()
    assert (live.full_renders, live.axes_redraws, backdrop.calls) == (1, 0, 1)

    live.update(scale=1.0, phase=0.7, level=0.5)  # same limits: blitted, nothing redrawn
    picture = live.render().copy()
    assert (live.full_renders, live.axes_redraws, backdrop.calls) == (1, 0, 1)
    assert np.array_equal(picture, fresh_picture({"scale": 1.0, "phase": 0.7, "level": 0.5},
                                                 first))

    live.update(scale=40.0, phase=0.7, level=0.5)  # the left axes' limits grow
    picture = live.render().copy()
    assert (live.full_renders, live.axes_redraws, backdrop.calls) == (1, 1, 1)
    assert np.array_equal(picture, fresh_picture({"scale": 40.0, "phase": 0.7, "level": 0.5},
                                                 first))

    live.update(scale=40.0, phase=0.7, level=0.9)  # a new backdrop: its axes is redrawn
    picture = live.render().copy()
    assert (live.full_renders, live.axes_redraws, backdrop.calls) == (1, 2, 2)
    assert np.array_equal(picture, fresh_picture({"scale": 40.0, "phase": 0.7, "level": 0.9},
                                                 first))
    plt.close("all")


def test_autoscaled_limits_are_round_and_follow_the_data_both_ways():
    live = LiveFigure(frame, content)
    ax = live.axes[0]
    live.update(scale=37.0)
    lo, hi = ax.get_ylim()
    ticks = ax.yaxis.get_majorticklocs()
    assert lo <= -37 and hi >= 37 and lo in ticks and hi in ticks  # snapped to ticks
    live.update(scale=0.3)  # the old, large curve is gone: the limits shrink with the data
    assert ax.get_ylim()[1] < 1.0 and len(ax.get_lines()) == 1
    assert ax.get_ylim() != (lo, hi)
    plt.close("all")


def test_static_use_draws_everything_visibly():
    fig = LiveFigure(frame, content, Counting()).update(scale=2.0, level=0.3)
    left, right = fig.axes
    assert len(left.get_lines()) == 1 and left.get_legend() is not None
    assert left.get_title() == "scale 2" and len(right.patches) == 1
    assert all(a.get_visible() for a in left.get_children() + right.get_children()
               if a in left.lines or a in right.patches or a is left.get_legend())
    plt.close(fig)


def test_a_legend_beside_the_axes_survives_their_redraws():
    def frame_with_legend():
        fig, axes = plt.subplots(1, 2, figsize=(7, 3), layout="constrained")
        fig.legend(handles=[plt.Line2D([], [], color="C0", label="scaled sine")],
                   loc="outside left upper")  # next to the axes that changes
        return fig, axes

    live = LiveFigure(frame_with_legend, content)
    live.update(scale=1.0)
    live.render()
    for scale in (30.0, 0.2, 500.0):  # the left axes' limits change every time
        live.update(scale=scale)
        picture = live.render().copy()
        reference = LiveFigure(frame_with_legend, content)
        reference.update(scale=1.0)
        reference.render()
        reference.update(scale=scale)
        assert np.array_equal(picture, reference.render(everything=True))
    assert live.axes_redraws >= 1  # (a full drawing when new tick labels reach the legend)
    plt.close("all")
