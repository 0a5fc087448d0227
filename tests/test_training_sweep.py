"""Training sweeps: a grid point equals `skillode.networks.train` run by hand with the same factories, seed and
optimizer; learning times tracked during the run equal the thresholded hand trajectory; a task axis that changes
the number of skills pads with NaN; static/vmapped axes; input errors.

Every training run happens in one module-scoped fixture (compiling is what costs here). It uses optax's Adam, whose
bias correction (``b1 ** count``) strict dtype promotion rejects inside optax (see conftest.py), and it is set up
outside the per-test promotion context, so it asks for standard promotion itself; the other tests run strict.
"""

from functools import partial

import jax
import numpy as np
import pytest

import skillode as sk
from skillode.frequencies import zipf
from skillode.networks import MLP, MultitaskSparseParity, QuantizedSparseParity, TrainingSweep, train

BITS = 10  # input width: n_control one-hot control bits + (BITS - n_control) data bits, whatever n_control
RUN = dict(steps=200, log_every=10, batch_size=32)


def make_model(width, key):
    return MLP((BITS, width, 2), "relu", key=key)


def make_task(n_control, alpha, key):
    return QuantizedSparseParity(n_control=n_control, n_data=BITS - n_control, k=2, alpha=alpha, key=key,
                                 n_eval_per_skill=32)


def make_parity(subsets, key):
    return MultitaskSparseParity(subsets=subsets, key=key, n_samples=64, n_bits=6)


def by_hand(*, width=16, optimizer="adam", learning_rate, seed, n_control=3, alpha=1.0):
    """One run as the TrainingSweep docstring defines it."""
    return train(partial(make_model, width), partial(make_task, n_control=n_control, alpha=alpha),
                 sk.make_optimizer(optimizer, learning_rate), seed=seed, progress=False, **RUN)


def assert_point_equals(got, ref, n=None):
    """A sweep point (spacing="all") equals a hand trajectory on its first ``n`` skills."""
    n = ref.sizes["skill"] if n is None else n
    np.testing.assert_array_equal(got.t.values, ref.t.values)
    np.testing.assert_array_equal(got.skill_level.values[:n], ref.skill_level.values)
    np.testing.assert_allclose(got.loss.values, ref.loss.values, rtol=1e-12, atol=0)
    np.testing.assert_allclose(got.final_skill_loss.values[:n], ref.skill_loss.values[:, -1], rtol=1e-12, atol=0)
    np.testing.assert_array_equal(got.final_skill_level.values[:n], ref.skill_level.values[:, -1])
    np.testing.assert_array_equal(got.final_accuracy.values[:n], ref.accuracy.values[:, -1])


N_CONTROL, LRS, SEEDS = [3, 4], [1e-2, 3e-2], [0, 1]
HAND = [(3, 3e-2, 1), (4, 1e-2, 0)]  # points by hand (each rate compiles its own program): every axis value once


@pytest.fixture(scope="module")
def runs():
    """n_control x learning_rate x seed with Adam, and points by hand (standard promotion: optax's Adam).

    One sweep for all the training checks: each n_control compiles one program that vmaps its 4 runs."""
    with jax.numpy_dtype_promotion("standard"):
        sweep = TrainingSweep(axes={"n_control": N_CONTROL, "learning_rate": LRS, "seed": SEEDS},
                              make_model=make_model, make_task=make_task, task_values={"alpha": 1.0}, width=16,
                              optimizer="adam", batch_size=RUN["batch_size"])
        ds = sweep.run(RUN["steps"], record_every=RUN["log_every"], spacing="all", curves=("skill_level", "accuracy"),
                       check_every=RUN["log_every"], progress=False)
        refs = {(nc, lr, s): by_hand(n_control=nc, learning_rate=lr, seed=s) for nc, lr, s in HAND}
    return ds, refs


