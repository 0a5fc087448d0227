r"""Grids of network-training runs over named axes — seeds, widths, task parameters, optimizers, learning rates.

`TrainingSweep` is the networks' sibling of `skillode.Sweep` and `skillode.GeometrySweep`: one training run
(`skillode.networks.NetworkTraining` on the scan engine) per grid point, built from two factories,

- ``make_model(width, key) -> equinox model`` (one input -> one output), and
- ``make_task(**task_values, key) -> AbstractSkillTask``, called with the point's task parameters,

and run into one Dataset, in process or on a Dask cluster, into memory or into a resumable zarr store
(`skillode.distributed`).

| axis | compiled |
| --- | --- |
| ``"seed"`` (integers ``>= 0``) | vmapped; seed ``s`` is ``jax.random.key(s)``, split as in `train` |
| ``"learning_rate"`` (``> 0``) | vmapped (it multiplies the update of the optimizer built with rate 1) |
| ``"width"`` | once per value |
| ``"optimizer"`` (preset names) | once per value |
| any keyword of ``make_task`` (``alpha``, ``n_control`` …) | once per value |

A run with seed ``s`` gives the numbers of ``train(partial(make_model, width), partial(make_task, **values),
make_optimizer(name, lr), seed=s)`` for the same steps. Tasks with different skill counts (a ``n_control`` axis)
are padded with NaN along ``skill`` to the largest count.

What is kept of each run is a `skillode._summary.Summary`: loss at a log cadence, per-skill learning times
tracked during the run (``learning_time``), the final ``skill_level`` / ``skill_loss`` / ``accuracy``, and
per-skill curves only where asked.

Examples:
    >>> from skillode.networks import MLP, QuantizedSparseParity
    >>> def make_model(width, key):
    ...     return MLP((14, width, 2), "relu", key=key)
    >>> def make_task(alpha, key):
    ...     return QuantizedSparseParity(n_control=4, n_data=10, k=2, alpha=alpha, key=key)
    >>> sweep = TrainingSweep(axes={"width": [16, 32], "seed": [0, 1]}, make_model=make_model, make_task=make_task,
    ...                       task_values={"alpha": 1.0}, optimizer="adam", learning_rate=1e-2, batch_size=128)
    >>> ds = sweep.run(100, record_every=10, progress=False)
    >>> ds.learning_time.dims
    ('width', 'seed', 'skill')
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import _scan
from .._shard import n_devices
from .._validate import check_int
from ..optimizers import OPTIMIZERS, cached_optimizer
from ..sweeps import axes as ax
from ..sweeps.axes import REQUIRED, Axes, Axis
from ..sweeps.base import AbstractScanSweep
from ..sweeps.grid import Grid
from ..sweeps.summary import AbstractScanPlan, Summary
from .tasks import AbstractSkillTask
from .train import training_job

__all__ = ["TrainingSweep"]

def _task_axis(name: str) -> Axis:
    """Any other name is a keyword of ``make_task``: compiled once per value (it may change the task's shapes)."""
    return Axis(name, _plain, static=True)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


AXES = Axes("TrainingSweep", [
    Axis("seed", ax.seed, default=0, doc="run seed: jax.random.key(seed), split as in train"),
    Axis("learning_rate", ax.positive("learning_rate"), default=REQUIRED,
         doc="multiplies the update of the optimizer built with rate 1"),
    Axis("width", _plain, static=True, default=REQUIRED, doc="the width passed to make_model(width, key)"),
    Axis("optimizer", ax.choice("optimizer", sorted(OPTIMIZERS)), static=True, default="adam",
         doc="optimizer preset (skillode.optimizers)"),
], other=_task_axis)
"""The TrainingSweep's parameters; any other axis name is a keyword of ``make_task`` (`skillode.sweeps.axes`)."""
RUN_AXES = AXES.names
_PER_SKILL = ("skill_level", "skill_loss", "accuracy")


@dataclasses.dataclass(frozen=True)
class _ModelOfWidth:
    """``make_model(width, key=...)`` as a callable ``(key=...)`` that compares equal for equal arguments, so that
    every block of one width reuses one compiled program (a ``functools.partial`` compares by identity)."""

    make_model: Callable
    width: object

    def __call__(self, *, key):
        return self.make_model(self.width, key=key)


class TrainingSweep(AbstractScanSweep):
    """A grid of network-training runs over named axes (see the module docstring).

    **Arguments (keyword-only):**

    - `axes`: ordered mapping ``axis name -> values``: ``seed``, ``learning_rate``, ``width``, ``optimizer``, or a
      keyword of ``make_task``.
    - `make_model`: ``make_model(width, key) -> model`` (a module-level function, so that Dask workers can import
      it).
    - `make_task`: ``make_task(**task_values, key) -> AbstractSkillTask``; its static settings must not depend on
      the key.
    - `task_values`: the fixed keywords of ``make_task`` (those that are not axes).
    - `seed` (0), `learning_rate` (required unless an axis), `width` (required unless an axis), `optimizer`
      (``"adam"``): the fixed values of those axes when not swept; `optimizer_kwargs` for the preset.
    - `batch_size`: per step (``None``: the full batch where the task allows it); `self_weighted`: the
      self-weighted objective (`skillode.networks.self_weighted_loss`).
    """

    AXES: ClassVar[Axes] = AXES
    axes: tuple[tuple[str, tuple], ...]
    fixed: tuple[tuple[str, object], ...]
    task_values: tuple[tuple[str, object], ...]
    make_model: Callable = eqx.field(static=True)
    make_task: Callable = eqx.field(static=True)
    optimizer_kwargs: tuple[tuple[str, object], ...]
    batch_size: int | None
    self_weighted: bool

    def __init__(self, *, axes: Mapping[str, Sequence], make_model: Callable, make_task: Callable,
                 task_values: Mapping | None = None, seed=None, learning_rate=None, width=None, optimizer=None,
                 optimizer_kwargs: Mapping | None = None, batch_size: int | None = None, self_weighted: bool = False):
        if not callable(make_model) or not callable(make_task):
            raise ValueError("make_model and make_task must be callables (width, key) -> model and (**values, key) "
                             "-> AbstractSkillTask")
        task_values = dict(task_values or {})
        given = {**task_values, "seed": seed, "learning_rate": learning_rate, "width": width, "optimizer": optimizer}
        self.axes, self.fixed = AXES.parse(axes, given)
        self.task_values = tuple(sorted(task_values.items()))
        self.make_model = make_model
        self.make_task = make_task
        self.optimizer_kwargs = tuple(sorted((optimizer_kwargs or {}).items()))
        self.batch_size = None if batch_size is None else check_int(batch_size, "batch_size")
        self.self_weighted = bool(self_weighted)

    @property
    def task_axes(self) -> tuple[str, ...]:
        return tuple(k for k in self.names if k not in RUN_AXES)

    def task(self, key, **point) -> AbstractSkillTask:
        """The task at a grid point (its task-axis values in ``point``) drawn with ``key``."""
        values = {**dict(self.task_values), **{k: v for k, v in point.items() if k not in RUN_AXES}}
        task = self.make_task(**values, key=key)
        if not isinstance(task, AbstractSkillTask):
            raise ValueError(f"make_task(...) must return an AbstractSkillTask, got {type(task).__name__}")
        return task

    def spec(self) -> dict:
        return {"model": "network", "axes": [[k, [repr(v) for v in vals]] for k, vals in self.axes],
                "fixed": {k: repr(v) for k, v in self.fixed}, "task_values": {k: repr(v) for k, v in self.task_values},
                "make_model": _qualname(self.make_model), "make_task": _qualname(self.make_task),
                "optimizer_kwargs": {k: repr(v) for k, v in self.optimizer_kwargs}, "batch_size": self.batch_size,
                "self_weighted": self.self_weighted}

    def plan(self, steps: int, *, block_size: int | None = None, **summary) -> _TrainingPlan:
        """The plan `run` executes; ``summary`` keywords as in `run`."""
        summary = self.check_summary(Summary.build(steps=steps, **summary), _PER_SKILL)
        size = 64 if block_size is None else check_int(block_size, "block_size")
        grid = self.grid(size)
        # One task per combination of task-axis values (seed-0 key): its skill count and frequencies.
        combos = [dict(zip(self.task_axes, c)) for c in itertools.product(*[self.values(k) for k in self.task_axes])]
        tasks = [self.task(jax.random.key(0), **c) for c in combos]
        n = max(t.n_skills for t in tasks)
        p = [None if t.p is None else np.asarray(t.p, np.float64) for t in tasks]
        names = tasks[0].skill_names if all(t.skill_names == tasks[0].skill_names for t in tasks) else None
        return _TrainingPlan(self, grid, summary, n, tuple(t.n_skills for t in tasks), tuple(p), names)



def _qualname(fn) -> str:
    """``module.qualname`` of a factory, the name a plan's fingerprint holds. A factory defined in the script being
    run is named by the module it is imported as elsewhere (``python -m pkg.mod``: ``pkg.mod``; ``python mod.py``:
    ``mod``), not ``__main__``: a part stored by that script is the same part to a script that imports it."""
    module = getattr(fn, "__module__", "?")
    if module == "__main__":
        main = sys.modules.get("__main__")
        spec = getattr(main, "__spec__", None)
        if spec is not None and spec.name:
            module = spec.name
        elif getattr(main, "__file__", None):
            module = Path(main.__file__).stem
    return f"{module}.{getattr(fn, '__qualname__', repr(fn))}"


@dataclasses.dataclass(frozen=True)
class _TrainingPlan(AbstractScanPlan):
    sweep: TrainingSweep
    grid: Grid
    summary: Summary
    n_max: int
    n_skills: tuple[int, ...]  # per task-axis combination
    p_of: tuple  # per task-axis combination: (n_i,) or None
    skill_names: tuple | None

    @property
    def n(self) -> int:
        return self.n_max

    @property
    def per_skill(self):
        return _PER_SKILL

    def axis_values(self):
        return {k: np.asarray(v, dtype=object) for k, v in self.sweep.axes}

    def block_job(self, index):
        sw = self.sweep
        points = self.grid.points(index, multiple=n_devices())
        m = next(iter(points.values())).size
        axes, fixed = dict(sw.axes), dict(sw.fixed)
        values = {k: ([axes[k][i] for i in points[k]] if k in axes else [fixed[k]] * m) for k in RUN_AXES}
        static = {k: axes[k][points[k][0]] for k in sw.task_axes}
        keys = jnp.stack([jax.random.key(int(s)) for s in values["seed"]])

        def make_task(*, key):
            return sw.task(key, **static)

        optimizer = cached_optimizer(values["optimizer"][0], 1.0, sw.optimizer_kwargs)
        lr = jnp.asarray(values["learning_rate"], dtype=jnp.float64)
        job, task0 = training_job(_ModelOfWidth(sw.make_model, values["width"][0]), make_task, optimizer, keys,
                                  batch_size=sw.batch_size, self_weighted=sw.self_weighted, learning_rate=lr)
        if task0.n_skills < self.n_max:
            job = _PadSkills(job, self.n_max)
        return job, keys, (True,)

    def coords(self):
        sw = self.sweep
        out = {}
        for name, vals in sw.axes:
            try:
                arr = np.asarray(vals)
            except ValueError:  # ragged values (tuples of different lengths)
                arr = None
            ok = arr is not None and arr.ndim == 1 and arr.dtype.kind in "biufU"
            out[name] = arr if ok else np.asarray([str(v) for v in vals])  # tuples etc.: their text
        if all(p is not None for p in self.p_of):
            pad = [np.concatenate([p, np.full(self.n_max - p.size, np.nan)]) for p in self.p_of]
            if sw.task_axes:
                shape = [len(dict(sw.axes)[k]) for k in sw.task_axes]
                out["p"] = ((*sw.task_axes, "skill"), np.stack(pad).reshape(*shape, self.n_max))
            else:
                out["p"] = (("skill",), pad[0])
        if self.skill_names is not None:
            out["skill_name"] = (("skill",), np.asarray(self.skill_names, dtype=str))
        return out

    def attrs(self):
        sw = self.sweep
        return {"model": "network", "sweep_axes": ",".join(sw.names), **{k: v for k, v in sw.fixed},
                **{f"task_{k}": v for k, v in sw.task_values if isinstance(v, (int, float, str))},
                "make_model": _qualname(sw.make_model), "make_task": _qualname(sw.make_task),
                "batch_size": -1 if sw.batch_size is None else sw.batch_size, "self_weighted": int(sw.self_weighted)}

    def spec(self):
        return {**self.sweep.spec(), "summary": self.summary.spec(), "block": self.grid.block}


class _PadSkills(_scan.AbstractJob):
    """A training job whose per-skill measurements are padded with NaN to ``n`` skills (tasks of fewer skills)."""

    job: _scan.AbstractJob
    n: int = eqx.field(static=True)

    def init(self, key):
        return self.job.init(key)

    def step(self, state, i):
        return self.job.step(state, i)

    def measure(self, state):
        out = self.job.measure(state)
        return {k: (jnp.pad(v, (0, self.n - v.shape[0]), constant_values=jnp.nan) if v.ndim == 1 else v)
                for k, v in out.items()}
