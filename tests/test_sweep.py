"""Sweeps: shapes, coordinates, agreement with per-point solves, blocks, zarr stores, closed-form grids."""

import numpy as np
import pytest

import skillode as sk
from skillode.frequencies import zipf
from skillode.resource import ResourceModel
from skillode.sweeps import Sweep, run_sweep, sweep_learning_times
from skillode.trajectory import load, save

ETA = 0.02
TS = np.linspace(0.0, 600.0, 61)
AXES = {"N0": [0.0, 0.01, 0.1], "alpha": [1.0, 2.0]}


@pytest.fixture(scope="module")
def sweep():
    return Sweep(axes=AXES, n=4, eta=ETA)


@pytest.fixture(scope="module")
def ds(sweep):
    return sweep.run(TS, progress=False)


def test_shapes_and_coordinates(ds):
    assert ds.skill_level.dims == ("N0", "alpha", "skill", "t")
    assert ds.skill_level.shape == (3, 2, 4, 61)
    assert ds.loss.dims == ("N0", "alpha", "t")
    np.testing.assert_array_equal(ds.N0.values, AXES["N0"])
    np.testing.assert_array_equal(ds.alpha.values, AXES["alpha"])
    assert ds.p.dims == ("alpha", "skill")
    np.testing.assert_allclose(ds.p.sel(alpha=2.0).values, zipf(4, 2.0))
    assert ds.attrs["solver"] == "Exact" and ds.attrs["eta"] == ETA


def test_vmap_matches_per_point_solve(ds):
    for N0, alpha in [(0.0, 1.0), (0.1, 2.0)]:  # opposite corners (each per-point solve compiles anew)
        ref = ResourceModel(p=zipf(4, alpha), eta=ETA, N0=N0).solve(TS)
        got = ds.sel(N0=N0, alpha=alpha)
        np.testing.assert_allclose(got.skill_level.values, ref.skill_level.values, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got.loss.values, ref.loss.values, rtol=0, atol=1e-12)


def test_axis_order_follows_the_mapping():
    ds = Sweep(axes={"alpha": [1.0, 2.0], "N0": [0.0, 0.1, 1.0]}, n=3, eta=ETA).run(TS, progress=False)
    assert ds.skill_level.dims == ("alpha", "N0", "skill", "t")
    ref = ResourceModel(p=zipf(3, 2.0), eta=ETA, N0=0.1).skill_levels(TS)
    np.testing.assert_allclose(ds.skill_level.sel(alpha=2.0, N0=0.1).values, ref, atol=1e-12)


@pytest.mark.parametrize("method", ["exact", "discrete"])
def test_chunking_equals_no_chunking(sweep, method):
    ts = np.arange(0.0, 301.0, 10.0)
    whole = sweep.run(ts, method, progress=False)
    chunked = sweep.run(ts, method, block_size=4, progress=False)  # (3, 2) grid: blocks of (2, 2), one padded
    np.testing.assert_array_equal(whole.skill_level.values, chunked.skill_level.values)


def test_discrete_matches_model(sweep):
    ts = np.arange(0.0, 301.0)
    ds = sweep.run(ts, "discrete", progress=False)
    ref = ResourceModel(p=zipf(4, 1.0), eta=ETA, N0=0.01).skill_levels(ts, "discrete")
    np.testing.assert_allclose(ds.skill_level.sel(N0=0.01, alpha=1.0).values, ref, atol=1e-14)


def test_loss_kind_axis_and_fixed_p():
    sw = Sweep(axes={"loss_kind": ["mse", "ce"], "eta": [0.01, 0.02]}, p=[0.5, 0.3, 0.2], N0=0.05)
    ds = sw.run(TS, progress=False)
    assert ds.skill_level.dims == ("loss_kind", "eta", "skill", "t")
    ref = ResourceModel(p=[0.5, 0.3, 0.2], eta=0.01, N0=0.05, loss_kind="ce").skill_levels(TS)
    np.testing.assert_allclose(ds.skill_level.sel(loss_kind="ce", eta=0.01).values, ref, atol=1e-12)


def test_store_resume(tmp_path, sweep):
    import xarray as xr

    from skillode.distributed import SweepStore

    path = tmp_path / "sweep.zarr"
    first = sweep.run(TS, block_size=2, store=path, progress=False)  # blocks of (1, 2): one per N0
    plan = sweep.plan(TS, block_size=2)
    np.testing.assert_array_equal(SweepStore(path, plan).writes(), [[1], [1], [1]])
    # Tamper with one finished block: a resumed run must read it instead of recomputing it.
    bad = first.isel(N0=slice(0, 1)).drop_vars(list(first.coords))
    bad = bad.assign(skill_level=bad.skill_level * 0 - 7.0)[list(first.data_vars)]
    bad.to_zarr(path, region={"N0": slice(0, 1), "alpha": slice(None), "skill": slice(None), "t": slice(None)},
                mode="r+", consolidated=False)
    resumed = sweep.run(TS, block_size=2, store=path, progress=False)
    assert np.all(resumed.skill_level.isel(N0=0).values == -7.0)
    np.testing.assert_array_equal(resumed.skill_level.isel(N0=slice(1, None)).values,
                                  first.skill_level.isel(N0=slice(1, None)).values)
    np.testing.assert_array_equal(SweepStore(path, plan).writes(), [[1], [1], [1]])  # nothing recomputed
    assert isinstance(xr.open_zarr(path, consolidated=False), xr.Dataset)
    with pytest.raises(ValueError, match="different sweep"):
        sweep.run(TS[:-1], block_size=2, store=path, progress=False)
    with pytest.raises(ValueError, match="different sweep"):
        sweep.run(TS, block_size=6, store=path, progress=False)  # blocks of (3, 2)
    with pytest.raises(ValueError, match=r"\.zarr"):
        sweep.run(TS, store=tmp_path / "sweep.nc", progress=False)


