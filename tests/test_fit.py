"""Fits recover known parameters: Resource-model N0/eta from its own trajectories, power-law exponents."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr
from scipy import optimize, stats

import skillode as sk
import skillode.scaling as skillode_scaling
from skillode import zipf
from skillode.fit import LearningTimeFit, ResourceFit, fit_learning_times, fit_resource
from skillode.resource import ResourceModel
from skillode.scaling import (
    CHINCHILLA,
    CHINCHILLA_PARAMS,
    ChinchillaFit,
    PowerLawFit,
    fit_chinchilla,
    fit_power_law,
)

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
    with pytest.raises(ValueError, match="chance"):
        fit_resource(truth, tmpl, var="accuracy")
    with pytest.raises(ValueError, match="no model of 'loss'"):
        fit_resource(truth, tmpl, var="loss")
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


# --- the Chinchilla form ------------------------------------------------------------------------------------------

NOISY = {"E": 0.5, "A": 4.0, "a": 0.4, "B": 9.0, "b": 0.3}


def _grid(n_n=10, n_s=15):
    return np.logspace(1, 3, n_n), np.logspace(1, 5, n_s)


def _chinchilla(N, S, p):
    return p["E"] + p["A"] * N[:, None] ** -p["a"] + p["B"] * S[None, :] ** -p["b"]


@pytest.mark.parametrize(
    "truth",
    [CHINCHILLA_PARAMS, {"E": 0.01, "A": 2.0, "a": 0.5, "B": 5.0, "b": 0.3}],
    ids=["chinchilla", "small-E"],
)
def test_chinchilla_exact_recovery(truth):
    N, S = _grid()
    fit = fit_chinchilla(N[:, None], S[None, :], _chinchilla(N, S, truth), n_boot=20)
    assert isinstance(fit, ChinchillaFit)
    for k, v in truth.items():
        assert fit[k] == pytest.approx(v, rel=1e-6), k
        assert fit.ci[k] == pytest.approx((v, v), rel=1e-6), k  # noise-free: every resample fits exactly
    assert fit.rms < 1e-10
    assert fit.n_points == 150 and fit.n_boot == 20 and fit.level == 0.95 and fit.seed == 0
    assert fit.weighting == "least squares in log L (relative errors)"
    assert fit.params == {k: fit[k] for k in ("E", "A", "a", "B", "b")}


def test_chinchilla_published_constant():
    assert CHINCHILLA_PARAMS == {"E": 1.69, "A": 406.4, "a": 0.34, "B": 410.7, "b": 0.28}
    assert (CHINCHILLA_PARAMS["a"], CHINCHILLA_PARAMS["b"]) == (CHINCHILLA["alpha_N"], CHINCHILLA["alpha_S"])


def test_chinchilla_E_zero_is_on_the_boundary():
    # A loss that goes to 0: the best E is exactly 0, which the E = 0 solve finds (log E would drift to -inf).
    N, S = _grid()
    truth = {"E": 0.0, "A": 2.0, "a": 0.5, "B": 5.0, "b": 0.3}
    fit = fit_chinchilla(N[:, None], S[None, :], _chinchilla(N, S, truth), n_boot=20, max_steps=100)
    assert 0.0 <= fit.E < 1e-12 and 0.0 <= fit.ci["E"][0] <= fit.ci["E"][1] < 1e-12  # 0 up to round-off
    for k in ("A", "a", "B", "b"):
        assert fit[k] == pytest.approx(truth[k], rel=1e-6), k
    assert fit.rms < 1e-10
    # With noise the lower end of E's interval sits on the boundary, not at some tiny floor.
    L = _chinchilla(N, S, truth) * np.exp(0.01 * np.random.default_rng(0).standard_normal((10, 15)))
    noisy = fit_chinchilla(N[:, None], S[None, :], L, n_boot=200)
    assert noisy.ci["E"][0] == 0.0 < noisy.ci["E"][1] < 0.02 and noisy.n_boot == 200


@pytest.fixture(scope="module")
def noisy_fits():
    rng = np.random.default_rng(0)
    fits = {}
    for n_n, n_s in ((10, 15), (20, 30)):  # 150 points, then 4x as many over the same ranges
        N, S = _grid(n_n, n_s)
        L = _chinchilla(N, S, NOISY) * np.exp(0.03 * rng.standard_normal((n_n, n_s)))
        fits[n_n * n_s] = fit_chinchilla(N[:, None], S[None, :], L, n_boot=400, seed=1)
        if n_n == 10:
            fits["same seed"] = fit_chinchilla(N[:, None], S[None, :], L, n_boot=400, seed=1)
            fits["other seed"] = fit_chinchilla(N[:, None], S[None, :], L, n_boot=400, seed=2)
    return fits


def test_chinchilla_noisy_intervals_cover_and_shrink(noisy_fits):
    small, large = noisy_fits[150], noisy_fits[600]
    for fit in (small, large):
        assert fit.n_boot == 400
        assert 0.02 < fit.rms < 0.04  # the 3% log-normal noise
        for k, v in NOISY.items():
            lo, hi = fit.ci[k]
            assert lo < fit[k] < hi, k
            assert lo < v < hi, k  # the 95% intervals hold the truth
    for k in NOISY:
        width = {n: noisy_fits[n].ci[k][1] - noisy_fits[n].ci[k][0] for n in (150, 600)}
        assert width[600] < 0.8 * width[150], k  # ~1/2 expected from 4x the points


def test_chinchilla_seed_reproducible(noisy_fits):
    fit, same, other = noisy_fits[150], noisy_fits["same seed"], noisy_fits["other seed"]
    assert same.params == fit.params and same.ci == fit.ci and same.rms == fit.rms  # bitwise
    assert other.params == fit.params  # the point estimate does not depend on the seed ...
    assert all(other.ci[k] != fit.ci[k] for k in NOISY)  # ... the intervals do


def test_chinchilla_group_bootstrap_is_wider_for_correlated_runs():
    # One run per N: a random offset per run (its seed) plus small noise along S.
    N, S = _grid(20, 15)
    rng = np.random.default_rng(10)
    L = _chinchilla(N, S, NOISY) * np.exp(0.03 * rng.standard_normal((20, 1)) + 0.005 * rng.standard_normal((20, 15)))
    runs = np.arange(20)[:, None]  # broadcasts to L's shape
    points = fit_chinchilla(N[:, None], S[None, :], L, n_boot=300, seed=1)
    groups = fit_chinchilla(N[:, None], S[None, :], L, n_boot=300, seed=1, groups=runs)
    assert groups.params == points.params  # the same fit, only the intervals differ
    for k in ("E", "A", "a"):  # the run offsets hit the N-dependence
        assert groups.ci[k][1] - groups.ci[k][0] > 2 * (points.ci[k][1] - points.ci[k][0]), k
    assert groups.ci["a"][0] < NOISY["a"] < groups.ci["a"][1]
    assert not points.ci["a"][0] < NOISY["a"] < points.ci["a"][1]  # the point bootstrap is overconfident here


def test_chinchilla_bootstrap_batches_do_not_change_the_intervals(monkeypatch):
    N, S = _grid()
    L = _chinchilla(N, S, NOISY) * np.exp(0.03 * np.random.default_rng(0).standard_normal((10, 15)))
    one_batch = fit_chinchilla(N[:, None], S[None, :], L, n_boot=20, seed=3)
    monkeypatch.setattr(skillode_scaling, "_BOOT_ENTRIES", 150 * 7)  # batches of 7 resamples, the last one padded
    batched = fit_chinchilla(N[:, None], S[None, :], L, n_boot=20, seed=3)
    assert batched.n_boot == one_batch.n_boot == 20 and batched.params == one_batch.params
    for k in NOISY:  # the same resamples; only the vectorised arithmetic differs
        assert batched.ci[k] == pytest.approx(one_batch.ci[k], rel=1e-8), k


def test_chinchilla_unidentifiable_resamples_are_dropped_and_counted():
    N, S = _grid(4, 15)
    L = _chinchilla(N, S, NOISY) * np.exp(0.01 * np.random.default_rng(3).standard_normal((4, 15)))
    # 4 runs: a third of the group resamples hold < 3 distinct N and are discarded; n_boot says how many are kept.
    fit = fit_chinchilla(N[:, None], S[None, :], L, n_boot=100, groups=np.arange(4)[:, None])
    assert 50 <= fit.n_boot < 90
    with pytest.raises(RuntimeError, match="bootstrap resamples"):  # 3 runs: most resamples are unidentifiable
        fit_chinchilla(N[:3, None], S[None, :], L[:3], n_boot=100, groups=np.arange(3)[:, None])


def test_chinchilla_call_broadcasts():
    N, S = _grid()
    fit = fit_chinchilla(N[:, None], S[None, :], _chinchilla(N, S, NOISY), n_boot=5)
    out = fit(N[:, None], S[None, :])
    assert isinstance(out, np.ndarray) and out.shape == (10, 15)
    np.testing.assert_allclose(out, fit.E + fit.A * N[:, None] ** -fit.a + fit.B * S[None, :] ** -fit.b, rtol=1e-14)
    np.testing.assert_allclose(out, _chinchilla(N, S, NOISY), rtol=1e-8)
    j = fit(jnp.asarray(N)[:, None], jnp.asarray(S)[None, :])
    assert isinstance(j, jax.Array) and j.shape == (10, 15)
    np.testing.assert_allclose(np.asarray(j), out, rtol=1e-14)
    assert fit(100, 1000.0) == pytest.approx(fit.E + fit.A * 100**-fit.a + fit.B * 1000.0**-fit.b, rel=1e-15)
    with pytest.raises(KeyError, match="alpha"):
        fit["alpha"]


def test_chinchilla_init_and_solver_failure():
    N, S = _grid()
    L = _chinchilla(N, S, NOISY)
    fit = fit_chinchilla(N[:, None], S[None, :], L, n_boot=5, init={"E": 1.0, "A": 1.0, "a": 0.2, "B": 1.0, "b": 0.2})
    assert fit.a == pytest.approx(0.4, rel=1e-6)
    with pytest.raises(RuntimeError, match="no start of 16 converged in 2 steps"):
        fit_chinchilla(N[:, None], S[None, :], L, n_boot=5, max_steps=2)


def _bad(**kw):
    N, S = _grid()
    args = {"N": N[:, None], "S": S[None, :], "L": _chinchilla(N, S, NOISY)}
    args.update(kw)
    return args


def _with(name, index, value):
    arr = np.array(np.broadcast_to(_bad()[name], (10, 15)), dtype=np.float64)
    arr[index] = value
    return arr


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"L": _with("L", (0, 0), -1.0)}, r"L must be finite and > 0 everywhere, but 1 of 150"),
        ({"L": _with("L", (slice(None), 0), 0.0)}, r"L must be finite and > 0 everywhere, but 10 of 150"),
        ({"L": _with("L", (3, 4), np.nan)}, r"L must be finite and > 0"),
        ({"N": _with("N", (0, slice(None)), 0.0)}, r"N must be finite and > 0 everywhere, but 15 of 150"),
        ({"S": _with("S", (2, 2), np.inf)}, r"S must be finite and > 0"),
        ({"N": np.logspace(1, 3, 7)}, r"N must have \(or broadcast to\) L's shape \(10, 15\), got shape \(7,\)"),
        ({"S": np.ones((15, 10))}, r"S must have \(or broadcast to\) L's shape"),
        ({"N": [1.0, 2.0, 3.0, 4.0, 5.0], "S": [1.0, 2.0, 3.0, 4.0, 5.0], "L": np.ones(5)}, r"at least 6 points"),
        ({"N": np.full((10, 1), 7.0)}, r"N must take at least 3 distinct"),
        ({"level": 0.0}, r"level must lie in \(0, 1\)"),
        ({"level": 1.0}, r"level must lie in \(0, 1\)"),
        ({"level": 1.5}, r"level"),
        ({"n_boot": 0}, r"n_boot must be an integer >= 1"),
        ({"n_boot": 10.0}, r"n_boot"),
        ({"seed": -1}, r"seed must be an integer >= 0"),
        ({"max_steps": 0}, r"max_steps"),
        ({"rtol": -1e-8}, r"rtol"),
        ({"groups": np.arange(10.0)[:, None]}, r"groups must be an integer array"),
        ({"groups": np.arange(7)}, r"groups must have \(or broadcast to\) L's shape"),
        ({"groups": np.zeros((10, 15), dtype=int)}, r"groups must hold at least 2 distinct labels"),
        ({"init": {"E": 1.0, "A": 1.0, "a": 0.3, "B": 1.0}}, r"init must be a dict with exactly the keys"),
        ({"init": {"E": 1.0, "A": -1.0, "a": 0.3, "B": 1.0, "b": 0.3}}, r"init\['A'\] must be finite and > 0"),
        ({"init": {"E": -1.0, "A": 1.0, "a": 0.3, "B": 1.0, "b": 0.3}}, r"init\['E'\] must be finite and >= 0"),
    ],
)
def test_chinchilla_errors(kw, match):
    args = {"n_boot": 5, **_bad(**kw)}
    with pytest.raises(ValueError, match=match):
        fit_chinchilla(args.pop("N"), args.pop("S"), args.pop("L"), **args)


# ---------------------------------------------------------------------------------------------------------------
# Fitting in the space of the data (skill levels, losses, accuracies)


def _noisy_run(loss_kind, var, seed):
    """A Resource-model run (discrete map) with noise in the space of `var`, as a user's log would have."""
    from skillode.curves import accuracy_from_skill_level, from_curves

    truth = sk.ResourceModel(p=sk.zipf(5, 1.5), eta=0.05, N0=0.1, loss_kind=loss_kind)
    ts = np.arange(0.0, 1001.0, 10.0)
    run = truth.solve(ts, "discrete")
    rng = np.random.default_rng(seed)
    if var == "skill_loss":  # 1% multiplicative noise on the losses
        values, kind = run.skill_loss.values * np.exp(0.01 * rng.standard_normal(run.skill_loss.shape)), "loss"
    elif var == "accuracy":  # accuracy counted on an evaluation batch of 1e5 samples per skill (unbiased)
        acc = accuracy_from_skill_level(run.skill_level.values, 0.5)
        values, kind = rng.binomial(100_000, acc) / 100_000, "accuracy"
    else:
        values, kind = run.skill_level.values + 0.002 * rng.standard_normal(run.skill_level.shape), "skill_level"
    return from_curves(values, ts, kind=kind, loss_kind=loss_kind, layout="skill,step",
                       chance=0.5 if kind == "accuracy" else None)


