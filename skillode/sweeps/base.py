r"""The base of every sweep: named axes over a grid, one `plan`, one `run(..., store=, client=)`."""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping, Sequence

import equinox as eqx
import xarray as xr

from .execute import execute
from .summary import AbstractScanPlan, Summary

__all__ = ["AbstractScanSweep"]


class AbstractScanSweep(eqx.Module):
    """The part `skillode.GeometrySweep` and `skillode.networks.TrainingSweep` share: named axes and `run`.

    Subclasses give `axes` (``((name, values), ...)``) and `plan` ``(steps, *, block_size, **summary)``.
    """

    axes: eqx.AbstractVar[tuple[tuple[str, tuple], ...]]

    @property
    def names(self) -> tuple[str, ...]:
        """Axis names, in the order of the output's leading dims."""
        return tuple(k for k, _ in self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for _, v in self.axes)

    @property
    def size(self) -> int:
        """Number of runs."""
        return math.prod(self.shape)

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
          `threshold`, `check_every`, `chunk`: what is kept of each run (`Summary`).
        - `block_size`: grid points per compiled block (default: the sweep's).
        - `store`, `client`, `progress`: as for `skillode.Sweep.run` (`skillode.distributed.execute`).

        **Returns:** a Dataset with dims ``(*axes, [skill,] t)``: ``loss`` ``(*axes, t)`` at ``t = 0`` and the kept
        times; ``learning_time`` and ``final_<variable>`` (``skill_level``, ``skill_loss``, …) ``(*axes, skill)``;
        the asked ``curves`` ``(*axes, skill, t)``; coordinates for every axis and ``p``.
        """
        plan = self.plan(steps, block_size=block_size, record_every=record_every, n_times=n_times, spacing=spacing,
                         curves=tuple(curves), curves_at=curves_at, threshold=threshold, check_every=check_every,
                         chunk=chunk)
        return execute(plan, store=store, client=client, progress=progress, desc=f"{type(self).__name__}")
