r"""Grids of Geometry-model runs over named axes, in process or on a Dask cluster, into one labelled Dataset.

`GeometrySweep` is the Geometry model's sibling of the Resource `skillode.Sweep`: a few named axes varied over
given values, everything else fixed; one run per grid point (`skillode.geometry.GeometrySimulation` on the scan
engine). Each run is fully determined by its point: seed ``s`` gives ``key = jax.random.key(s)``, split into the
task-vector key and the run key (batches, gradient noise), so runs with the same seed, ``N`` and task-vector kind
share their task vectors whatever the other axes, and where a run is computed never changes its numbers.

| axis | values | compiled |
| --- | --- | --- |
| ``"alpha"`` | Zipf exponents $\ge 0$ of ``p = zipf(n, alpha)`` | vmapped |
| ``"seed"`` | integers $\ge 0$ | vmapped |
| ``"learning_rate"`` | $\eta > 0$ (multiplies the update of an optimizer built with rate 1) | vmapped |
| ``"sigma"`` | gradient-noise scale $\ge 0$ | vmapped |
| ``"N"`` | dimensions $\ge 1$ | once per value |
| ``"batch_size"`` | $B \ge 1$ | once per value |
| ``"optimizer"`` | preset names (`skillode.optimizers`) | once per value |
| ``"loss_kind"`` | ``"mse"``, ``"ce"`` | once per value |
| ``"task_vectors"`` | kinds of `skillode.task_vectors` | once per value |

Axes that change shapes or the program compile once per value. Padding ``N`` to the largest value with zero
task-vector columns instead is exact up to rounding (a zero column gets a zero gradient; float64 differs by
1e-15) and, on a 2-core CPU with N = 100..500, was faster: 0.33x the time at 1000 steps and 0.66x at 20000
(``bench/distributed.py --pad``), because compilation dominates there; at the paper's 1e5 steps and N up to
1000 every padded run pays for the largest N. Compiling per value is kept as the exact, simple default.

What is kept of each run (`skillode._summary.Summary`): the loss at ``t = 0`` and at log-spaced record times,
per-skill learning times tracked during the run, the per-skill state of the last step, and per-skill curves only
where asked (``curves=``, ``curves_at=``).

Examples:
    >>> sweep = GeometrySweep(axes={"alpha": [1.5, 2.0], "seed": [0, 1]}, n=5, N=50, batch_size=64,
    ...                       optimizer="signgd", learning_rate=1e-2)
    >>> ds = sweep.run(200, record_every=20, progress=False)
    >>> ds.loss.dims, ds.learning_time.dims
    (('alpha', 'seed', 't'), ('alpha', 'seed', 'skill'))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from .._shard import n_devices
from .._validate import LOSS_KINDS, check_int
from ..frequencies import zipf
from ..geometry import TASK_KINDS, GeometryModel, GeometrySimulation, task_vectors
from ..optimizers import OPTIMIZERS, cached_optimizer
from . import axes as ax
from .axes import REQUIRED, Axes, Axis
from .base import AbstractScanSweep
from .grid import Grid
from .summary import AbstractScanPlan, Summary

__all__ = ["GEOMETRY_AXES", "GeometrySweep"]

AXES = Axes("GeometrySweep", [
    Axis("alpha", ax.nonnegative("alpha"), default=2.0, doc="Zipf exponent of p = zipf(n, alpha)"),
    Axis("seed", ax.seed, default=0, doc="run seed: jax.random.key(seed) -> (task-vector key, run key)"),
    Axis("learning_rate", ax.positive("learning_rate"), default=REQUIRED,
         doc="multiplies the update of an optimizer built with rate 1"),
    Axis("sigma", ax.nonnegative("sigma"), default=0.0, doc="gradient-noise scale"),
    Axis("N", ax.count("N (dimension)"), static=True, default=1000, doc="dimension of the parameter space"),
    Axis("batch_size", ax.count("batch_size", optional=True), static=True, default=None,
         doc="batch size B (none: the exact expected gradient)"),
    Axis("optimizer", ax.choice("optimizer", tuple(OPTIMIZERS)), static=True, default="signgd",
         doc="optimizer preset (skillode.optimizers)"),
    Axis("loss_kind", ax.choice("loss_kind", LOSS_KINDS), static=True, default="mse", doc="loss variant"),
    Axis("task_vectors", ax.choice("task_vectors", TASK_KINDS), static=True, default="orthonormal",
         doc="kind of task vectors (skillode.task_vectors)"),
])
"""The GeometrySweep's parameters (`skillode.sweeps.axes`)."""
GEOMETRY_AXES = AXES.names
STATIC_AXES = tuple(k for k in AXES.names if AXES[k].static)
_PER_SKILL = ("skill_level", "skill_loss")
_T_BUDGET = 2**27  # bytes of task vectors per block when block_size is automatic


