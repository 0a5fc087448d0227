"""Plotting works on any trajectory Dataset: a theory solve, a sweep (after selection), learning times."""

import numpy as np
import pytest
import xarray as xr

from skillode.frequencies import zipf
from skillode.plotting import plot_collapse, plot_learning_times, plot_trajectory, skill_colors
from skillode.resource import ResourceModel
from skillode.sweeps import Sweep
from skillode.timing import learning_times
from skillode.trajectory import make_trajectory

TS = np.linspace(0.0, 800.0, 81)


@pytest.fixture(scope="module")
def theory():
    return ResourceModel(p=zipf(5, 2.0), eta=0.02, N0=0.01).solve(TS)


@pytest.fixture(scope="module")
def sweep_ds():
    return Sweep(axes={"N0": [0.0, 0.1], "alpha": [1.0, 2.0]}, n=5, eta=0.02).run(TS, progress=False)


def test_skill_colors_are_viridis_one_per_skill():
    colors = skill_colors(4)
    assert colors.shape == (4, 4)
    assert len({tuple(c) for c in colors}) == 4


def test_plot_trajectory_theory(theory, tmp_path):
    ax = plot_trajectory(theory)
    assert len(ax.lines) == 5
    np.testing.assert_allclose(ax.lines[2].get_ydata(), theory.skill_level.isel(skill=2).values)
    ax.figure.savefig(tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 1000
    assert len(plot_trajectory(theory, var="loss").lines) == 1


def test_plot_trajectory_sweep_needs_selection(sweep_ds):
    with pytest.raises(ValueError, match="sweep dims"):
        plot_trajectory(sweep_ds)
    ax = plot_trajectory(sweep_ds.sel(N0=0.1, alpha=2.0))
    assert len(ax.lines) == 5


def test_plot_trajectory_experiment_like_dataset():
    # A dataset as a trained network would give: named skills, no p, an extra variable.
    level = np.clip(np.linspace(0, 1, 50)[None, :] * np.array([[2.0], [1.0]]), 0, 1)
    ds = make_trajectory(
        np.arange(50.0), level, skill=["parity", "addition"], extra={"accuracy": (("skill", "t"), 0.5 + 0.5 * level)}
    )
    ax = plot_trajectory(ds, var="accuracy")
    assert [line.get_label() for line in ax.lines] == ["parity", "addition"]
    with pytest.raises(ValueError, match="not in the trajectory"):
        plot_trajectory(ds, var="nope")


def test_plot_learning_times_1d_and_2d(theory, sweep_ds):
    times = learning_times(theory, 0.9)
    ax = plot_learning_times(times, reference=times.values + 1)
    assert len(ax.lines) == 2
    with pytest.raises(ValueError, match="reference must have shape"):
        plot_learning_times(times, reference=[1.0, 2.0])
    grid = Sweep(axes={"N0": [0.0, 0.01, 0.1]}, n=5, eta=0.02).learning_times(0.9)
    ax = plot_learning_times(grid, logx=False)
    assert len(ax.lines) == 5
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0.0, 0.01, 0.1])
    with pytest.raises(ValueError, match="pass x="):
        plot_learning_times(learning_times(sweep_ds, 0.9))
    with pytest.raises(ValueError, match="'skill' dim"):
        plot_learning_times(xr.DataArray([1.0, 2.0], dims=("x",)))


def test_plot_collapse_curves_coincide(theory):
    ax = plot_collapse(theory)
    ys = np.array([line.get_ydata() for line in ax.lines])
    ok = np.all(np.isfinite(ys), axis=0) & (ys.min(axis=0) > 1e-6)
    np.testing.assert_allclose(ys[:, ok], np.broadcast_to(ys[:1, ok], ys[:, ok].shape), rtol=1e-6)
    with pytest.raises(ValueError, match="skill frequencies"):
        plot_collapse(make_trajectory(TS, np.zeros((2, TS.size)), skill=["a", "b"]))
