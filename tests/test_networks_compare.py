"""Theory vs experiment plumbing: a Resource-model trajectory posing as a measurement is recovered exactly."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr

import skillode as sk
from skillode.fit import fit_learning_times, measured_learning_times, median_learning_times
from skillode.networks import MLP, QuantizedSparseParity, train
from skillode.networks.compare import compare_learning_times, fit_to_network, format_comparison, rank_agreement
from skillode.resource import ResourceModel


def _as_measurement(model, ts, n_seeds=3):
    ds = model.solve(ts, method="discrete")
    return xr.concat([ds] * n_seeds, dim=xr.DataArray(np.arange(n_seeds), dims="seed", name="seed")).transpose(
        "seed", "skill", "t")


def test_theory_posing_as_measurement_is_recovered():
    truth = ResourceModel(p=sk.zipf(5), eta=0.02, N0=0.05)
    ts = np.arange(0, 1201, 10.0)
    measured = _as_measurement(truth, ts)
    table = compare_learning_times(measured, truth)
    # the discrete map vs the closed form of the continuous model: within a couple of steps
    np.testing.assert_allclose(table["median"], table["predicted"], atol=10.0)
    assert table.attrs["n_runs"] == 3 and np.all(table["n_learned"].values == 3)
    fit = fit_to_network(measured, ResourceModel(p=sk.zipf(5), eta=0.01, N0=0.2))
    np.testing.assert_allclose([fit["eta"], fit["N0"]], [0.02, 0.05], rtol=1e-4)
    agree = rank_agreement(table)
    assert agree["spearman"] == pytest.approx(1.0) and agree["median_abs_rel_error"] < 0.02
    text = format_comparison(table)
    first = text.splitlines()[2].split("|")  # the row of skill 1: theory and measured median, rounded to steps
    assert float(first[1]) == round(float(table.predicted[0])) and float(first[2].split("[")[0]) == round(
        float(table["median"][0]))


def test_mismatched_skills_raise():
    measured = _as_measurement(ResourceModel(p=sk.zipf(3), eta=0.02, N0=0.05), np.arange(0, 101, 10.0))
    with pytest.raises(ValueError, match="skills"):
        fit_to_network(measured, ResourceModel(p=sk.zipf(4), eta=0.02, N0=0.05))
    with pytest.raises(ValueError, match="skills"):
        compare_learning_times(measured, ResourceModel(p=sk.zipf(4), eta=0.02, N0=0.05))


@pytest.mark.standard_dtype_promotion  # optax's Adam: b1 ** count (see conftest.py)
def test_tiny_quantized_parity_end_to_end():
    task = QuantizedSparseParity(n_control=4, n_data=8, k=2, alpha=1.5, key=jax.random.key(0), dtype=jnp.float32)
    net = partial(MLP, (12, 64, 2), "relu", dtype=jnp.float32)
    ds = train(net, task, sk.make_optimizer("adam", 3e-3), steps=800, seed=[0, 1], log_every=20, batch_size=256,
               progress=False)
    t = sk.learning_times(ds, 0.9).median("seed")
    assert np.isfinite(t.sel(skill=1)) and float(t.sel(skill=1)) < np.nanmin(t.sel(skill=[3, 4]).values, initial=1e9)
    fit = fit_to_network(ds, ResourceModel(p=task.p, eta=0.01, N0=0.01), throw=False)
    assert fit.r2 > 0.3


# ---------------------------------------------------------------------------------------------- time fits
def _times(values, n_skills=None):
    values = np.asarray(values, np.float64)
    return xr.DataArray(values, dims=("seed", "skill"), coords={"skill": np.arange(1, values.shape[1] + 1)},
                        name="learning_time")


def test_median_counts_never_learned_as_late_not_dropped():
    times = _times([[100.0, 200.0, 300.0], [110.0, np.nan, np.nan], [120.0, 250.0, np.nan]])
    med = median_learning_times(times)
    # skill 1: all learned; skill 2: one run never -> the median is the larger of the two learned;
    # skill 3: two of three never -> not learned by the median run (a nanmedian would say 300)
    np.testing.assert_array_equal(med[:2], [110.0, 250.0])
    assert np.isnan(med[2])
    table = compare_learning_times(times, ResourceModel(p=sk.zipf(3), eta=0.02, N0=0.05))
    np.testing.assert_array_equal(table["n_learned"].values, [3, 2, 1])
    assert np.isnan(table["median"].values[2])


@pytest.mark.parametrize("loss_kind", ["mse", "ce"])
def test_time_fit_recovers_eta_and_N0_from_the_closed_form(loss_kind):
    truth = ResourceModel(p=sk.zipf(40, 1.2), eta=0.03, N0=0.2, loss_kind=loss_kind)
    t = np.asarray(truth.learning_times(0.9).values)
    measured = _times(np.stack([t, t * 1.1, t / 1.1]))  # the median run is the truth
    fit = fit_learning_times(measured, ResourceModel(p=sk.zipf(40, 1.2), eta=1.0, N0=1.0, loss_kind=loss_kind))
    np.testing.assert_allclose([fit["eta"], fit["N0"]], [0.03, 0.2], rtol=1e-4)
    assert fit.rms_log < 1e-5 and not fit.at_bound and fit.fitted.all()
    np.testing.assert_allclose(fit.predict(), t, rtol=1e-4)
    assert rank_agreement(compare_learning_times(measured, fit.model))["median_abs_rel_error"] < 1e-4


def test_time_fit_of_independent_skills_ends_on_the_N0_bound():
    p = sk.zipf(30, 1.0)
    fit = fit_learning_times(_times([50.0 / p, 55.0 / p, 45.0 / p]), ResourceModel(p=p, eta=1.0, N0=1.0))
    # t ∝ 1/p exactly is the N0 -> inf limit: the fit says so instead of returning an arbitrary N0
    assert fit.at_bound and fit.limit == "N0 -> inf" and fit["N0"] == np.inf
    # only N0 / eta is identified there: t_i -> (N0/eta) ln(10) / p_i
    assert fit.time_scale * np.log(10.0) == pytest.approx(50.0, rel=1e-9)


def test_time_fit_bad_input():
    p = sk.zipf(4)
    template = ResourceModel(p=p, eta=1.0, N0=1.0)
    with pytest.raises(ValueError, match="only 2 skills"):
        fit_learning_times(_times([[10.0, 20.0, np.nan, np.nan]] * 3), template)
    with pytest.raises(ValueError, match="N0_range"):
        fit_learning_times(_times([[10.0, 20.0, 30.0, 40.0]]), template, N0_range=(1.0, 0.5))
    with pytest.raises(ValueError, match="skills"):
        fit_learning_times(_times([[10.0, 20.0, 30.0]]), template)
    with pytest.raises(ValueError, match="template"):
        fit_learning_times(_times([[10.0, 20.0, 30.0, 40.0]]), "resource")
    with pytest.raises(ValueError, match="n_grid"):
        fit_learning_times(_times([[10.0, 20.0, 30.0, 40.0]]), template, n_grid=1)


def test_sweep_learning_times_are_used_at_their_own_threshold():
    ds = xr.Dataset({"learning_time": _times([[10.0, 20.0, 30.0]])}, attrs={"threshold": 0.9})
    np.testing.assert_array_equal(measured_learning_times(ds, 0.9).values, [[10.0, 20.0, 30.0]])
    with pytest.raises(ValueError, match="threshold 0.9"):
        measured_learning_times(ds, 0.5)


def test_rank_agreement_refuses_fewer_than_three_skills():
    truth = ResourceModel(p=sk.zipf(2), eta=0.02, N0=0.05)
    table = compare_learning_times(_as_measurement(truth, np.arange(0, 1201, 10.0)), truth)
    with pytest.raises(ValueError, match="at least 3 skills .* got 2 of 2"):
        rank_agreement(table)
