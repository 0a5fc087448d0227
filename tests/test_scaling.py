"""Scaling analyses: exact exponents of exact power laws, two-point against least squares, final losses."""

import math

import numpy as np
import pytest
import xarray as xr

from skillode.scaling import final_loss, scaling_exponent, two_point_exponent


def test_exponents_of_exact_power_law():
    x = np.arange(20.0, 1001.0, 20.0)
    y = 3.0 * x**-0.8
    est = scaling_exponent(x, y, (40, 220), n_boot=200, seed=1)
    assert est.two_point == pytest.approx(0.8) and est.lsq == pytest.approx(0.8)
    assert est.ci[0] == pytest.approx(0.8) and est.ci[1] == pytest.approx(0.8)
    assert est.n_points == 10 and est.window == (40.0, 220.0)
    # Between grid points the two-point estimate interpolates in log-log space, exact for a power law.
    assert two_point_exponent(x, y, 50.0, 310.0) == pytest.approx(0.8)


def test_two_point_differs_from_lsq_on_curved_data():
    x = np.logspace(0, 2, 30)
    y = x**-1.0 + 0.05
    est = scaling_exponent(x, y, (1, 100), n_boot=0)
    expected = -math.log((1 / 100 + 0.05) / 1.05) / math.log(100)
    assert est.two_point == pytest.approx(expected)
    assert abs(est.lsq - est.two_point) > 0.01


def test_final_loss_median_over_seeds():
    loss = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4) + 1
    ds = xr.Dataset({"loss": (("N", "seed", "t"), loss)}, coords={"N": [10, 20], "t": np.arange(4.0)})
    np.testing.assert_allclose(final_loss(ds).values, np.median(loss[..., -1], axis=1))
    np.testing.assert_allclose(final_loss(ds, reduce="mean").values, loss[..., -1].mean(axis=1))
    assert final_loss(ds, over=None).dims == ("N", "seed")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: scaling_exponent([1, 2, 3], [1, 1, 1], (2.5, 2.9)), "window"),
        (lambda: two_point_exponent([1, 2, 3], [3, 2, 1], 2, 1), "x1 < x2"),
        (lambda: two_point_exponent([1, 2, 3], [3, 2, 1], 1, 5), "outside"),
        (lambda: two_point_exponent([1, 3, 2], [3, 2, 1], 1, 2), "increasing"),
        (lambda: two_point_exponent([1, 2, 3], [3, 0, 1], 1, 2), "y must"),
        (lambda: final_loss(xr.Dataset({"loss": (("t",), [1.0])}), over="seed"), "over"),
    ],
)
def test_scaling_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