def test_store_equals_memory_and_a_large_result_stays_lazy(tmp_path, sweep, ds):
    from skillode.distributed import execute

    lazy = execute(sweep.plan(TS), store=tmp_path / "s.zarr", progress=False, load_below=0)
    assert lazy.skill_level.chunks is not None  # dask-backed, read on demand
    np.testing.assert_array_equal(lazy.skill_level.values, ds.skill_level.values)
    assert lazy.attrs["skillode_format"] == 1 and lazy.attrs["solver"] == "Exact"


def test_save_load_roundtrip(tmp_path, ds):
    back = load(save(ds, tmp_path / "sweep.nc"))
    np.testing.assert_array_equal(back.skill_level.values, ds.skill_level.values)
    assert back.skill_level.dims == ds.skill_level.dims


def test_closed_form_grid_times_equal_per_model(sweep):
    times = sweep.learning_times(0.9)
    assert times.dims == ("N0", "alpha", "skill")
    assert times.attrs["method"] == "closed_form"
    for N0 in AXES["N0"]:
        for alpha in AXES["alpha"]:
            ref = ResourceModel(p=zipf(4, alpha), eta=ETA, N0=N0).learning_times(0.9).values
            np.testing.assert_allclose(times.sel(N0=N0, alpha=alpha).values, ref, rtol=1e-13)


def test_grid_times_from_trajectories_close_to_closed_form():
    sw = Sweep(axes={"N0": [0.01, 0.1]}, n=3, eta=ETA)
    closed = sw.learning_times(0.9)
    numeric = sw.learning_times(0.9, method="exact")
    np.testing.assert_allclose(numeric.values, closed.values, rtol=2e-3)


def test_module_functions():
    with pytest.warns(DeprecationWarning, match="use Sweep"):  # second spellings, deprecated
        times = sweep_learning_times({"N0": [0.0, 0.1]}, 0.9, n=3, eta=ETA)
    assert times.shape == (2, 3)
    with pytest.warns(DeprecationWarning, match=r"use Sweep\(axes=\.\.\., \.\.\.\)\.run"):
        ds = run_sweep({"N0": [0.0, 0.1]}, TS, n=3, eta=ETA, progress=False, variables=("skill_level",))
    assert set(ds.data_vars) == {"skill_level"}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(axes={"N0": [0.0, -0.1]}, n=3, eta=ETA), "axis 'N0'"),
        (dict(axes={"eta": [0.01, 0.0]}, n=3), "axis 'eta'"),
        (dict(axes={"alpha": [1.0, np.nan]}, n=3, eta=ETA), "axis 'alpha'"),
        (dict(axes={"alpha": [1.0, 1.0]}, n=3, eta=ETA), "distinct"),
        (dict(axes={"N0": [[0.0, 0.1]]}, n=3, eta=ETA), "1-D"),
        (dict(axes={"N0": []}, n=3, eta=ETA), "non-empty"),
        (dict(axes={"loss_kind": ["mse", "l1"]}, n=3, eta=ETA), "axis 'loss_kind'"),
        (dict(axes={"temperature": [1.0]}, n=3, eta=ETA), "unknown sweep axis"),
        (dict(axes={}, n=3, eta=ETA), "non-empty mapping"),
        (dict(axes={"N0": [0.0]}, n=3, eta=ETA, N0=0.1), "do not also pass"),
        (dict(axes={"N0": [0.0]}, n=3), "eta"),
        (dict(axes={"alpha": [1.0]}, p=[0.5, 0.5], eta=ETA), "do not also pass p"),
        (dict(axes={"N0": [0.0]}, n=0, eta=ETA), "n \\(number of skills\\)"),
        (dict(axes={"N0": [0.0]}, p=[0.5, 0.6], eta=ETA), "sum to 1"),
    ],
)
def test_bad_values_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Sweep(**kwargs)


def test_bad_run_arguments(sweep):
    with pytest.raises(ValueError, match="runs on the host"):
        sweep.run(TS, "scipy", progress=False)
    with pytest.raises(ValueError, match="non-decreasing, but they decrease at index 1"):
        sweep.run(TS[::-1], progress=False)
    with pytest.raises(ValueError, match="integer steps"):
        sweep.run(np.linspace(0, 10, 7), "discrete", progress=False)
    with pytest.raises(ValueError, match="block_size"):
        sweep.run(TS, block_size=0, progress=False)
    with pytest.raises(ValueError, match="threshold"):
        sweep.learning_times(1.5)


