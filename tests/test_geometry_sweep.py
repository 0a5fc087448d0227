"""Geometry sweeps: every grid point equals `skillode.simulate` run by hand with the documented key convention
(seed ``s`` -> ``k_task, k_run = split(key(s))``), learning times tracked during the run equal the thresholded
hand trajectory, static axes, what is kept (curves_at, log spacing), blocks, stores, and input errors.

SignGD is optax's Adam with ``b1 = b2 = 0``, whose bias correction computes ``b1 ** count`` inside optax, which
strict dtype promotion rejects (see conftest.py): tests that run it are marked ``standard_dtype_promotion``, and the
module-scoped fixtures (set up outside the per-test promotion context) say which mode they run under.
"""

import jax
import numpy as np
import pytest

import skillode as sk
from skillode.distributed import SweepStore
from skillode.frequencies import zipf
from skillode.geometry import GeometryModel, simulate, task_vectors


def hand(seed, *, n, N, learning_rate, optimizer="signgd", steps, record_every, alpha=2.0, sigma=0.0,
         batch_size=None, loss_kind="mse", kind="orthonormal"):
    """One run as the GeometrySweep docstring defines it, built by hand."""
    k_task, k_run = jax.random.split(jax.random.key(seed))
    T = task_vectors(k_task, n, N, kind)
    model = GeometryModel(p=zipf(n, alpha), T=T, loss_kind=loss_kind, batch_size=batch_size, noise=sigma)
    return simulate(model, optimizer, steps, learning_rate=learning_rate, key=k_run, record_every=record_every)


def assert_point_equals(got, ref, curves=("skill_level",)):
    """A sweep point (spacing="all") equals a hand trajectory recorded at the same cadence."""
    np.testing.assert_array_equal(got.t.values, ref.t.values)
    for c in curves:
        np.testing.assert_array_equal(got[c].values, ref[c].values)
    np.testing.assert_array_equal(got.loss.values, ref.loss.values)
    np.testing.assert_array_equal(got.final_skill_level.values, ref.skill_level.values[:, -1])
    np.testing.assert_array_equal(got.final_skill_loss.values, ref.skill_loss.values[:, -1])


# ------------------------------------------------------------------------------------------------------------
# learning_rate x seed, SignGD with mini-batches and gradient noise

LR = dict(n=4, N=30, alpha=1.5, sigma=0.1, batch_size=16, steps=200, record_every=10)
LRS, SEEDS = [0.003, 0.03], [0, 1]


@pytest.fixture(scope="module")
def lr_runs():
    """The sweep and its four points by hand (standard promotion: SignGD is optax's Adam)."""
    with jax.numpy_dtype_promotion("standard"):
        sweep = sk.GeometrySweep(axes={"learning_rate": LRS, "seed": SEEDS}, n=LR["n"], N=LR["N"], alpha=LR["alpha"],
                                 sigma=LR["sigma"], batch_size=LR["batch_size"], optimizer="signgd")
        ds = sweep.run(LR["steps"], record_every=LR["record_every"], spacing="all",
                       curves=("skill_level", "skill_loss", "n_aligned"), threshold=0.9, check_every=10,
                       progress=False)
        refs = {(lr, s): hand(s, learning_rate=lr, **LR) for lr in LRS for s in SEEDS}
    return ds, refs


def test_lr_seed_grid_points_equal_hand_simulations(lr_runs):
    ds, refs = lr_runs
    assert ds.skill_level.dims == ("learning_rate", "seed", "skill", "t")
    assert ds.loss.dims == ("learning_rate", "seed", "t")
    np.testing.assert_array_equal(ds.learning_rate.values, LRS)
    np.testing.assert_array_equal(ds.t.values, np.arange(0.0, 201.0, 10.0))
    assert ds.p.dims == ("skill",)
    np.testing.assert_array_equal(ds.p.values, zipf(4, 1.5))
    for (lr, s), ref in refs.items():
        # vmapped eta times an optimizer built with rate 1 == an optimizer built with eta: bit for bit
        assert_point_equals(ds.sel(learning_rate=lr, seed=s), ref, curves=("skill_level", "skill_loss", "n_aligned"))
    # the points really differ (seeds draw other task vectors and batches, rates move differently)
    a, b, c = (ds.skill_level.sel(learning_rate=lr, seed=s).values for lr, s in [(0.03, 0), (0.03, 1), (0.003, 0)])
    assert not np.allclose(a, b) and not np.allclose(a, c)
    assert np.all(np.isnan(ds.n_aligned.isel(t=0).values))  # no step before t = 0