def test_grid_points_equal_train_by_hand(runs):
    ds, refs = runs
    assert ds.skill_level.dims == ("n_control", "learning_rate", "seed", "skill", "t")
    assert ds.final_accuracy.dims == ("n_control", "learning_rate", "seed", "skill")
    np.testing.assert_array_equal(ds.n_control.values, N_CONTROL)
    np.testing.assert_array_equal(ds.learning_rate.values, LRS)
    np.testing.assert_array_equal(ds.seed.values, SEEDS)
    assert ds.attrs["width"] == 16 and ds.attrs["optimizer"] == "adam" and ds.attrs["task_alpha"] == 1.0
    for (nc, lr, s), ref in refs.items():
        got = ds.sel(n_control=nc, learning_rate=lr, seed=s)
        # a vmapped rate times Adam built with rate 1 == Adam built with that rate (levels bit for bit, losses to
        # rounding: the sweep vmaps 4 runs, the reference runs alone)
        assert_point_equals(got, ref, nc)
        np.testing.assert_array_equal(got.accuracy.values[:nc], ref.accuracy.values)
    # the grid points are distinct runs (seed: other init, data and eval set; rate: other steps)
    lvl = ds.skill_level.sel(n_control=4)
    assert not np.array_equal(lvl.sel(learning_rate=1e-2, seed=0), lvl.sel(learning_rate=1e-2, seed=1))
    assert not np.array_equal(lvl.sel(learning_rate=1e-2, seed=0), lvl.sel(learning_rate=3e-2, seed=0))


def test_learning_time_equals_thresholded_train(runs):
    ds, refs = runs
    assert ds.attrs["threshold"] == 0.9 and ds.attrs["on"] == "skill_level"
    for (nc, lr, s), ref in refs.items():
        expected = sk.learning_times(ref, sk.Threshold(0.9, interpolate=False)).values
        np.testing.assert_array_equal(ds.learning_time.sel(n_control=nc, learning_rate=lr, seed=s).values[:nc],
                                      expected)
    times = ds.learning_time.sel(n_control=4).values
    assert np.isnan(times).any() and np.isfinite(times).any()  # both cases are exercised
    # a skill learned means its recorded level crossed 0.9 at that time (an independent read of the curves)
    levels = ds.skill_level.sel(n_control=4).values
    for idx in np.ndindex(times.shape):
        if np.isnan(times[idx]):
            assert np.all(levels[idx] < 0.9)
        else:
            k = int(times[idx] // RUN["log_every"])
            assert levels[idx][k] >= 0.9 and np.all(levels[idx][:k] < 0.9)


def test_task_axis_pads_fewer_skills_with_nan(runs):
    ds, _ = runs
    assert ds.sizes["skill"] == 4
    assert ds.p.dims == ("n_control", "skill")
    np.testing.assert_array_equal(ds.p.sel(n_control=4).values, zipf(4, 1.0))
    np.testing.assert_array_equal(ds.p.sel(n_control=3).values[:3], zipf(3, 1.0))
    assert np.isnan(ds.p.sel(n_control=3, skill=4))
    assert "skill_name" not in ds.coords  # the two tasks name their skills differently
    three, four = ds.sel(n_control=3), ds.sel(n_control=4)
    for name in ("learning_time", "final_skill_level", "final_skill_loss", "final_accuracy", "skill_level",
                 "accuracy"):
        assert np.all(np.isnan(three[name].sel(skill=4).values)), name
    for name in ("final_skill_level", "final_skill_loss", "final_accuracy", "skill_level", "accuracy"):
        assert np.all(np.isfinite(three[name].sel(skill=[1, 2, 3]).values)), name
        assert np.all(np.isfinite(four[name].values)), name
    assert np.all(np.isfinite(ds.loss.values))


def test_static_and_vmapped_axes():
    sweep = TrainingSweep(axes={"width": [8, 16], "optimizer": ["sgd", "adam"], "seed": [0, 1, 2],
                                "learning_rate": [1e-3, 1e-2]},
                          make_model=make_model, make_task=make_task, task_values={"n_control": 3, "alpha": 1.0},
                          batch_size=8)
    plan = sweep.plan(20, record_every=10)
    # width and optimizer change the program: one value per block; seeds and rates are vmapped inside it
    assert plan.grid.static == (True, True, False, False)
    assert plan.grid.block == (1, 1, 3, 2)
    assert plan.grid.n_blocks == 4
    coords = plan.coords()
    np.testing.assert_array_equal(coords["width"], [8, 16])
    assert list(coords["optimizer"]) == ["sgd", "adam"]
    assert plan.variables()["learning_time"] == (("skill",), (3,))
    assert sweep.plan(20, record_every=10, block_size=2).grid.block == (1, 1, 1, 2)
    # one task for the whole sweep: its skill names and frequencies label the skill dim
    dims, names = coords["skill_name"]
    assert dims == ("skill",) and list(names) == ["task1", "task2", "task3"]
    assert coords["p"][0] == ("skill",)
    np.testing.assert_array_equal(coords["p"][1], zipf(3, 1.0))


# ------------------------------------------------------------------------------------------------------------
# errors


BASE = dict(make_model=make_model, make_task=make_task, task_values={"n_control": 3, "alpha": 1.0})


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(axes={"seed": [0, 1]}, seed=0, width=8, learning_rate=0.1), "'seed' is a sweep axis"),
        (dict(axes={"width": [8, 16]}, width=8, learning_rate=0.1), "'width' is a sweep axis"),
        (dict(axes={"alpha": [1.0, 2.0]}, width=8, learning_rate=0.1), "'alpha' is a sweep axis"),  # in task_values
        (dict(axes={"seed": [0, 1]}, width=8), "learning_rate is required"),
        (dict(axes={"seed": [0, 1]}, learning_rate=0.1), "width is required"),
        (dict(axes={"seed": [0, 1]}, width=8, learning_rate=0.1, optimizer="rmsprop"), "optimizer must be one of"),
        (dict(axes={"optimizer": ["adam", "rmsprop"]}, width=8, learning_rate=0.1), "axis 'optimizer'"),
        (dict(axes={"learning_rate": [0.1, -0.1]}, width=8), "axis 'learning_rate'"),
        (dict(axes={"seed": [0, -1]}, width=8, learning_rate=0.1), "axis 'seed'"),
        (dict(axes={"seed": [0, 0]}, width=8, learning_rate=0.1), "distinct"),
        (dict(axes={}, width=8, learning_rate=0.1), "non-empty mapping"),
        (dict(axes={"seed": []}, width=8, learning_rate=0.1), "non-empty sequence"),
        (dict(axes={"seed": [0]}, width=8, learning_rate=0.1, make_model=None), "callables"),
    ],
)
def test_bad_sweep_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainingSweep(**{**BASE, **kwargs})


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(curves=("n_aligned",)), "curves must be among"),
        (dict(curves=("skill_level",), curves_at={"width": [8]}), "curves_at names 'width'"),
        (dict(threshold=sk.Threshold(0.5, on="n_aligned")), "threshold"),
        (dict(record_every=30), r"steps \(100\) must be a multiple of record_every \(30\)"),
    ],
)
def test_bad_run_arguments(kwargs, match):
    sweep = TrainingSweep(axes={"seed": [0, 1]}, width=8, learning_rate=0.1, **BASE)
    with pytest.raises(ValueError, match=match):
        sweep.plan(100, **kwargs)