def test_array_valued_axes_C_l0_p():
    C1, C2 = np.eye(3), np.array([[1.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, 1.0]])
    p = zipf(3, 1.5)
    sw = Sweep(axes={"C": [C1, C2], "l0": [np.ones(3), np.full(3, 0.8)]}, p=p, eta=ETA, N0=0.01)
    ds = sw.run(TS, progress=False)
    assert ds.skill_level.dims == ("C_index", "l0_index", "skill", "t")
    assert ds.C.dims == ("C_index", "skill", "skill_j") and ds.l0.dims == ("l0_index", "skill")
    ref = ResourceModel(p=p, eta=ETA, N0=0.01, C=C2, l0=np.full(3, 0.8)).skill_levels(TS)
    np.testing.assert_allclose(ds.skill_level.isel(C_index=1, l0_index=1).values, ref, atol=1e-12)
    sp = Sweep(axes={"p": [zipf(3, 1.0), zipf(3, 2.0)]}, eta=ETA, N0=0.01)
    times = sp.learning_times(0.9)
    assert times.dims == ("p_index", "skill") and times.p.dims == ("p_index", "skill")
    ref = ResourceModel(p=zipf(3, 2.0), eta=ETA, N0=0.01).learning_times(0.9).values
    np.testing.assert_allclose(times.isel(p_index=1).values, ref, rtol=1e-13)


def test_an_indefinite_C_is_refused_as_an_axis_value_or_a_fixed_value():
    bad = np.array([[1.0, 1.5], [1.5, 1.0]])  # eigenvalues 2.5 and -0.5: not a Gram matrix, for any solver
    with pytest.raises(ValueError, match="axis 'C'.*positive semi-definite"):
        Sweep(axes={"C": [np.eye(2), bad]}, p=[0.6, 0.4], eta=ETA, N0=0.01)
    with pytest.raises(ValueError, match="fixed parameters: C .*positive semi-definite"):
        Sweep(axes={"N0": [0.0, 0.01]}, C=bad, p=[0.6, 0.4], eta=ETA)


def test_a_new_threshold_level_does_not_recompile(monkeypatch):
    traces = []
    original = ResourceModel.closed_form_learning_times

    def counting(self, threshold):
        traces.append(threshold.level)  # runs only while JAX traces the compiled kernel
        return original(self, threshold)

    monkeypatch.setattr(ResourceModel, "closed_form_learning_times", counting)
    sw = Sweep(axes={"N0": [0.0, 0.01, 0.1]}, n=4, eta=ETA)
    a = sw.learning_times(0.9)
    n_traces = len(traces)
    b = sw.learning_times(0.75)
    c = Sweep(axes={"N0": [0.2, 0.3, 0.4]}, n=4, eta=0.5 * ETA).learning_times(0.6)  # other values, same structure
    assert len(traces) == n_traces  # no new trace of the kernel
    assert np.all(b.values < a.values) and c.shape == a.shape
    np.testing.assert_allclose(b.sel(N0=0.01).values,
                               original(ResourceModel(p=zipf(4), eta=ETA, N0=0.01), sk.Threshold(0.75)), rtol=1e-13)


def test_solver_objects_and_progress_per_model(capsys):
    sw = Sweep(axes={"N0": [0.01, 0.1]}, n=3, eta=ETA)
    a = sw.run(TS, sk.Diffrax(rtol=1e-10, atol=1e-12), progress=False)
    b = sw.run(TS, sk.Exact(), progress=False)
    np.testing.assert_allclose(a.skill_level.values, b.skill_level.values, atol=1e-8)
    sw.run(TS, block_size=1, progress=True)
    err = capsys.readouterr().err
    assert "1/2" in err and "run" in err  # ticks per grid point, not per block


def test_open_store_reads_what_a_study_holds_without_its_sweep(tmp_path, sweep, ds):
    from skillode.distributed import SweepStore, open_store

    path = tmp_path / "part.zarr"
    plan = sweep.plan(TS, block_size=2)  # three blocks, one per N0
    store = SweepStore(path, plan)
    store.write((0, 0), plan.compute((0, 0)))  # one block of three, as after an interrupted run
    assert open_store(path) is None  # incomplete: not part of "what the study holds"
    partial = open_store(path, complete=False)
    assert (partial.attrs["blocks_done"], partial.attrs["blocks_total"]) == (1, 3)
    np.testing.assert_array_equal(partial.skill_level.isel(N0=0).values, ds.skill_level.isel(N0=0).values)
    assert np.all(np.isnan(partial.skill_level.isel(N0=slice(1, None)).values))
    full = sweep.run(TS, block_size=2, store=path, progress=False)  # resumes: the other two blocks
    done = open_store(path)
    assert done.attrs["blocks_done"] == done.attrs["blocks_total"] == 3
    np.testing.assert_array_equal(done.skill_level.values, full.skill_level.values)
    with pytest.raises(ValueError, match="not a readable zarr store"):
        open_store(tmp_path / "nothing.zarr")
