"""The public API of DESIGN.md section 4 is a contract: the snippet runs as written, the
names and defaults are the book's, every optimizer is a frozen dataclass with a pure,
batched ``step``, and bad hyper-parameters raise a ValueError naming the parameter."""
# ruff: noqa: E501  (the DESIGN.md snippet below is kept verbatim, long comments included)

import copy
import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose

import optkit
from optkit import adaptive, first_order, objectives, optimize, run, second_order

# DESIGN.md section 4, verbatim.
SNIPPET = '''
import numpy as np
from optkit import (Objective, optimize, Trace,
                    SGD, Momentum, Nesterov,                      # 8.3
                    AdaGrad, RMSProp, RMSPropNesterov, Adam,      # 8.5 (+ AdaDelta, AdamW, DeltaBarDelta)
                    Newton, ConjugateGradient, BFGS, LBFGS)       # 8.6

bowl = Objective(f=lambda th: (th**2).sum(-1),                  # f:    (..., d) -> (...)
                 grad=lambda th: 2*th,                           # grad: (..., d) -> (..., d)
                 hess=None)                                      # hess: (..., d) -> (..., d, d), optional
tr = optimize(Momentum(lr=0.1, alpha=0.9), bowl, np.array([[1.0, 2.0], [3.0, -1.0]]), steps=50)
tr.thetas.shape      # (51, 2, 2): 50 updates of 2 independent starting points
'''


def test_design_snippet_runs_as_written():
    namespace = {}
    exec(compile(SNIPPET, "DESIGN.md", "exec"), namespace)
    tr = namespace["tr"]
    assert isinstance(tr, optkit.Trace)
    assert tr.thetas.shape == (51, 2, 2)
    assert tr.values.shape == (51, 2) and tr.grad_norms.shape == (51, 2)
    assert tr.diverged.shape == (2,) and not tr.diverged.any()
    # Momentum on |theta|^2 per coordinate: (x, v) -> M (x, v), M = [[1 - 0.2, 0.9], [-0.2, 0.9]]
    M = np.array([[0.8, 0.9], [-0.2, 0.9]])
    x0 = np.array([[1.0, 2.0], [3.0, -1.0]])
    first = np.linalg.matrix_power(M, 50)[0, 0]  # x_50 = (M^50)[0, 0] x_0 since v_0 = 0
    assert_allclose(tr.final, first * x0, rtol=1e-9)


CONTRACT = {  # name -> module that defines it
    "SGD": first_order, "Momentum": first_order, "Nesterov": first_order,
    "clip_by_norm": first_order, "clip_by_value": first_order, "clip_gradients": first_order,
    "AdaGrad": adaptive, "RMSProp": adaptive, "RMSPropNesterov": adaptive, "Adam": adaptive,
    "AdaDelta": adaptive, "AdamW": adaptive, "DeltaBarDelta": adaptive,
    "Newton": second_order, "ConjugateGradient": second_order, "BFGS": second_order,
    "LBFGS": second_order, "optimize": run, "Trace": run, "Objective": objectives,
}


@pytest.mark.parametrize("name", list(CONTRACT))
def test_names_are_importable_from_their_modules(name):
    assert getattr(optkit, name) is getattr(CONTRACT[name], name)
    assert name in optkit.__all__


def test_momentum_is_the_same_class_everywhere():
    assert optkit.first_order.Momentum is optkit.Momentum


DEFAULTS = {  # DESIGN.md: "Hyper-parameter names and defaults follow the book"
    "SGD": {"lr": None},
    "Momentum": {"lr": None, "alpha": None},
    "Nesterov": {"lr": None, "alpha": None},
    "AdaGrad": {"lr": None, "delta": 1e-7},
    "RMSProp": {"lr": None, "rho": None, "delta": 1e-6},
    "RMSPropNesterov": {"lr": None, "rho": None, "alpha": None},
    "Adam": {"lr": 1e-3, "rho1": 0.9, "rho2": 0.999, "delta": 1e-8},
    "Newton": {"damping": 0.0},
    "ConjugateGradient": {"beta": "fletcher-reeves", "line_search": "wolfe", "restart": None},
    "BFGS": {"line_search": "wolfe"},
    "LBFGS": {"memory": 10, "line_search": "wolfe"},
}


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_hyper_parameter_names_and_defaults(name):
    cls = getattr(optkit, name)
    fields = {f.name: f.default for f in dataclasses.fields(cls)}
    for param, default in DEFAULTS[name].items():
        assert param in fields, f"{name} has no hyper-parameter {param}"
        if default is not None:
            assert fields[param] == default, f"{name}.{param} defaults to {fields[param]!r}"
    assert "8." in (cls.__doc__ or ""), f"{name}'s docstring cites no algorithm or equation"


