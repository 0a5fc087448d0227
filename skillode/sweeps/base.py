r"""The base of every sweep: named axes over a grid, one `plan`, one `run(..., store=, client=)`.

`AbstractSweep` holds what every sweep shares: its `axes` and `fixed` values (parsed by `skillode.sweeps.axes`),
the grid bookkeeping (`names`, `shape`, `size`, `values`, `grid`) and `run`, which builds the sweep's `plan` and hands
it to `skillode.sweeps.execute` (in process or on a Dask client, into memory or a resumable zarr store). A sweep
kind adds its axis table (`AXES`), its `plan` and its `spec` (the store fingerprint).

`AbstractScanSweep` is the base of the sweeps whose runs go through the scan engine (`skillode.GeometrySweep`,
`skillode.networks.TrainingSweep`): what is kept of each run is a `skillode.sweeps.summary.Summary`.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping, Sequence

import equinox as eqx
import xarray as xr

from .axes import Axes, values_of
from .execute import execute
from .grid import AbstractGridPlan, Grid
from .summary import AbstractScanPlan, Summary

__all__ = ["AbstractSweep", "AbstractScanSweep"]


class AbstractSweep(eqx.Module):
    """A grid of runs over named axes (see the module docstring).

    Subclasses give the class variable `AXES` (an `Axes` table), the fields `axes` (``((name, values), ...)``)
    and `fixed` (``((name, value), ...)``) as returned by ``AXES.parse``, `plan` and `spec`.
    """

    AXES: eqx.AbstractClassVar[Axes]
    axes: eqx.AbstractVar[tuple[tuple[str, tuple], ...]]
    fixed: eqx.AbstractVar[tuple[tuple[str, object], ...]]

    @property
    def names(self) -> tuple[str, ...]:
        """Axis names, in the order of the output's leading dims."""
        return tuple(k for k, _ in self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        """Grid shape, one entry per axis."""
        return tuple(len(v) for _, v in self.axes)

    @property
    def size(self) -> int:
        """Number of grid points (runs)."""
        return math.prod(self.shape)

    def values(self, name: str) -> tuple:
        """The values of axis ``name``, or its fixed value as a 1-tuple."""
        return values_of(self.axes, self.fixed, name)

    def grid(self, block_size: int) -> Grid:
        """The sweep's `skillode.sweeps.grid.Grid`, blocks of about ``block_size`` points (static axes extent 1)."""
        axes = [self.AXES[k] for k in self.names]
        return Grid.build(self.names, [a.dim for a in axes], self.shape, [a.static for a in axes], block_size)

    @abc.abstractmethod
    def plan(self, *args, block_size: int | None = None, **kwargs) -> AbstractGridPlan:
        """The plan `run` executes (`skillode.sweeps.execute`, `skillode.sweeps.dry_run`)."""

    @abc.abstractmethod
    def spec(self) -> dict:
        """A JSON-able description of the sweep (part of a store's fingerprint)."""

    def run(self, *args, store=None, client=None, progress: bool = True, **kwargs) -> xr.Dataset:
        """``execute(self.plan(*args, **kwargs), store=store, client=client, progress=progress)``: every grid point,
        one Dataset (see the subclass' ``run`` for its arguments)."""
        plan = self.plan(*args, **kwargs)
        return execute(plan, store=store, client=client, progress=progress, desc=type(self).__name__)


class AbstractScanSweep(AbstractSweep):
    """The part `skillode.GeometrySweep` and `skillode.networks.TrainingSweep` share: a `Summary` of each run.

    Subclasses give `plan` ``(steps, *, block_size, **summary)``.
    """

    @abc.abstractmethod
    def plan(self, steps: int, *, block_size: int | None = None, **summary) -> AbstractScanPlan:
        """The plan `run` executes (`Summary.build` keywords in ``summary``)."""

    def check_summary(self, summary: Summary, per_skill: Sequence[str]) -> Summary:
        """``summary`` after checking its curves, threshold variable and ``curves_at`` against this sweep."""
        bad = [c for c in summary.curves if c not in per_skill]
        if bad:
            raise ValueError(f"curves must be among {tuple(per_skill)}, got {bad}")
        if summary.threshold.variable not in per_skill:
            raise ValueError(f"the threshold must be on one of {tuple(per_skill)} ('loss' means 'skill_loss'), got "
                             f"{summary.threshold.on!r}")
        for name, _ in summary.curves_at or ():
            if name not in self.names:
                raise ValueError(f"curves_at names {name!r}, which is not an axis of this sweep {self.names}")
        return summary

    def run(
        self,
        steps: int,
        *,
        record_every: int | None = None,
        n_times: int = 50,
        spacing: str = "log",
        curves: Sequence[str] = (),
        curves_at: Mapping[str, Sequence] | None = None,
        threshold=0.9,
        check_every: int | None = None,
        chunk: int | None = None,
        block_size: int | None = None,
        store=None,
        client=None,
        progress: bool = True,
    ) -> xr.Dataset:
        """Run every grid point for ``steps`` optimizer steps; one Dataset.

        **Arguments:**

        - `steps`, `record_every` (default ``steps // 100``), `n_times`, `spacing`, `curves`, `curves_at`,
          `threshold`, `check_every`, `chunk`: what is kept of each run (`Summary`). `check_every` (default 1)
          is how often the threshold is checked: the default makes learning times exact to the step.
        - `block_size`: grid points per compiled block (default: the sweep's).
        - `store`, `client`, `progress`: where the runs go (`skillode.sweeps.execute`).

        **Returns:** a Dataset with dims ``(*axes, [skill,] t)``: ``loss`` ``(*axes, t)`` at ``t = 0`` and the kept
        times; ``learning_time`` and ``final_<variable>`` (``skill_level``, ``skill_loss``, …) ``(*axes, skill)``;
        the asked ``curves`` ``(*axes, skill, t)``; coordinates for every axis and ``p``.
        """
        return super().run(steps, block_size=block_size, record_every=record_every, n_times=n_times,
                           spacing=spacing, curves=tuple(curves), curves_at=curves_at, threshold=threshold,
                           check_every=check_every, chunk=chunk, store=store, client=client, progress=progress)