@pytest.mark.parametrize("loss_kind", ["mse", "ce"])
@pytest.mark.parametrize("var", ["skill_level", "skill_loss", "accuracy"])
def test_fit_resource_recovers_parameters_in_the_data_space(loss_kind, var):
    data = _noisy_run(loss_kind, var, seed=3)
    assert data.attrs["measured"] == var  # the default var is the variable the data measured
    template = sk.ResourceModel(p=sk.zipf(5, 1.5), eta=0.2, N0=1.0, loss_kind=loss_kind)
    fit = fit_resource(data, template, params=("eta", "N0"), starts=(1e-2, 1.0))
    assert fit.var == var and fit.converged and fit.r2 > 0.99
    assert fit["eta"] == pytest.approx(0.05, rel=0.02)
    assert fit["N0"] == pytest.approx(0.1, rel=0.02)


def test_fit_resource_on_losses_is_not_a_fit_of_levels():
    # the bug this replaces: losses compared with the model's skill levels gave N0 ~ 1e3 and R^2 < 0 "converged"
    data = _noisy_run("ce", "skill_loss", seed=0)
    fit = fit_resource(data, sk.ResourceModel(p=sk.zipf(5, 1.5), eta=0.2, N0=1.0, loss_kind="ce"),
                       params=("eta", "N0"), var="skill_loss")
    pred = fit.predict(data.t.values)["skill_loss"].values
    np.testing.assert_allclose(pred, data.skill_loss.values, rtol=0.1, atol=1e-3)