# One instance per optimizer, with hyper-parameters that make sense on a small quadratic.
OPTIMIZERS = [
    optkit.SGD(0.1), optkit.Momentum(0.05, 0.9), optkit.Nesterov(0.05, 0.9),
    optkit.AdaGrad(0.5), optkit.RMSProp(0.05, 0.9), optkit.RMSPropNesterov(0.01, 0.9, 0.5),
    optkit.Adam(0.1), optkit.AdaDelta(), optkit.AdamW(0.1), optkit.DeltaBarDelta(0.01),
    optkit.Newton(), optkit.Newton(damping=0.5),
    optkit.ConjugateGradient(), optkit.ConjugateGradient(beta="polak-ribiere"),
    optkit.ConjugateGradient(line_search="exact"), optkit.ConjugateGradient(line_search="backtracking"),
    optkit.BFGS(), optkit.BFGS(line_search="backtracking"), optkit.LBFGS(), optkit.LBFGS(memory=3),
]
IDS = [repr(o) for o in OPTIMIZERS]
QUAD = objectives.ill_conditioned_quadratic(20.0, d=3)


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=IDS)
def test_optimizers_are_frozen_dataclasses(opt):
    assert dataclasses.is_dataclass(opt)
    field = dataclasses.fields(opt)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(opt, field, getattr(opt, field))


def _assert_same(a, b):
    """Deep equality of states: tuples, lists, dicts, dataclasses and arrays."""
    if isinstance(a, np.ndarray) or np.isscalar(a):
        assert np.array_equal(a, b, equal_nan=True)
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _assert_same(a[key], b[key])
    elif dataclasses.is_dataclass(a):
        _assert_same(dataclasses.asdict(a), dataclasses.asdict(b))
    else:
        assert a == b


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=IDS)
def test_step_is_pure(opt):
    ros = objectives.rosenbrock()
    theta = np.array([[-1.0, 1.5], [0.5, 0.2]])
    state = opt.init(theta)
    theta, state = opt.step(theta, state, ros)  # a state that is not the initial one
    theta_copy, state_copy = theta.copy(), copy.deepcopy(state)
    a_theta, _ = opt.step(theta, state, ros)
    b_theta, _ = opt.step(theta, state, ros)
    assert np.array_equal(theta, theta_copy)
    _assert_same(state, state_copy)
    assert np.array_equal(a_theta, b_theta)


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=IDS)
def test_batched_shapes_and_independent_problems(opt):
    theta0 = np.random.default_rng(0).uniform(-2, 2, size=(2, 3, 3))
    theta0_copy = theta0.copy()
    tr = optimize(opt, QUAD, theta0, steps=8)
    assert tr.thetas.shape == (9, 2, 3, 3) and tr.values.shape == (9, 2, 3)
    assert np.array_equal(theta0, theta0_copy)
    assert np.array_equal(tr.thetas[0], theta0)
    assert not tr.diverged.any()
    for idx in [(0, 0), (1, 2), (0, 1)]:
        single = optimize(opt, QUAD, theta0[idx], steps=8)
        assert_allclose(tr.thetas[(slice(None),) + idx], single.thetas, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=IDS)
def test_optimizers_decrease_a_convex_quadratic(opt):
    theta0 = np.random.default_rng(1).uniform(-2, 2, size=(5, 3))
    tr = optimize(opt, QUAD, theta0, steps=30)
    assert np.all(tr.values[-1] < tr.values[0])


BAD_HYPER = [
    (lambda: optkit.SGD(lr=-0.1), "lr"),
    (lambda: optkit.Momentum(lr=0.1, alpha=1.0), "alpha"),
    (lambda: optkit.Nesterov(lr=0.1, alpha=-0.5), "alpha"),
    (lambda: optkit.AdaGrad(lr=-1.0), "lr"),
    (lambda: optkit.AdaGrad(lr=0.1, delta=0.0), "delta"),
    (lambda: optkit.RMSProp(lr=0.1, rho=1.0), "rho"),
    (lambda: optkit.RMSProp(lr=0.1, rho=0.9, delta=-1e-6), "delta"),
    (lambda: optkit.RMSPropNesterov(lr=0.1, rho=0.9, alpha=1.2), "alpha"),
    (lambda: optkit.RMSPropNesterov(lr=0.1, rho=-0.1, alpha=0.5), "rho"),
    (lambda: optkit.Adam(lr=0.0), "lr"),
    (lambda: optkit.Adam(rho1=1.0), "rho1"),
    (lambda: optkit.Adam(rho2=1.5), "rho2"),
    (lambda: optkit.Adam(delta=0.0), "delta"),
    (lambda: optkit.AdaDelta(rho=1.0), "rho"),
    (lambda: optkit.Newton(damping=-1.0), "damping"),
    (lambda: optkit.ConjugateGradient(beta="hestenes"), "beta"),
    (lambda: optkit.ConjugateGradient(line_search="golden"), "line_search"),
    (lambda: optkit.BFGS(line_search="golden"), "line_search"),
    (lambda: optkit.LBFGS(memory=0), "memory"),
]


@pytest.mark.parametrize("make, param", BAD_HYPER)
def test_bad_hyper_parameters_raise_naming_the_parameter(make, param):
    with pytest.raises(ValueError, match=rf"\b{param}\b"):
        make()


def test_core_dataclasses_are_frozen():
    tr = optimize(optkit.SGD(0.1), objectives.bowl(), np.zeros(2), steps=1)
    for obj, attr in [(tr, "thetas"), (objectives.bowl(), "f"),
                      (optkit.schedules.cosine(0.1, total=10), "lr")]:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, attr, None)


def test_source_returns_the_librarys_own_code():
    code = optkit.source(optkit.Momentum)
    assert code.startswith("@dataclass(frozen=True)\nclass Momentum(")
    assert "v <- alpha v - eps g" in code
