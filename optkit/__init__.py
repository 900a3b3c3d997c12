"""optkit: the small, vectorized NumPy library behind the book.

Parameters are one array of shape (..., d): leading axes are independent problems.
Every optimizer has ``init(theta)`` and a pure ``step(theta, state, objective)``;
:func:`optimize` runs one on a batch of starting points and returns a :class:`Trace`.
"""

from . import data, derivatives, init, nn, normalization, objectives, schedules, strategies
from .adaptive import (
    AdaDelta,
    AdaGrad,
    Adam,
    AdamW,
    DecoupledWeightDecay,
    DeltaBarDelta,
    RMSProp,
    RMSPropNesterov,
    with_l2,
)
from .first_order import SGD, Momentum, Nesterov, clip_by_norm, clip_by_value, clip_gradients
from .nn import MLP
from .objectives import Objective
from .run import Trace, optimize
from .second_order import BFGS, LBFGS, ConjugateGradient, Newton, SteepestDescent
from .source import show, source
from .strategies import Averaged, CoordinateDescent

__all__ = [
    "Objective", "optimize", "Trace", "objectives", "schedules", "init", "show", "source",
    "derivatives", "nn", "MLP", "data",
    "normalization", "strategies", "CoordinateDescent", "Averaged",
    "SGD", "Momentum", "Nesterov", "clip_by_norm", "clip_by_value", "clip_gradients",
    "DeltaBarDelta", "AdaGrad", "RMSProp", "RMSPropNesterov", "Adam", "AdaDelta", "AdamW",
    "DecoupledWeightDecay", "with_l2",
    "Newton", "ConjugateGradient", "BFGS", "LBFGS", "SteepestDescent",
]