def test_fit_resource_refuses_what_it_cannot_model():
    data = _noisy_run("ce", "skill_loss", seed=0)
    with pytest.raises(ValueError, match="no model of 'n_aligned'"):
        fit_resource(data, sk.ResourceModel(p=sk.zipf(5, 1.5), eta=0.2, N0=1.0, loss_kind="ce"), var="n_aligned")
    with pytest.raises(ValueError, match="'ce' losses but the template's loss_kind is 'mse'"):
        fit_resource(data, sk.ResourceModel(p=sk.zipf(5, 1.5), eta=0.2, N0=1.0, loss_kind="mse"))
    levels = data.drop_vars("skill_loss")
    levels.attrs = {k: v for k, v in data.attrs.items() if k not in ("chance",)}
    with pytest.raises(ValueError, match="accuracy of guessing"):
        fit_resource(levels.assign(accuracy=levels.skill_level),
                     sk.ResourceModel(p=sk.zipf(5, 1.5), eta=0.2, N0=1.0, loss_kind="ce"), var="accuracy")


# ------------------------------------------------------------------------------------------ fit_learning_times
def _times(t) -> xr.DataArray:
    return xr.DataArray(np.atleast_2d(np.asarray(t, np.float64)), dims=("seed", "skill"))


def _mse_parts(p, eps=0.1):
    """By hand (C = I, l0 = 1): t_i = (A_i + N0 tau_i) / eta, tau_i = ln(1/eps)/p_i,
    A_i = sum_j (1 - eps^(p_j/p_i))."""
    tau = np.log(1.0 / eps) / p
    A = np.sum(1.0 - eps ** (p[None, :] / p[:, None]), axis=1)
    return A, tau


