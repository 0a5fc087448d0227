"""The width trend of examples/validation_at_scale.py on synthetic learning times with a known trend: the power
laws of the identified constants, the N0 -> inf rule, and the seed bootstrap's prediction interval."""

import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import skillode as sk
from skillode.fit import fit_learning_times, median_learning_times
from skillode.resource import ResourceModel

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
P = sk.zipf(20, 1.0)
TH = sk.Threshold(0.9)
WIDTHS = (128, 256, 512, 1024)
HELD = 2048


@pytest.fixture(scope="module")
def vas():
    sys.path.insert(0, str(EXAMPLES))
    try:
        import validation_at_scale
    finally:
        sys.path.remove(str(EXAMPLES))
    return validation_at_scale


def _c(w):  # the time scale N0/eta [steps]
    return 2e3 * (w / 128) ** -0.5


def _N0(w):
    return 0.3 * (w / 128) ** 0.4


def _true_times(w, limit=False) -> np.ndarray:
    if limit:
        return _c(w) * np.log(10.0) / P
    N0 = _N0(w)
    return np.asarray(ResourceModel(p=P, eta=N0 / _c(w), N0=N0).learning_times(TH).values)


def _seeds(t, sigma, n_seeds, rng) -> xr.DataArray:
    return xr.DataArray(t[None] * np.exp(sigma * rng.standard_normal((n_seeds, t.size))), dims=("seed", "skill"))


def _exact(t) -> xr.DataArray:
    return xr.DataArray(t[None], dims=("seed", "skill"))


def test_trend_recovers_known_power_laws_from_exact_times(vas):
    template = ResourceModel(p=P, eta=1.0, N0=0.1)
    fits = [fit_learning_times(_exact(_true_times(w)), template) for w in WIDTHS]
    tr = vas.trend(WIDTHS, fits)
    assert tr["rule"].startswith("N0 finite")
    assert tr["c"].exponent == pytest.approx(-0.5, abs=1e-5) and tr["N0"].exponent == pytest.approx(0.4, abs=1e-5)
    A, tau = fits[0].base, fits[0].tau
    np.testing.assert_allclose(vas.trend_times(tr, HELD, A, tau), _true_times(HELD), rtol=1e-5)
    model = vas.trend_model(tr, HELD, P, A, tau)
    np.testing.assert_allclose(np.asarray(model.learning_times(TH).values), _true_times(HELD), rtol=1e-5)


def test_trend_in_the_N0_inf_limit_trends_the_time_scale_only(vas):
    template = ResourceModel(p=P, eta=1.0, N0=0.1)
    fits = [fit_learning_times(_exact(_true_times(w, limit=True)), template) for w in WIDTHS]
    assert all(f.limit == "N0 -> inf" for f in fits)
    tr = vas.trend(WIDTHS, fits)
    assert tr["rule"].startswith("N0 -> inf") and "N0" not in tr
    assert tr["c"].exponent == pytest.approx(-0.5, abs=1e-9)
    A, tau = fits[0].base, fits[0].tau
    np.testing.assert_allclose(vas.trend_times(tr, HELD, A, tau), _true_times(HELD, limit=True), rtol=1e-9)
    model = vas.trend_model(tr, HELD, P, A, tau)  # the stand-in reproduces the limit
    np.testing.assert_allclose(np.asarray(model.learning_times(TH).values), _true_times(HELD, limit=True), rtol=1e-9)


def test_bootstrap_is_seeded_and_its_interval_covers_a_right_model(vas):
    rng = np.random.default_rng(7)
    times = {w: _seeds(_true_times(w), 0.08, 8, rng) for w in WIDTHS}
    held = _seeds(_true_times(HELD), 0.08, 8, rng)
    template = ResourceModel(p=P, eta=1.0, N0=0.1)
    point = fit_learning_times(times[WIDTHS[0]], template)
    A, tau = point.base, point.tau
    kw = dict(n_boot=40, draws=10, level=0.9)
    boot = vas.bootstrap_trend(times, template, TH, WIDTHS, HELD, A, tau, seed=3, **kw)
    again = vas.bootstrap_trend(times, template, TH, WIDTHS, HELD, A, tau, seed=3, **kw)
    other = vas.bootstrap_trend(times, template, TH, WIDTHS, HELD, A, tau, seed=4, **kw)
    np.testing.assert_array_equal(boot["interval"], again["interval"])  # same seed, same interval
    assert not np.array_equal(boot["interval"], other["interval"])
    assert boot["mu"].shape == (40, P.size) and boot["draws"].shape == (400, P.size) and boot["failed"] == 0
    lo, hi = boot["interval"]
    clo, chi = boot["confidence"]
    assert np.all(lo < clo) and np.all(chi < hi)  # the scatter widens the trend's own band
    # the c exponent's bootstrap CI holds the truth; the model is right, so the held-out medians are covered
    e = boot["exponents"]["c"]
    assert np.percentile(e, 2.5) < -0.5 < np.percentile(e, 97.5)
    med = median_learning_times(held, TH)
    coverage = np.mean((med >= lo) & (med <= hi))
    assert coverage >= 0.75
    # an interval without the scatter would be too narrow: it must not cover as much
    assert np.mean((med >= clo) & (med <= chi)) < coverage


def test_extra_median_noise_is_the_known_extra_spread_of_a_median_over_fewer_seeds(vas):
    rng = np.random.default_rng(11)
    sigma = 0.2
    times = {w: _seeds(_true_times(w), sigma, 8, rng) for w in WIDTHS}
    assert vas.extra_median_noise(times, 8) == 0.0 and vas.extra_median_noise(times, 16) == 0.0  # never narrower
    expected = sigma * np.sqrt(np.pi / 2 * (1 / 4 - 1 / 8))  # median of k normal draws: variance pi/2 sigma^2 / k
    assert vas.extra_median_noise(times, 4) == pytest.approx(expected, rel=0.15)
    template = ResourceModel(p=P, eta=1.0, N0=0.1)
    point = fit_learning_times(times[WIDTHS[0]], template)
    kw = dict(n_boot=30, draws=10, level=0.9, seed=3)
    plain = vas.bootstrap_trend(times, template, TH, WIDTHS, HELD, point.base, point.tau, **kw)
    wider = vas.bootstrap_trend(times, template, TH, WIDTHS, HELD, point.base, point.tau, extra_sd=expected, **kw)
    np.testing.assert_array_equal(plain["mu"], wider["mu"])  # the trend is the same; only the scatter grows
    assert np.all(wider["interval"][1] / wider["interval"][0] > plain["interval"][1] / plain["interval"][0])
