"""`skillode.forecast` (in skillode.forecasting): fit what a run has shown, forecast the rest with intervals."""

import numpy as np
import pytest
import xarray as xr

import skillode as sk
from skillode.curves import from_curves
from skillode.forecasting import forecast

P = sk.zipf(12, 1.5)
TS = np.arange(0.0, 4001.0, 5.0)


def _truth(loss_kind="ce"):
    return sk.ResourceModel(p=P, eta=0.05, N0=0.05, loss_kind=loss_kind)


@pytest.mark.parametrize("loss_kind", ["mse", "ce"])
def test_exact_model_data_recovers_the_model(loss_kind):
    truth = _truth(loss_kind)
    run = truth.solve(TS)
    times = truth.learning_times(0.9).values
    at = float(np.sort(times)[5]) + 5.0  # half of the skills learned (and logged: every 5 steps)
    fc = forecast(run, at=at)
    assert fc.attrs["eta"] == pytest.approx(0.05, rel=1e-2)
    assert fc.attrs["N0"] == pytest.approx(0.05, rel=5e-2)
    ahead = ~fc.observed.values
    assert ahead.sum() == 6
    np.testing.assert_allclose(fc.learning_time.values[ahead], times[ahead], rtol=0.01)
    assert np.all(fc.lower.values[ahead] > at) and np.all(fc.upper.values[ahead] >= fc.lower.values[ahead])
    # observed skills: the crossing itself, no interval
    obs = fc.observed.values
    np.testing.assert_allclose(fc.learning_time.values[obs], times[obs], rtol=3e-3)  # linear interpolation, 5 steps
    np.testing.assert_array_equal(fc.lower.values[obs], fc.learning_time.values[obs])


def _warped_runs(n_runs, sigma, seed):
    """Runs whose skills follow the model's curve shape, each skill's clock stretched by exp(sigma z): crossing
    times scatter log-normally about the model's, the forecast's own assumption, so its intervals must cover."""
    truth = _truth("ce")
    fine = np.arange(0.0, 40001.0, 5.0)
    s = truth.solve(fine).skill_level.values
    f = np.exp(sigma * np.random.default_rng(seed).standard_normal((n_runs, P.size)))
    levels = np.stack([[np.interp(TS / f[r, i], fine, s[i]) for i in range(P.size)] for r in range(n_runs)])
    return from_curves(levels, TS, kind="skill_level", loss_kind="ce", p=P, layout="run,skill,step",
                       run_dim="seed"), truth.learning_times(0.9).values * f


def test_intervals_cover_at_their_nominal_rate():
    runs, times = _warped_runs(30, 0.15, seed=1)
    at = 700.0
    fc = forecast(runs, at=at, interval=0.9, seed=0)
    assert fc.learning_time.dims == ("seed", "skill")
    ahead = ~fc.observed.values & (times < TS[-1])
    assert ahead.sum() > 100
    inside = (fc.lower.values <= times) & (times <= fc.upper.values)
    coverage = inside[ahead].mean()
    assert 0.8 <= coverage <= 0.98, coverage  # 90% nominal; binomial sd over ~150 forecasts is ~2.5%
    assert fc.attrs["sigma"] == pytest.approx(0.15, rel=0.25)


def test_one_run_same_seed_same_numbers():
    runs, _ = _warped_runs(2, 0.1, seed=2)
    one = runs.isel(seed=0)
    a, b = forecast(one, at=800.0, seed=5), forecast(one, at=800.0, seed=5)
    xr.testing.assert_identical(a, b)
    c = forecast(one, at=800.0, seed=6)
    assert not np.array_equal(a.upper.values, c.upper.values)
    assert a.learning_time.dims == ("skill",)


def test_bad_requests_are_named():
    run = _truth().solve(TS)
    with pytest.raises(ValueError, match="fewer than two skills"):
        forecast(run, at=100.0)
    with pytest.raises(ValueError, match="at \\(forecast step\\)"):
        forecast(run, at=-5.0)
    with pytest.raises(ValueError, match="threshold on the skill level"):
        forecast(run, threshold=sk.Threshold(0.1, on="loss"))
    with pytest.raises(ValueError, match="levels must increase"):
        forecast(run, levels=(0.9, 0.8))
    with pytest.raises(ValueError, match="interval"):
        forecast(run, interval=1.5)
    bare = from_curves(run.skill_loss.values, TS, kind="loss", loss_kind="ce", layout="skill,step")
    with pytest.raises(ValueError, match="frequencies"):
        forecast(bare)
    with pytest.raises(ValueError, match="without C"):
        forecast(run, sk.ResourceModel(p=P, eta=1.0, N0=0.0, loss_kind="ce", C=np.eye(P.size)))


def test_data_without_scatter_gives_finite_forecasts():
    # the model's own curves: no scatter to resolve; sigma sits at its floor and is held there, never NaN
    p = sk.zipf(12, 1.5)
    steps = np.arange(0.0, 901.0, 10.0)
    run = sk.ResourceModel(p=p, eta=0.05, N0=0.05, loss_kind="ce").solve(steps)
    fc = forecast(run, at=400.0)
    for name in ("learning_time", "lower", "upper"):
        assert np.all(np.isfinite(fc[name].values)), name
    assert fc.attrs["sigma"] == pytest.approx(1e-4, rel=1e-3)
