"""8.2.7 objective: finite differences, no minimum, the wrong side of a mountain."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from optkit import SGD, optimize
from optkit.derivatives import numerical_gradient, numerical_hessian
from optkit.objectives import mountain

PARAMS = [{}, {"depth": 2.0, "height": 0.5, "width": 0.7, "center": 0.5}]


@pytest.mark.parametrize("kw", PARAMS)
def test_gradient_and_hessian_match_finite_differences(kw):
    obj = mountain(**kw)
    theta = np.linspace(-6, 6, 37).reshape(37, 1)
    assert_allclose(obj.grad(theta), numerical_gradient(obj.f, theta), rtol=1e-7, atol=1e-9)
    assert_allclose(obj.hess(theta), numerical_hessian(obj.grad, theta), rtol=1e-6, atol=1e-8)
    assert obj.f(theta).shape == (37,)
    assert obj.grad(np.zeros((2, 3, 1))).shape == (2, 3, 1)


def test_closed_form_values():
    obj = mountain()  # 1 * sigmoid(-t) + 1 / (1 + (t + 1)^2)
    assert_allclose(obj.f(np.array([[0.0]])), [0.5 + 0.5])
    assert_allclose(obj.f(np.array([-1.0])), 1 / (1 + np.e**-1) + 1.0)


def test_only_critical_point_is_the_top_of_the_mountain():
    obj = mountain()
    t = np.linspace(-200, 200, 400001)[:, None]
    g = obj.grad(t)[:, 0]
    assert np.all(g != 0)
    flips = np.flatnonzero(np.diff(np.sign(g)))
    assert len(flips) == 1  # one sign change: + on the left, - on the right
    top = t[flips[0], 0]
    assert g[0] > 0 and g[-1] < 0
    assert -1.2 < top < -1.0
    assert obj.hess(np.array([top]))[0, 0] < 0  # a maximum


def test_infimum_zero_is_approached_but_never_attained():
    obj = mountain()
    t = np.array([[5.0], [10.0], [20.0], [30.0]])
    v = obj.f(t)
    assert np.all(v > 0) and np.all(np.diff(v) < 0)
    assert v[-1] < 2e-3
    assert obj.f(np.array([-300.0])) > 1.0  # the left asymptote is depth = 1


def test_gradient_descent_goes_the_wrong_way_from_the_wrong_side():
    tr = optimize(SGD(lr=1.0), mountain(), np.array([[-2.0], [0.0]]), steps=300)
    left, right = tr.final[:, 0]
    assert left < -4.0 and tr.values[-1, 0] > 1.0  # walked left, cost stuck above 1
    assert right > 4.0 and tr.values[-1, 1] < 0.02  # walked right towards the infimum 0
    assert np.all(np.diff(tr.values, axis=0) <= 1e-12)  # both runs descend all the way


@pytest.mark.parametrize("kw, word", [({"depth": 0.0}, "depth"), ({"height": -1.0}, "height"),
                                      ({"width": np.inf}, "width"),
                                      ({"center": np.nan}, "center")])
def test_bad_parameters_raise(kw, word):
    with pytest.raises(ValueError, match=word):
        mountain(**kw)
