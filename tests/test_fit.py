"""Fits recover known parameters: Resource-model N0/eta from its own trajectories, power-law exponents."""

import numpy as np
import pytest
import xarray as xr

import skillode as sk
from skillode import zipf
from skillode.fit import PowerLawFit, ResourceFit, fit_power_law, fit_resource
from skillode.resource import ResourceModel

P = zipf(6, 2.0)
ETA = 2 * 3e-4 * np.sqrt(1000)


@pytest.fixture(scope="module")
def truth():
    model = ResourceModel(p=P, eta=ETA, N0=0.03)
    return model.solve(np.arange(0.0, 801.0, 10.0), method="discrete")


@pytest.mark.parametrize("start", [1e-3, 0.3])
def test_fit_recovers_N0(truth, start):
    fit = fit_resource(truth, ResourceModel(p=P, eta=ETA, N0=start))
    assert isinstance(fit, ResourceFit) and fit.converged
    assert fit["N0"] == pytest.approx(0.03, rel=1e-8)
    assert fit.rms < 1e-10 and fit.r2 == pytest.approx(1.0)
    assert fit.n_points == truth.skill_level.size and fit.solver == sk.DiscreteMap()
    assert float(fit.model.N0) == pytest.approx(0.03, rel=1e-8)


def test_fit_recovers_N0_and_eta(truth):
    fit = fit_resource(truth, ResourceModel(p=P, eta=1.4 * ETA, N0=0.2), params=("N0", "eta"))
    assert fit["N0"] == pytest.approx(0.03, rel=1e-6)
    assert fit["eta"] == pytest.approx(ETA, rel=1e-6)


def test_fit_exact_method_and_noisy_joint_runs():
    # Two noisy "seeds" of an exact (continuous) trajectory: the joint fit lands near the truth.
    ts = np.linspace(0.0, 600.0, 61)
    clean = ResourceModel(p=P, eta=ETA, N0=0.01).solve(ts, method="exact")
    rng = np.random.default_rng(0)
    noisy = np.stack([clean.skill_level.values + 0.01 * rng.standard_normal(clean.skill_level.shape) for _ in range(2)])
    da = xr.DataArray(noisy, dims=("seed", "skill", "t"), coords={"t": ts})
    da[0, 0, 5] = np.nan  # NaNs are skipped
    fit = fit_resource(da, ResourceModel(p=P, eta=ETA, N0=0.1), solver=sk.Exact())
    assert fit["N0"] == pytest.approx(0.01, rel=0.1)
    assert fit.n_points == noisy.size - 1
    assert 0.005 < fit.rms < 0.015


def test_fit_predict(truth):
    fit = fit_resource(truth, ResourceModel(p=P, eta=ETA, N0=0.1))
    pred = fit.predict(truth.t.values)
    np.testing.assert_allclose(pred.skill_level.values, truth.skill_level.values, atol=1e-10)


def test_fit_errors(truth):
    tmpl = ResourceModel(p=P, eta=ETA, N0=0.1)
    with pytest.raises(ValueError, match="params"):
        fit_resource(truth, tmpl, params=("p",))
    with pytest.raises(ValueError, match="least_squares"):
        fit_resource(truth, tmpl, least_squares="bfgs")
    with pytest.raises(ValueError, match="solver must be"):
        fit_resource(truth, tmpl, solver="bfgs")
    with pytest.raises(ValueError, match="cannot"):
        fit_resource(truth, tmpl, solver=sk.Scipy())
    with pytest.raises(ValueError, match="skills"):
        fit_resource(truth, ResourceModel(p=zipf(3, 2.0), eta=ETA, N0=0.1))
    with pytest.raises(ValueError, match="integer"):
        fit_resource(truth.assign_coords(t=truth.t + 0.5), tmpl)
    with pytest.raises(ValueError, match="N0"):
        fit_resource(truth, tmpl, starts=[-1.0])
    with pytest.raises(ValueError, match="init"):
        fit_resource(truth, tmpl, init={"eta": 1.0})
    with pytest.raises(ValueError, match="variable"):
        fit_resource(truth, tmpl, var="accuracy")
    with pytest.raises(ValueError, match="Dataset"):
        fit_resource(np.zeros((6, 3)), tmpl)
    with pytest.raises(RuntimeError, match="converge"):
        fit_resource(truth, tmpl, max_steps=1)
    fit = fit_resource(truth, tmpl, max_steps=1, throw=False)
    assert not fit.converged


# --- power laws --------------------------------------------------------------------------------------------------


def test_power_law_recovers_exponent():
    rng = np.random.default_rng(1)
    x = np.logspace(1, 3, 25)
    y = 3.0 * x**-0.7 * np.exp(0.05 * rng.standard_normal(x.size))
    fit = fit_power_law(x, y, n_boot=500, seed=3)
    assert isinstance(fit, PowerLawFit)
    assert fit.exponent == pytest.approx(-0.7, abs=0.03) and fit.prefactor == pytest.approx(3.0, rel=0.15)
    assert fit.ci[0] < -0.7 < fit.ci[1] and fit.ci[1] - fit.ci[0] < 0.1
    assert fit.prefactor_ci[0] < fit.prefactor < fit.prefactor_ci[1]
    assert fit_power_law(x, y, n_boot=500, seed=3).ci == fit.ci  # same seed, same interval
    assert fit_power_law(x, y, n_boot=500, seed=4).ci != fit.ci
    np.testing.assert_allclose(fit(x), fit.prefactor * x**fit.exponent)


def test_power_law_exact_and_no_bootstrap():
    fit = fit_power_law([2.0, 4.0, 8.0], [1.0, 4.0, 16.0], n_boot=0)
    assert fit.exponent == pytest.approx(2.0) and fit.prefactor == pytest.approx(0.25) and fit.r2 == pytest.approx(1)
    assert np.isnan(fit.ci[0])


@pytest.mark.parametrize(
    "x, y, kw, match",
    [
        ([1.0], [1.0], {}, "two distinct"),
        ([1.0, 1.0], [1.0, 2.0], {}, "two distinct"),
        ([1.0, 2.0], [1.0], {}, "same shape"),
        ([1.0, -2.0], [1.0, 2.0], {}, "> 0"),
        ([1.0, 2.0], [0.0, 2.0], {}, "> 0"),
        ([1.0, np.nan], [1.0, 2.0], {}, "finite"),
        ([1.0, 2.0], [1.0, 2.0], {"level": 1.5}, "level"),
        ([1.0, 2.0], [1.0, 2.0], {"n_boot": -1}, "n_boot"),
    ],
)
def test_power_law_errors(x, y, kw, match):
    with pytest.raises(ValueError, match=match):
        fit_power_law(x, y, **kw)
