"""Theory vs experiment plumbing: a Resource-model trajectory posing as a measurement is recovered exactly."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr

import skillode as sk
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