def _profile_by_hand(N0, A, tau, t_hat):
    """Profile sum of squares of log t at one N0 (eta solved: the mean log residual), N0 = inf the limit."""
    r = (np.log(tau) if np.isinf(N0) else np.log(A + N0 * tau)) - np.log(t_hat)
    return float(np.sum((r - r.mean()) ** 2))


def _first_crossing(f, cut, grid):
    """Smallest x on a fine grid where f(x) <= cut, refined by brentq (independent of the fit's own scan)."""
    vals = np.array([f(x) for x in grid])
    j = int(np.flatnonzero(vals <= cut)[0])
    return optimize.brentq(lambda x: f(x) - cut, grid[j - 1], grid[j], xtol=1e-14, rtol=1e-12)


@pytest.mark.parametrize("loss_kind", ["mse", "ce"])
@pytest.mark.parametrize("N0", [0.05, 2.0, 40.0])
def test_time_fit_recovers_a_finite_N0(N0, loss_kind):
    p = zipf(25, 1.1)
    truth = ResourceModel(p=p, eta=0.3, N0=N0, loss_kind=loss_kind)
    t = np.asarray(truth.learning_times(0.9).values)
    fit = fit_learning_times(_times(t), ResourceModel(p=p, eta=1.0, N0=1.0, loss_kind=loss_kind))
    assert isinstance(fit, LearningTimeFit) and fit.limit is None and not fit.at_bound
    np.testing.assert_allclose([fit["eta"], fit["N0"], fit.time_scale], [0.3, N0, N0 / 0.3], rtol=1e-5)
    lo, hi = fit.N0_interval
    assert lo <= fit["N0"] <= hi and hi / lo < 1.001  # exact data: a tight set
    np.testing.assert_allclose(fit.predict(), t, rtol=1e-6)