def test_learning_time_is_the_first_check_that_crosses(lr_runs):
    ds, refs = lr_runs
    assert ds.learning_time.dims == ("learning_rate", "seed", "skill")
    assert ds.learning_time.attrs["resolution"] == 10 and ds.attrs["threshold"] == 0.9
    for (lr, s), ref in refs.items():
        expected = sk.learning_times(ref, sk.Threshold(0.9, interpolate=False)).values
        np.testing.assert_array_equal(ds.learning_time.sel(learning_rate=lr, seed=s).values, expected)
    times = ds.learning_time.values
    assert np.isnan(times).any() and np.isfinite(times).any()  # both cases are exercised
    # an independent read of the kept curves (recorded at every check here)
    levels = ds.skill_level.values
    for idx in np.ndindex(times.shape):
        if np.isnan(times[idx]):
            assert np.all(levels[idx] < 0.9)
        else:
            k = int(times[idx] // 10)
            assert times[idx] % 10 == 0 and levels[idx][k] >= 0.9 and np.all(levels[idx][:k] < 0.9)


# ------------------------------------------------------------------------------------------------------------
# alpha x seed with SGD; threshold on the loss, checked more often than recorded


def test_loss_threshold_checked_finer_than_the_records():
    alphas, kw = [1.0, 2.0], dict(n=3, N=12, learning_rate=0.04, optimizer="sgd", batch_size=4)
    with jax.numpy_dtype_promotion("strict"):
        sweep = sk.GeometrySweep(axes={"alpha": alphas, "seed": [0, 1]}, **kw)
        th = sk.Threshold(0.01, on="loss")
        ds = sweep.run(300, record_every=30, check_every=5, spacing="all", curves=("skill_loss",), threshold=th,
                       progress=False)
        assert ds.p.dims == ("alpha", "skill")
        np.testing.assert_array_equal(ds.p.sel(alpha=2.0).values, zipf(3, 2.0))
        assert ds.attrs["on"] == "loss" and ds.attrs["check_every"] == 5
        found = []
        for a in alphas:
            for s in (0, 1):
                fine = hand(s, alpha=a, steps=300, record_every=5, **kw)  # recorded at every check
                expected = sk.learning_times(fine, sk.Threshold(0.01, on="loss", interpolate=False)).values
                got = ds.sel(alpha=a, seed=s)
                np.testing.assert_array_equal(got.learning_time.values, expected)
                np.testing.assert_array_equal(got.skill_loss.values, fine.skill_loss.values[:, ::6])
                np.testing.assert_array_equal(got.loss.values, fine.loss.values[::6])
                found.append(expected)
    found = np.concatenate(found)
    assert np.isfinite(found).any() and np.isnan(found).any()
    assert np.any(np.mod(found[np.isfinite(found)], 30) != 0)  # the 5-step checks resolve between the records


# ------------------------------------------------------------------------------------------------------------
# static axes


@pytest.mark.standard_dtype_promotion
def test_N_and_optimizer_axes_and_curves_at():
    kw = dict(n=3, learning_rate=0.05, steps=100, record_every=10)
    sweep = sk.GeometrySweep(axes={"N": [8, 16], "optimizer": ["sgd", "signgd"]}, n=3, learning_rate=0.05)
    ds = sweep.run(100, record_every=10, spacing="all", curves=("skill_level",), curves_at={"N": [16]},
                   progress=False)
    assert ds.skill_level.dims == ("N", "optimizer", "skill", "t")
    np.testing.assert_array_equal(ds.N.values, [8, 16])
    assert list(ds.optimizer.values) == ["sgd", "signgd"]
    assert np.all(np.isnan(ds.skill_level.sel(N=8).values))  # curves only where asked
    assert np.all(np.isfinite(ds.skill_level.sel(N=16).values))
    assert np.all(np.isfinite(ds.loss.values)) and np.all(np.isfinite(ds.final_skill_level.values))
    assert_point_equals(ds.sel(N=16, optimizer="sgd"), hand(0, N=16, optimizer="sgd", **kw))
    ref = hand(0, N=8, optimizer="signgd", **kw)
    got = ds.sel(N=8, optimizer="signgd")
    np.testing.assert_array_equal(got.loss.values, ref.loss.values)
    np.testing.assert_array_equal(got.final_skill_level.values, ref.skill_level.values[:, -1])
    assert not np.allclose(ds.loss.sel(N=16, optimizer="sgd"), ds.loss.sel(N=16, optimizer="signgd"))


@pytest.mark.standard_dtype_promotion
def test_loss_kind_and_task_vectors_axes():
    kw = dict(n=3, N=10, learning_rate=0.05, batch_size=8, steps=100, record_every=10)
    sweep = sk.GeometrySweep(axes={"loss_kind": ["mse", "ce"], "task_vectors": ["orthonormal", "gaussian"]},
                             n=3, N=10, learning_rate=0.05, batch_size=8)
    ds = sweep.run(100, record_every=10, spacing="all", curves=("skill_level",), progress=False)
    assert ds.final_skill_level.dims == ("loss_kind", "task_vectors", "skill")
    assert list(ds.loss_kind.values) == ["mse", "ce"]
    assert list(ds.task_vectors.values) == ["orthonormal", "gaussian"]
    assert_point_equals(ds.sel(loss_kind="ce", task_vectors="gaussian"), hand(0, loss_kind="ce", kind="gaussian", **kw))
    mse = ds.skill_level.sel(loss_kind="mse")
    assert not np.allclose(mse.sel(task_vectors="orthonormal"), mse.sel(task_vectors="gaussian"))
    np.testing.assert_allclose(ds.skill_level.sel(loss_kind="ce").isel(t=0).values, 0.5)  # sigmoid(0)
    np.testing.assert_array_equal(ds.skill_level.sel(loss_kind="mse").isel(t=0).values, 0.0)


BS = dict(n=3, N=10, learning_rate=0.05, optimizer="sgd")


@pytest.fixture(scope="module")
def bs_sweep():
    return sk.GeometrySweep(axes={"batch_size": [None, 4], "sigma": [0.0, 0.3]}, **BS)


@pytest.fixture(scope="module")
def bs_ds(bs_sweep):
    with jax.numpy_dtype_promotion("strict"):
        return bs_sweep.run(100, record_every=10, spacing="all", curves=("skill_level",), progress=False)


def test_batch_size_and_sigma_axes(bs_ds):
    ds = bs_ds
    np.testing.assert_array_equal(ds.batch_size.values, [-1, 4])  # None (the exact gradient) is -1
    np.testing.assert_array_equal(ds.sigma.values, [0.0, 0.3])
    for B, sigma in [(None, 0.0), (None, 0.3), (4, 0.3)]:
        ref = hand(0, batch_size=B, sigma=sigma, steps=100, record_every=10, **BS)
        assert_point_equals(ds.sel(batch_size=-1 if B is None else B, sigma=sigma), ref)
    exact = ds.skill_level.sel(batch_size=-1, sigma=0.0).values
    assert not np.allclose(exact, ds.skill_level.sel(batch_size=4, sigma=0.0).values)
    assert not np.allclose(exact, ds.skill_level.sel(batch_size=-1, sigma=0.3).values)


def test_block_size_does_not_change_the_numbers(bs_sweep, bs_ds):
    assert bs_sweep.plan(100, record_every=10).grid.block == (1, 2)  # by default the two sigmas share a block
    alone = sk.GeometrySweep(axes={"sigma": [0.0, 0.3]}, batch_size=4, **BS)
    assert alone.plan(100, record_every=10, block_size=1).grid.block == (1,)
    with jax.numpy_dtype_promotion("strict"):
        one = alone.run(100, record_every=10, spacing="all", curves=("skill_level",), block_size=1, progress=False)
    ref = bs_ds.sel(batch_size=4)
    for name in ref.data_vars:
        # one point per block or two vmapped together: bit-identical here (the tolerance leaves room for BLAS)
        np.testing.assert_allclose(one[name].values, ref[name].values, rtol=1e-12, atol=0)


# ------------------------------------------------------------------------------------------------------------
# what is kept: log / linear spacing, chunks


@pytest.fixture(scope="module")
def fine_hand():
    with jax.numpy_dtype_promotion("strict"):
        return {s: hand(s, n=3, N=10, learning_rate=0.01, optimizer="sgd", batch_size=4, steps=1000, record_every=5)
                for s in (0, 1)}


@pytest.mark.parametrize("spacing", ["log", "linear"])
def test_spaced_times_are_a_subset_of_the_records(spacing, fine_hand):
    sweep = sk.GeometrySweep(axes={"seed": [0, 1]}, n=3, N=10, learning_rate=0.01, optimizer="sgd", batch_size=4)
    ds = sweep.run(1000, record_every=5, n_times=12, spacing=spacing, curves=("skill_level",), chunk=7,
                   check_every=5, progress=False)
    t = ds.t.values
    assert t[0] == 0 and t[-1] == 1000 and np.all(np.diff(t) > 0)
    assert len(t) <= 13 and np.all(np.mod(t, 5) == 0)
    if spacing == "log":
        assert t[1] == 5 and np.all(np.diff(np.log(t[1:])) > 0) and (t[2] - t[1]) < (t[-1] - t[-2])
    for s, ref in fine_hand.items():
        sub = ref.sel(t=t)
        got = ds.sel(seed=s)
        np.testing.assert_array_equal(got.loss.values, sub.loss.values)
        np.testing.assert_array_equal(got.skill_level.values, sub.skill_level.values)
        np.testing.assert_array_equal(got.final_skill_level.values, ref.skill_level.values[:, -1])
        expected = sk.learning_times(ref, sk.Threshold(0.9, interpolate=False)).values  # checked every 5 steps
        np.testing.assert_array_equal(got.learning_time.values, expected)


# ------------------------------------------------------------------------------------------------------------
# the modular model: one-hot task vectors, fewer dimensions than skills


def test_one_hot_skills_beyond_N_never_learn():
    kw = dict(n=5, N=3, learning_rate=2.0, optimizer="sgd", loss_kind="ce", task_vectors="one_hot")
    with jax.numpy_dtype_promotion("strict"):
        ds = sk.GeometrySweep(axes={"seed": [0]}, alpha=1.0, **kw).run(400, record_every=10, progress=False)
    times = ds.learning_time.isel(seed=0).values
    assert np.all(np.isfinite(times[:3])), times  # one dimension each: learned, most frequent first
    assert np.all(np.diff(times[:3]) >= 0)
    assert np.all(np.isnan(times[3:]))
    final = ds.final_skill_level.isel(seed=0).values
    assert np.all(final[:3] >= 0.9)
    np.testing.assert_array_equal(final[3:], 0.5)  # t_i = 0: sigmoid(0) forever
    np.testing.assert_allclose(ds.final_skill_loss.isel(seed=0).values[3:], np.log(2.0), rtol=1e-15)


# ------------------------------------------------------------------------------------------------------------
# stores


def test_store_round_trip(tmp_path, bs_sweep, bs_ds):
    path = tmp_path / "g.zarr"
    run = dict(record_every=10, spacing="all", curves=("skill_level",), progress=False)
    with jax.numpy_dtype_promotion("strict"):
        first = bs_sweep.run(100, store=path, **run)
        plan = bs_sweep.plan(100, record_every=10, spacing="all", curves=("skill_level",))
        np.testing.assert_array_equal(SweepStore(path, plan).writes(), [[1], [1]])  # one block per batch size
        again = bs_sweep.run(100, store=path, **run)  # resumes: nothing left to compute
        np.testing.assert_array_equal(SweepStore(path, plan).writes(), [[1], [1]])
    for name in bs_ds.data_vars:
        np.testing.assert_array_equal(first[name].values, bs_ds[name].values)
        np.testing.assert_array_equal(again[name].values, bs_ds[name].values)
    assert again.attrs["N"] == 10 and again.attrs["optimizer"] == "sgd"
    other = sk.GeometrySweep(axes={"batch_size": [None, 4], "sigma": [0.0, 0.3]}, **{**BS, "learning_rate": 0.1})
    with pytest.raises(ValueError, match="different sweep"):
        other.run(100, store=path, **run)
    with pytest.raises(ValueError, match="different sweep"):
        bs_sweep.run(200, store=path, **run)


# ------------------------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(axes={"temperature": [1.0]}, n=3, learning_rate=0.1), "unknown GeometrySweep axis 'temperature'"),
        (dict(axes={}, n=3, learning_rate=0.1), "axes must be a non-empty mapping"),
        (dict(axes={"N": [10, 20]}, n=3, N=10, learning_rate=0.1), "'N' is a sweep axis"),
        (dict(axes={"learning_rate": [0.1]}, n=3, learning_rate=0.1), "'learning_rate' is a sweep axis"),
        (dict(axes={"seed": [0, 1]}, n=3), "learning_rate is required"),
        (dict(axes={"seed": [0]}, n=3, learning_rate=0.1, sigma=-0.1), "sigma must be"),
        (dict(axes={"sigma": [0.0, -0.1]}, n=3, learning_rate=0.1), "axis 'sigma'"),
        (dict(axes={"learning_rate": [0.1, 0.0]}, n=3), "axis 'learning_rate'"),
        (dict(axes={"alpha": [1.0, 1.0]}, n=3, learning_rate=0.1), "distinct"),
        (dict(axes={"seed": [0]}, n=5, N=3, learning_rate=0.1), "task_vectors='orthonormal' needs n <= N"),
        (dict(axes={"N": [3, 10]}, n=5, learning_rate=0.1), "task_vectors='orthonormal' needs n <= N"),
        (dict(axes={"optimizer": ["sgd", "rmsprop"]}, n=3, learning_rate=0.1), "axis 'optimizer'"),
        (dict(axes={"loss_kind": ["ce"]}, n=3, learning_rate=0.1, gradient="mimicked"), "mimicked"),
        (dict(axes={"seed": [0]}, n=3, learning_rate=0.1, dtype="float16"), "dtype"),
    ],
)
def test_bad_sweep_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sk.GeometrySweep(**kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(curves=("accuracy",)), "curves must be among"),
        (dict(curves=("skill_level",), curves_at={"N": [10]}), "curves_at names 'N'"),
        (dict(threshold=sk.Threshold(0.5, on="accuracy")), "threshold"),
        (dict(threshold=sk.Threshold(0.5, on="n_aligned")), "threshold"),
        (dict(record_every=30), r"steps \(100\) must be a multiple of record_every \(30\)"),
        (dict(spacing="geometric"), "spacing"),
        (dict(block_size=0), "block_size"),
    ],
)
def test_bad_run_arguments(kwargs, match):
    sweep = sk.GeometrySweep(axes={"seed": [0, 1]}, n=3, N=10, learning_rate=0.1)
    with pytest.raises(ValueError, match=match):
        sweep.plan(100, **kwargs)