def test_make_task_must_return_a_task():
    sweep = TrainingSweep(axes={"seed": [0]}, make_model=make_model, make_task=lambda key: "not a task", width=8,
                          learning_rate=0.1)
    with pytest.raises(ValueError, match="must return an AbstractSkillTask"):
        sweep.plan(10, record_every=10)


# A task axis of tuples (here MultitaskSparseParity's subsets) becomes a 1-D coordinate of their text.
def test_tuple_valued_task_axis_gets_a_one_dimensional_coordinate():
    subsets = [((0, 1), (2, 3)), ((0, 1), (4, 5))]
    sweep = TrainingSweep(axes={"subsets": subsets}, make_model=make_model, make_task=make_parity,
                          width=8, learning_rate=0.1, optimizer="sgd")
    plan = sweep.plan(10, record_every=10)
    assert plan.n == 2 and plan.grid.shape == (2,)
    # the arrays skillode.distributed.execute hands to plan.dataset after the blocks ran (NaN where not written)
    data = {k: np.full((*plan.grid.shape, *shape), np.nan) for k, (_, shape) in plan.variables().items()}
    ds = plan.dataset(data)
    assert ds.subsets.dims == ("subsets",) and ds.sizes["subsets"] == 2


def test_a_factory_of_the_script_run_is_named_by_its_module(tmp_path):
    """A plan's fingerprint names its factories by module: one defined in a script run as ``python mynets.py`` is
    ``mynets.f`` (the name another script imports it by), not ``__main__.f``; under ``python -m`` its module name."""
    import subprocess
    import sys

    (tmp_path / "mynets.py").write_text(
        "from skillode.networks.sweep import _qualname\n\ndef f():\n    pass\n\nprint(_qualname(f))\n")
    for args in (["mynets.py"], ["-m", "mynets"]):
        out = subprocess.run([sys.executable, *args], cwd=tmp_path, capture_output=True, text=True, check=True)
        assert out.stdout.split() == ["mynets.f"]
    from skillode.networks.sweep import _qualname

    assert _qualname(test_a_factory_of_the_script_run_is_named_by_its_module).endswith(
        "test_training_sweep.test_a_factory_of_the_script_run_is_named_by_its_module")
