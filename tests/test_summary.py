"""Learning times of scan sweeps: exact to the step by default (a default GeometrySweep / TrainingSweep gives the
times of `skillode.simulate` / `skillode.networks.train` recorded at every step), one attrs spelling read back by
`Threshold.from_attrs`, the ``learned`` coordinate, and a warning when every time equals the first check.

SignGD (the GeometrySweep default) and Adam are optax's Adam, whose bias correction strict dtype promotion rejects
inside optax (see conftest.py): the tests that run them are marked ``standard_dtype_promotion``.
"""

import warnings
from functools import partial

import jax
import numpy as np
import pytest

import skillode as sk
from skillode.frequencies import zipf
from skillode.geometry import GeometryModel, simulate, task_vectors
from skillode.networks import MLP, QuantizedSparseParity, TrainingSweep, train
from skillode.sweeps.summary import Summary

GEO = dict(n=4, N=20, learning_rate=0.01, batch_size=8, sigma=0.05)
STEPS = 200


def simulated(seed, alpha, *, n, N, learning_rate, batch_size, sigma, optimizer="signgd"):
    """The sweep point as the GeometrySweep docstring defines it (seed s -> k_task, k_run = split(key(s))),
    recorded at every step."""
    k_task, k_run = jax.random.split(jax.random.key(seed))
    model = GeometryModel(p=zipf(n, alpha), T=task_vectors(k_task, n, N, "orthonormal"), batch_size=batch_size,
                          noise=sigma)
    return simulate(model, optimizer, STEPS, learning_rate=learning_rate, key=k_run, record_every=1)


def test_summary_checks_every_step_by_default():
    s = Summary.build(steps=20_000)
    assert (s.record_every, s.check_every) == (200, 1)
    assert Summary.build(steps=100, check_every=10).check_every == 10


@pytest.mark.standard_dtype_promotion
def test_default_geometry_sweep_times_equal_simulate_to_the_step():
    alphas, seeds = [1.0, 2.0], [0, 1]
    ds = sk.GeometrySweep(axes={"alpha": alphas, "seed": seeds}, **GEO).run(STEPS, progress=False)
    assert ds.attrs["record_every"] == 2 and ds.attrs["check_every"] == 1  # the defaults
    # one attrs spelling, read back: the sweep's condition, in steps (no interpolation)
    assert "threshold_on" not in ds.attrs
    threshold = sk.Threshold.from_attrs(ds.attrs)
    assert (float(threshold.level), threshold.on, threshold.interpolate) == (0.9, "skill_level", False)
    assert sk.Threshold.from_attrs(ds.learning_time.attrs).on == "skill_level"
    found = []
    for a in alphas:
        for s in seeds:
            ref = simulated(s, a, **GEO)
            got = ds.learning_time.sel(alpha=a, seed=s).values
            np.testing.assert_array_equal(got, sk.learning_times(ref, threshold).values)
            # the default (interpolating) threshold on the same trajectory falls in the step before
            interpolated = sk.learning_times(ref, 0.9).values
            np.testing.assert_array_equal(np.ceil(interpolated), got)
            found.append(got)
    found = np.concatenate(found)
    assert np.isfinite(found).any() and np.isnan(found).any()
    assert np.any(np.mod(found[np.isfinite(found)], 2) != 0)  # resolved between the records
    # the learned coordinate, on the scan sweep's learning_time too
    assert ds.learned.dims == ds.learning_time.dims
    np.testing.assert_array_equal(ds.learned.values, np.isfinite(ds.learning_time.values))


def make_model(width, key):
    return MLP((8, width, 2), "relu", key=key)


def make_task(alpha, key):
    return QuantizedSparseParity(n_control=3, n_data=5, k=2, alpha=alpha, key=key, n_eval_per_skill=32)


@pytest.mark.standard_dtype_promotion
def test_default_training_sweep_times_equal_train_to_the_step():
    steps = 120
    sweep = TrainingSweep(axes={"seed": [0, 1]}, make_model=make_model, make_task=make_task,
                          task_values={"alpha": 1.0}, width=16, optimizer="adam", learning_rate=3e-2, batch_size=32)
    ds = sweep.run(steps, record_every=10, progress=False)
    assert ds.attrs["check_every"] == 1
    found = []
    for s in (0, 1):
        ref = train(partial(make_model, 16), partial(make_task, alpha=1.0), sk.make_optimizer("adam", 3e-2), seed=s,
                    steps=steps, log_every=1, batch_size=32, progress=False)
        expected = sk.learning_times(ref, sk.Threshold.from_attrs(ds.attrs)).values
        np.testing.assert_array_equal(ds.learning_time.sel(seed=s).values, expected)
        found.append(expected)
    found = np.concatenate(found)
    assert np.isfinite(found).any() and np.any(np.mod(found[np.isfinite(found)], 10) != 0)


def test_times_all_at_the_first_check_warn():
    """Every skill learned within the first check: a coarse check_every hides the times, and says so."""
    sweep = sk.GeometrySweep(axes={"seed": [0, 1]}, n=2, N=4, alpha=0.0, learning_rate=1.0, optimizer="sgd")
    with pytest.warns(UserWarning, match=r"check_every = 50 steps.*check_every=1"):
        coarse = sweep.run(200, check_every=50, progress=False)
    np.testing.assert_array_equal(coarse.learning_time.values, 50.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = sweep.run(200, progress=False)
    times = exact.learning_time.values
    assert np.all(times < 50) and np.all(times >= 1)
    assert exact.learned.values.all()