def test_time_fit_noisy_finite_N0_lies_in_its_interval():
    p = zipf(40, 1.0)
    t = np.asarray(ResourceModel(p=p, eta=0.3, N0=0.5).learning_times(0.9).values)
    rng = np.random.default_rng(3)
    fit = fit_learning_times(_times(t * np.exp(0.02 * rng.standard_normal(40))), ResourceModel(p=p, eta=1.0, N0=1.0))
    lo, hi = fit.N0_interval
    assert fit.limit is None and 0.0 < lo < 0.5 < hi < np.inf
    assert fit.rms_log == pytest.approx(0.02, rel=0.4)


def test_time_fit_of_exact_independent_skills_is_the_N0_inf_limit():
    p = zipf(30, 1.3)
    c = 123.0
    t = c * np.log(10.0) / p  # t_i = (N0/eta) tau_i exactly: the limit N0 -> inf
    fit = fit_learning_times(_times(t), ResourceModel(p=p, eta=1.0, N0=0.1))
    assert fit.limit == "N0 -> inf" and fit.at_bound
    assert fit["N0"] == np.inf and fit["eta"] == np.inf
    assert fit.time_scale == pytest.approx(c, rel=1e-12)
    np.testing.assert_allclose(fit.predict(), t, rtol=1e-12)
    # the stand-in model reproduces the limit's times; its N0 is not reported as fitted
    np.testing.assert_allclose(np.asarray(fit.model.learning_times(0.9).values), t, rtol=1e-9)
    assert fit.N0_interval[1] == np.inf and fit.N0_interval[0] > 1e6  # exact data exclude every moderate N0
    N0s, sse = fit.profile
    assert N0s[0] == 0.0 and N0s[-1] == np.inf and sse[-1] == pytest.approx(0.0, abs=1e-20)
    assert np.all(np.diff(sse) <= 1e-15)  # the profile keeps decreasing toward the limit


