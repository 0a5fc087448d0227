r"""What a scan-based sweep keeps of each run: learning times tracked during the run, the loss at a cadence, and
per-skill curves only where asked.

A Geometry or training sweep of many runs cannot store every step of every run. `Summary` says what is kept:

- ``loss`` (the population loss) at ``t = 0`` and at a log- or linearly spaced subset of the record times
  ``r * record_every``, for every run (a scalar per kept time);
- ``learning_time`` ``(skill,)``: the first step ``t`` (a multiple of ``check_every``, or 0) at which the skill
  satisfies the `skillode.Threshold` (`Threshold.reached`, the rule of every learning time), tracked *during* the
  run by `LearningTimeTracker` (NaN if never; the ``learned`` coordinate says which are finite). It costs no
  stored curve. By default ``check_every = 1``: the times are exact to the step, the same as
  ``skillode.learning_times(trajectory, threshold.step_exact())`` of the run recorded at every step. A larger
  ``check_every`` is cheaper and resolves times to ``check_every`` steps only; a result whose learning times all
  equal that first check warns;
- ``final_<variable>`` ``(skill,)``: the per-skill variables of the last step (``final_skill_level`` …);
- per-skill ``curves`` (``skill_level``, ``skill_loss``, …) at the kept times, only at the grid points that match
  ``curves_at`` (NaN elsewhere, which a zarr store does not even write).

`run_summary` runs a job of the scan engine (`skillode._scan`) under these rules; `AbstractScanPlan` turns it into
the plan of a sweep (`skillode._grid`), shared by `skillode.GeometrySweep` and `skillode.networks.TrainingSweep`.
"""

from __future__ import annotations

import abc
import dataclasses
import math
import warnings
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import _scan
from .._validate import check_choice, check_int
from ..timing import Threshold, as_threshold, with_learned
from ..trajectory import SKILL, TIME, trajectory_dataset
from .grid import AbstractGridPlan

__all__ = ["AbstractScanPlan", "LearningTimeTracker", "Summary", "run_summary"]

SPACINGS = ("log", "linear", "all")