class GeometrySweep(AbstractScanSweep):
    """A grid of Geometry-model runs over named axes (see the module docstring).

    **Arguments (keyword-only):**

    - `axes`: ordered mapping ``axis name -> values``, names from `GEOMETRY_AXES`; the output dims follow it.
    - `n`: number of skills (tasks).
    - the fixed value of every axis that is not swept: `alpha` (2.0), `seed` (0), `learning_rate` (required
      unless an axis), `sigma` (0.0), `N` (1000), `batch_size` (``None``: the exact expected gradient),
      `optimizer` (``"signgd"``), `loss_kind` (``"mse"``), `task_vectors` (``"orthonormal"``);
    - `gradient`: ``"autograd"`` or ``"mimicked"`` (`skillode.GeometryModel`); `optimizer_kwargs` for the preset;
      `dtype`: ``"float64"`` (default) or ``"float32"`` (faster; the paper's large grids).
    """

    AXES: ClassVar[Axes] = AXES
    axes: tuple[tuple[str, tuple], ...]
    fixed: tuple[tuple[str, object], ...]
    n: int
    gradient: str
    optimizer_kwargs: tuple[tuple[str, object], ...]
    dtype: str

    def __init__(self, *, axes: Mapping[str, Sequence], n: int, alpha=None, seed=None, learning_rate=None,
                 sigma=None, N=None, batch_size=None, optimizer=None, loss_kind=None, task_vectors=None,
                 gradient: str = "autograd", optimizer_kwargs: Mapping | None = None, dtype: str = "float64"):
        given = {"alpha": alpha, "seed": seed, "learning_rate": learning_rate, "sigma": sigma, "N": N,
                 "batch_size": batch_size, "optimizer": optimizer, "loss_kind": loss_kind,
                 "task_vectors": task_vectors}
        self.axes, self.fixed = AXES.parse(axes, given)
        self.n = check_int(n, "n (number of skills)")
        if gradient not in GeometryModel.GRADIENTS:
            raise ValueError(f"gradient must be one of {GeometryModel.GRADIENTS}, got {gradient!r}")
        self.gradient = gradient
        self.optimizer_kwargs = tuple(sorted((optimizer_kwargs or {}).items()))
        if dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        self.dtype = dtype
        Ns = self.values("N")
        if "orthonormal" in self.values("task_vectors") and self.n > min(Ns):
            raise ValueError(f"task_vectors='orthonormal' needs n <= N, got n={self.n} and N down to {min(Ns)}; "
                             "use task_vectors='random_unit'")
        if "mimicked" == gradient and "ce" in self.values("loss_kind"):
            raise ValueError("gradient='mimicked' is defined for loss_kind='mse' only")

    def _default_block(self) -> int:
        itemsize = 8 if self.dtype == "float64" else 4
        return int(np.clip(_T_BUDGET // (itemsize * self.n * max(self.values("N"))), 1, 64))

    def spec(self) -> dict:
        return {"model": "geometry", "axes": [[k, list(v)] for k, v in self.axes], "fixed": dict(self.fixed),
                "n": self.n, "gradient": self.gradient, "optimizer_kwargs": dict(self.optimizer_kwargs),
                "dtype": self.dtype}

    def plan(self, steps: int, *, block_size: int | None = None, **summary) -> _GeometryPlan:
        """The plan `run` executes; ``summary`` keywords as in `run`."""
        summary = Summary.build(steps=steps, **summary)
        if summary.threshold.variable == "n_aligned":
            raise ValueError("the threshold must be on 'skill_level' or 'loss', not 'n_aligned'")
        self.check_summary(summary, (*_PER_SKILL, "n_aligned"))
        size = self._default_block() if block_size is None else check_int(block_size, "block_size")
        return _GeometryPlan(self, self.grid(size), summary)



@dataclasses.dataclass(frozen=True)
class _GeometryPlan(AbstractScanPlan):
    sweep: GeometrySweep
    grid: Grid
    summary: Summary

    @property
    def n(self) -> int:
        return self.sweep.n

    @property
    def per_skill(self):
        return _PER_SKILL

    def axis_values(self):
        return {k: np.asarray(v) for k, v in self.sweep.axes}

    def _point_values(self, index) -> tuple[dict, dict, int]:
        sw = self.sweep
        points = self.grid.points(index, multiple=n_devices())
        m = next(iter(points.values())).size
        values = {}
        for name in GEOMETRY_AXES:
            if name in points:
                vals = dict(sw.axes)[name]
                values[name] = [vals[i] for i in points[name]]
            else:
                values[name] = [dict(sw.fixed)[name]] * m
        static = {k: values[k][0] for k in STATIC_AXES}
        return static, values, m

    def block_job(self, index):
        sw = self.sweep
        static, values, m = self._point_values(index)
        dtype = jnp.dtype(sw.dtype)
        n, N = sw.n, static["N"]
        seeds = np.asarray(values["seed"])
        distinct, inverse = np.unique(seeds, return_inverse=True)
        keys = {s: jr.split(jr.key(int(s))) for s in distinct}  # (task-vector key, run key) per seed
        T_of = {s: task_vectors(keys[s][0], n, N, static["task_vectors"], dtype=dtype) for s in distinct}
        alphas = np.asarray(values["alpha"], dtype=np.float64)
        a_distinct, a_inverse = np.unique(alphas, return_inverse=True)
        p = np.stack([zipf(n, float(a)) for a in a_distinct])[a_inverse.ravel()]
        model = GeometryModel(p=zipf(n, float(alphas[0])), T=T_of[distinct[0]], loss_kind=static["loss_kind"],
                              batch_size=static["batch_size"], noise=0.0, gradient=sw.gradient)
        stacked = eqx.tree_at(
            lambda mdl: (mdl.p, mdl.T, mdl.noise),
            model,
            (jnp.asarray(p, dtype), jnp.stack([T_of[distinct[i]] for i in inverse.ravel()]),
             jnp.asarray(values["sigma"], dtype)),
        )
        optimizer = cached_optimizer(static["optimizer"], 1.0, sw.optimizer_kwargs)
        job = GeometrySimulation(model=stacked, optimizer=optimizer, record_aligned="n_aligned" in self.summary.curves,
                                 learning_rate=jnp.asarray(values["learning_rate"], dtype))
        run_keys = jnp.stack([keys[distinct[i]][1] for i in inverse.ravel()])
        return job, run_keys, (True,)

    def coords(self):
        sw = self.sweep
        out = {}
        for name, vals in sw.axes:
            out[name] = np.asarray([-1 if v is None else v for v in vals]) if name == "batch_size" else np.asarray(vals)
        if "alpha" in sw.names:
            out["p"] = (("alpha", "skill"), np.stack([zipf(sw.n, a) for a in sw.values("alpha")]))
        else:
            out["p"] = (("skill",), zipf(sw.n, sw.values("alpha")[0]))
        return out

    def attrs(self):
        sw = self.sweep
        fixed = {k: ("none" if v is None else v) for k, v in sw.fixed}
        return {"model": "geometry", "sweep_axes": ",".join(sw.names), "n": sw.n, **fixed, "gradient": sw.gradient,
                "dtype": sw.dtype, **{f"optimizer_{k}": v for k, v in sw.optimizer_kwargs}}

    def spec(self):
        return {**self.sweep.spec(), "summary": self.summary.spec(), "block": self.grid.block}