def test_time_fit_one_sided_bound_at_the_inf_limit_by_hand():
    # t_hat_i = c tau_i exp(e_i) with e_i = -kappa (rho_i - mean rho), rho_i = A_i / tau_i. Then
    # S(N0) - S(inf) = sum (g - gbar)^2 + 2 kappa sum (g - gbar)(rho - rhobar), g_i = ln(1 + rho_i / N0) increasing
    # in rho_i: > 0 for every finite N0, so the limit is the minimum; the bound solves S(N0) = S(inf)(1 + F/(m-2)).
    p = zipf(12, 1.0)
    A, tau = _mse_parts(p)
    rho = A / tau
    kappa, c = 0.3 / np.ptp(rho), 50.0
    t_hat = c * tau * np.exp(-kappa * (rho - rho.mean()))
    fit = fit_learning_times(_times(t_hat), ResourceModel(p=p, eta=1.0, N0=0.1), level=0.95)
    assert fit.limit == "N0 -> inf" and fit.N0_interval[1] == np.inf
    assert fit.time_scale == pytest.approx(np.exp(np.mean(np.log(t_hat / tau))), rel=1e-10)
    m = p.size
    s_inf = _profile_by_hand(np.inf, A, tau, t_hat)
    assert fit.rms_log == pytest.approx(np.sqrt(s_inf / m), rel=1e-10)
    assert s_inf == pytest.approx(kappa**2 * np.sum((rho - rho.mean()) ** 2), rel=1e-10)
    cut = s_inf * (1.0 + stats.f.ppf(0.95, 1, m - 2) / (m - 2))
    bound = _first_crossing(lambda N0: _profile_by_hand(N0, A, tau, t_hat), cut, np.geomspace(1e-4, 1e6, 2001))
    assert fit.N0_interval[0] == pytest.approx(bound, rel=1e-6)
    # a looser level gives a tighter (higher) lower bound
    loose = fit_learning_times(_times(t_hat), ResourceModel(p=p, eta=1.0, N0=0.1), level=0.5)
    assert loose.N0_interval[0] > bound


def test_time_fit_N0_zero_end_by_hand():
    # t_hat_i = (A_i / eta) exp(e_i), e_i = +kappa (rho_i - mean rho): the profile rises from N0 = 0
    p = zipf(12, 1.0)
    A, tau = _mse_parts(p)
    rho = A / tau
    kappa, eta = 0.3 / np.ptp(rho), 0.02
    t_hat = A / eta * np.exp(kappa * (rho - rho.mean()))
    fit = fit_learning_times(_times(t_hat), ResourceModel(p=p, eta=1.0, N0=0.1))
    assert fit.limit == "N0 -> 0" and fit["N0"] == 0.0 and fit.time_scale == 0.0 and fit.at_bound
    assert fit["eta"] == pytest.approx(np.exp(np.mean(np.log(A / t_hat))), rel=1e-10)
    m = p.size
    s0 = _profile_by_hand(0.0, A, tau, t_hat)
    cut = s0 * (1.0 + stats.f.ppf(0.95, 1, m - 2) / (m - 2))
    grid = np.geomspace(1e6, 1e-8, 2001)  # from the top: the largest N0 inside the set
    upper = _first_crossing(lambda N0: _profile_by_hand(N0, A, tau, t_hat), cut, grid)
    assert fit.N0_interval[0] == 0.0 and fit.N0_interval[1] == pytest.approx(upper, rel=1e-6)
    np.testing.assert_allclose(fit.predict(), A / fit["eta"], rtol=1e-12)


def test_time_fit_given_N0_range_is_a_constraint():
    p = zipf(20, 1.0)
    t = np.asarray(ResourceModel(p=p, eta=0.3, N0=5.0).learning_times(0.9).values)
    fit = fit_learning_times(_times(t), ResourceModel(p=p, eta=1.0, N0=0.1), N0_range=(1e-3, 1.0))
    assert fit.at_bound and fit.limit is None and fit["N0"] == pytest.approx(1.0, rel=1e-12)
    assert fit.N0_interval[1] == pytest.approx(1.0)


def test_time_fit_bad_level_and_zero_times():
    p = zipf(5)
    t = _times(np.asarray(ResourceModel(p=p, eta=0.3, N0=1.0).learning_times(0.9).values))
    with pytest.raises(ValueError, match="level"):
        fit_learning_times(t, ResourceModel(p=p, eta=1.0, N0=0.1), level=1.0)
    with pytest.raises(ValueError, match="N0_range"):
        fit_learning_times(t, ResourceModel(p=p, eta=1.0, N0=0.1), N0_range=(-1.0, 2.0))
    with pytest.raises(ValueError, match="at or above the threshold"):
        fit_learning_times(t, ResourceModel(p=p, eta=1.0, N0=0.1, l0=np.array([0.05, 1, 1, 1, 1.0])))