@dataclasses.dataclass(frozen=True)
class Summary:
    """What is kept of each run of a scan-based sweep (see the module docstring).

    **Fields:**

    - `steps`: optimizer steps per run, a multiple of `record_every`.
    - `record_every`: steps between records (the finest cadence of the kept curves).
    - `n_times`: how many record times to keep (at most; duplicates of a log grid are merged), besides ``t = 0``.
    - `spacing`: ``"log"`` (default), ``"linear"`` or ``"all"`` (every record; `n_times` ignored).
    - `curves`: per-skill variables to keep as curves, e.g. ``("skill_level",)`` (default none).
    - `curves_at`: ``axis -> values``: keep the per-skill curves only at grid points whose axis values are among
      these (default: every point).
    - `threshold`: the `skillode.Threshold` (or a skill level) of the learning times.
    - `check_every`: steps between threshold checks (default 1: learning times exact to the step; a larger value
      is cheaper and resolves them to ``check_every`` steps).
    - `chunk`: records per compiled scan (bounds memory; never changes the numbers).
    """

    steps: int
    record_every: int
    n_times: int = 50
    spacing: str = "log"
    curves: tuple[str, ...] = ()
    curves_at: tuple[tuple[str, tuple], ...] | None = None
    threshold: Threshold = dataclasses.field(default_factory=Threshold)
    check_every: int = 1
    chunk: int | None = None

    @classmethod
    def build(cls, *, steps, record_every=None, n_times=50, spacing="log", curves=(), curves_at=None,
              threshold=0.9, check_every=None, chunk=None) -> Summary:
        """Checked constructor (``record_every`` defaults to ``steps // 100``, at least 1; ``check_every`` to 1)."""
        steps = check_int(steps, "steps")
        record_every = max(1, steps // 100) if record_every is None else check_int(record_every, "record_every")
        if steps % record_every:
            raise ValueError(f"steps ({steps}) must be a multiple of record_every ({record_every})")
        check_every = 1 if check_every is None else check_int(check_every, "check_every")
        if isinstance(curves, str):
            curves = (curves,)
        at = None
        if curves_at is not None:
            if not isinstance(curves_at, Mapping):
                raise ValueError(f"curves_at must be a mapping 'axis -> values', got {curves_at!r}")
            at = tuple((str(k), tuple(np.atleast_1d(np.asarray(v)).tolist())) for k, v in curves_at.items())
        chunk_records = None if chunk is None else check_int(chunk, "chunk (records per compiled scan)")
        return cls(steps, record_every, check_int(n_times, "n_times"), check_choice(spacing, "spacing", SPACINGS),
                   tuple(str(c) for c in curves), at, as_threshold(threshold), check_every, chunk_records)

    @property
    def schedule(self) -> _scan.Schedule:
        return _scan.Schedule(steps=self.steps, record_every=self.record_every, chunk=self.chunk)

    @property
    def kept_records(self) -> np.ndarray:
        """The kept record indices ``r`` (1-based; ``t = r * record_every``), increasing, the last record included."""
        R = self.steps // self.record_every
        if self.spacing == "all" or self.n_times >= R:
            return np.arange(1, R + 1)
        if self.spacing == "linear":
            return np.unique(np.round(np.linspace(1, R, self.n_times)).astype(int))
        return np.unique(np.round(np.geomspace(1, R, self.n_times)).astype(int))

    @property
    def times(self) -> np.ndarray:
        """The kept times, ``0`` first, in steps (float64)."""
        return np.concatenate([[0.0], self.kept_records * float(self.record_every)])

    def spec(self) -> dict:
        return {**{f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "threshold"},
                "threshold": self.threshold.attrs()}

    def with_steps(self, steps: int) -> Summary:
        """The same summary for a shorter run (a dry run's probe)."""
        return dataclasses.replace(self, steps=steps)


class _Tracked(eqx.Module):
    inner: object
    crossed: jax.Array  # (n,) the learning time found so far, NaN while not crossed


class LearningTimeTracker(_scan.AbstractJob):
    r"""A job that runs ``job`` and tracks each skill's first crossing of a threshold as it goes.

    Every ``check_every`` steps (and at step 0) it evaluates ``job.measure(state)[threshold.variable]`` and
    records, for each skill not yet crossed, the step ``t = i + 1`` at which `skillode.Threshold.reached` first
    holds (the rule `skillode.first_crossing` applies to trajectories). Records hold only the ``keep`` variables
    of ``job.measure``. With ``check_every = 1`` the times are exact steps; otherwise they are exact on the check
    grid: a skill crossing between two checks gets the later.
    """

    job: _scan.AbstractJob
    level: float = eqx.field(static=True)  # static: a batched job's array leaves all carry the runs axis
    on: str = eqx.field(static=True)
    check_every: int = eqx.field(static=True)
    keep: tuple[str, ...] = eqx.field(static=True)

    @property
    def threshold(self) -> Threshold:
        """The condition tracked (times in steps: ``interpolate=False``)."""
        return Threshold(self.level, on=self.on, interpolate=False)

    def _crossed(self, state, crossed, t):
        th = self.threshold
        hit = th.reached(self.job.measure(state)[th.variable])
        return jnp.where(jnp.isnan(crossed) & hit, jnp.asarray(t, crossed.dtype), crossed)

    def init(self, key) -> _Tracked:
        inner = self.job.init(key)
        shape = jax.eval_shape(lambda s: self.job.measure(s)[self.threshold.variable], inner)
        dtype = jnp.result_type(shape.dtype, float)
        return _Tracked(inner, self._crossed(inner, jnp.full(shape.shape, jnp.nan, dtype), 0))

    def step(self, state: _Tracked, i):
        inner, observed = self.job.step(state.inner, i)
        t = i + 1
        if self.check_every == 1:
            crossed = self._crossed(inner, state.crossed, t)
        else:
            crossed = jax.lax.cond(t % self.check_every == 0, lambda c: self._crossed(inner, c, t), lambda c: c,
                                   state.crossed)
        return _Tracked(inner, crossed), {k: v for k, v in observed.items() if k in self.keep}

    def measure(self, state: _Tracked):
        return {k: v for k, v in self.job.measure(state.inner).items() if k in self.keep}


def run_summary(job: _scan.AbstractJob, keys, summary: Summary, *, batch: tuple[bool, ...]) -> dict[str, np.ndarray]:
    """Run ``job`` from ``job.init(keys)`` (one key per run, batch shape) under ``summary``.

    **Returns:** NumPy arrays with the batch shape first: ``loss`` ``(*batch, K + 1)`` (``t = 0`` and the kept
    times), ``learning_time`` ``(*batch, n)``, ``final_<name>`` ``(*batch, n)`` for every per-skill variable of
    ``job.measure``, and each of ``summary.curves`` ``(*batch, n, K + 1)``.
    """
    th = summary.threshold
    tracker = LearningTimeTracker(job, float(th.level), th.on, summary.check_every, ("loss", *summary.curves))
    tracked = _scan.init(tracker, keys, batch=batch)
    schedule = summary.schedule
    keep = summary.kept_records - 1  # 0-based record indices
    lead = len(batch)
    at0 = jax.device_get(_scan._initial_records(tracker, tracked, batch))
    pieces = [jax.tree.map(lambda a: np.expand_dims(a, lead), at0)]
    for k in range(schedule.n_chunks):
        tracked, records = _scan.run_chunk(tracker, schedule, tracked, k, batch=batch)
        first = k * schedule.records_per_chunk
        sel = keep[(keep >= first) & (keep < first + schedule.chunk_length(k))] - first
        if sel.size:
            pieces.append(jax.tree.map(lambda a: np.take(np.asarray(a), sel, axis=lead), jax.device_get(records)))
    curves = {name: np.concatenate([p[name] for p in pieces], axis=lead) for name in pieces[0]}
    final = jax.device_get(_final(job, tracked.inner, batch))
    out = {"loss": curves["loss"], "learning_time": np.asarray(tracked.crossed)}
    out.update({f"final_{k}": np.asarray(v) for k, v in final.items() if k != "loss" and np.ndim(v) == lead + 1})
    out.update({c: np.moveaxis(curves[c], lead, -1) for c in summary.curves})  # (*batch, n, K + 1)
    return out


@eqx.filter_jit
def _final(job, state, batch):
    return _scan._sharded(_scan._vmap(lambda j, s: j.measure(s), batch), batch, 2)(job, state)


class AbstractScanPlan(AbstractGridPlan):
    """The plan of a scan-based sweep: a block is a batched job + its initial states, run by `run_summary`.

    Subclasses give `grid`, `summary`, `n` (skills), `per_skill` (the measured per-skill variables), `block_job`,
    `coords` and `attrs`; this class gives the output variables, `compute` and `dataset`.
    """

    grid: object
    summary: Summary

    @property
    @abc.abstractmethod
    def n(self) -> int:
        """Number of skills."""

    @property
    @abc.abstractmethod
    def per_skill(self) -> tuple[str, ...]:
        """The per-skill variables a run measures (``skill_level``, ``skill_loss`` …)."""

    @abc.abstractmethod
    def block_job(self, index) -> tuple[_scan.AbstractJob, jax.Array, tuple[bool, ...]]:
        """``(job, keys, batch)`` of block ``index``: one key per run (padded point), ``batch`` as in `_scan`."""

    @abc.abstractmethod
    def coords(self) -> dict:
        """Coordinates of the grid dims (and ``p`` …), without ``t`` and ``skill``."""

    @abc.abstractmethod
    def attrs(self) -> dict:
        """The fixed parameters, netCDF-safe."""

    def curve_mask(self, index) -> np.ndarray:
        """Which of the block's points keep per-skill curves (`Summary.curves_at`), shape ``extent``."""
        extent = self.grid.extent(index)
        mask = np.ones(extent, bool)
        if self.summary.curves_at is None:
            return mask
        values = self.axis_values()
        for a, (name, region) in enumerate(zip(self.grid.names, self.grid.region(index))):
            wanted = dict(self.summary.curves_at).get(name)
            if wanted is not None:
                here = np.isin(np.asarray(values[name])[region], np.asarray(wanted))
                mask &= here.reshape([-1 if b == a else 1 for b in range(len(extent))])
        return mask

    @abc.abstractmethod
    def axis_values(self) -> dict[str, np.ndarray]:
        """``axis name -> values``."""

    def variables(self):
        n, K = self.n, self.summary.times.size
        out = {"loss": ((TIME,), (K,)), "learning_time": ((SKILL,), (n,))}
        out.update({f"final_{v}": ((SKILL,), (n,)) for v in self.per_skill})
        out.update({c: ((SKILL, TIME), (n, K)) for c in self.summary.curves})
        return out

    def compute(self, index):
        job, keys, batch = self.block_job(index)
        results = run_summary(job, keys, self.summary, batch=batch)
        extent = self.grid.extent(index)
        m = math.prod(extent)
        out = {k: np.asarray(v, dtype=np.float64)[:m].reshape(*extent, *np.shape(v)[1:]) for k, v in results.items()}
        if self.summary.curves:
            mask = self.curve_mask(index)
            for c in self.summary.curves:
                out[c] = np.where(mask[..., None, None], out[c], np.nan)
        return out

    def dataset(self, data):
        dims = self.grid.dims
        variables = {k: ((*dims, *tail), data[k]) for k, (tail, _) in self.variables().items()}
        coords = {TIME: self.summary.times, SKILL: np.arange(1, self.n + 1), **self.coords()}
        s = self.summary
        tracked = s.threshold.step_exact().attrs()  # what the tracker computes: first steps, never interpolated
        attrs = {**self.attrs(), **tracked, "steps": s.steps, "record_every": s.record_every,
                 "check_every": s.check_every}
        ds = trajectory_dataset(variables, coords, attrs)
        ds["learning_time"].attrs.update({**tracked, "units": "steps", "resolution": s.check_every})
        if not isinstance(data["learning_time"], np.ndarray):
            return ds  # lazy (a store's template): a coordinate computed here would be stored stale
        return self.finish(ds)

    def finish(self, ds):
        """The result ``ds`` (this plan's Dataset, in memory or read back from a store) with the ``learned``
        coordinate (`skillode.timing.with_learned`); warns (``UserWarning``) when every learning time equals the
        first check after ``t = 0`` with ``check_every > 1``, i.e. when the times are not resolved at all."""
        times = np.asarray(ds["learning_time"].values)
        learned = times[np.isfinite(times)]
        every = self.summary.check_every
        if every > 1 and learned.size and np.all(learned == every):
            warnings.warn(
                f"every learning time equals the first threshold check, t = check_every = {every} steps: the skills "
                f"were learned within the first {every} steps and their times are not resolved. Run with "
                "check_every=1 (the default: exact to the step) or a smaller check_every.",
                UserWarning,
                stacklevel=2,
            )
        return with_learned(ds)

    def probe(self):
        s = self.summary
        R = s.steps // s.record_every
        records = max(1, min(R, math.ceil(R / 20)))
        return dataclasses.replace(self, summary=s.with_steps(records * s.record_every)), R / records

