r"""The Geometry model: skills as directions in parameter space (arXiv:2501.12391, Figs. 4–8, 10, 12, 15, 18).

The model has parameters ``theta`` in ``R^N`` (initialised to 0) and ``n`` tasks, each with a task vector
``t_i`` in ``R^N`` (the rows of ``T``, shape ``(n, N)``). Task ``i`` is seen with frequency ``p_i``.

- **MSE:** skill ``s_i = t_i · theta``, per-task loss ``ell_i = (1 - s_i)^2`` (not clipped: ``s_i`` may
  overshoot 1 or go below 0 when tasks interfere).
- **CE:** skill ``s_i = sigmoid(t_i · theta)``, per-task loss ``ell_i = -log s_i = log(1 + exp(-t_i · theta))``.
- Population loss ``L = sum_i p_i ell_i``.

Each step draws a batch of ``B`` task ids iid from ``Categorical(p)``, forms the gradient of the batch loss

$$
g = \nabla_\theta \sum_i \frac{c_i}{B}\, \ell_i(\theta), \qquad c \sim \mathrm{Multinomial}(B, p)
$$

(``batch_size=None`` uses the exact expectation ``c / B -> p``), optionally adds Gaussian noise
``sigma * xi``, ``xi ~ N(0, I_N)``, and hands ``g`` to any optax optimizer. With ``gradient="mimicked"`` the MSE
gradient is that of ``1/2 ell``, i.e. ``-sum_i w_i (1 - s_i) t_i`` (the paper's Fig4–7 code drops the factor 2,
as in the authors' Fig. 4–7 code); ``gradient="autograd"`` keeps it.

The *resource* readout (Fig. 5) is the number of aligned dimensions of each skill,

$$
n^{\mathrm{aligned}}_i = \#\{ k : t_{ik}\, \Delta\theta_k > 0 \},
$$

the coordinates whose update ``Δtheta`` pushes skill ``i`` forward (for SGD and SignGD ``Δtheta ∝ -g``, the
paper's definition). A skill being learned climbs toward ``N``; the others sit near ``N / 2``.

A simulation is a `GeometrySimulation` job of the scan engine (`skillode._scan`): a ``lax.scan`` over steps in
jit-compiled chunks, vmapped over seeds and over sweep points; `simulate` and `simulate_many` run it and return
the shared trajectory Dataset (`skillode.trajectory`).

References:
    Z. Liu, Y. Liu, E. J. Michaud, J. Gore, M. Tegmark, *Physics of Skill Learning*, arXiv:2501.12391 (2025).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import xarray as xr

from . import _scan
from ._model import AbstractSkillModel
from ._validate import LOSS_KINDS, check_array, check_choice, check_int, check_key, check_scalar, is_concrete
from .frequencies import as_frequencies
from .optimizers import cached_optimizer, make_optimizer
from .trajectory import make_trajectory

__all__ = [
    "TASK_KINDS",
    "GeometryModel",
    "GeometrySimulation",
    "correlation_matrix",
    "simulate",
    "simulate_many",
    "task_vectors",
]

TASK_KINDS = ("orthonormal", "random_unit", "gaussian", "one_hot")


def task_vectors(key, n: int, N: int, kind: str = "orthonormal", *, dtype=jnp.float64) -> jax.Array:
    r"""Draw ``n`` task vectors in ``R^N`` from one of the paper's ensembles.

    | ``kind`` | construction |
    | --- | --- |
    | ``"orthonormal"`` | the first ``n`` rows of a Haar-random orthogonal ``N x N`` matrix (``n <= N``) |
    | ``"random_unit"`` | iid standard Gaussian rows, each normalised to unit length (overlaps $\sim N^{-1/2}$) |
    | ``"gaussian"`` | iid $\mathcal{N}(0, 1/N)$ entries, not normalised (Fig15) |
    | ``"one_hot"`` | $t_i = e_i$ for $i \le N$ and $t_i = 0$ beyond (the "modular" model, Fig18) |

    **Arguments:**

    - `key`: a ``jax.random`` key (unused for ``"one_hot"``).
    - `n`: number of tasks, ``>= 1``.
    - `N`: dimension, ``>= 1``.
    - `kind`: one of ``TASK_KINDS``.
    - `dtype`: floating dtype of the result.

    **Returns:** ``T`` of shape ``(n, N)``.

    Examples:
        >>> T = task_vectors(jax.random.key(0), 3, 100, "orthonormal")
        >>> bool(jnp.allclose(T @ T.T, jnp.eye(3)))
        True
    """
    n = check_int(n, "n (number of tasks)")
    N = check_int(N, "N (dimension)")
    kind = check_choice(kind, "kind", TASK_KINDS)
    if kind == "one_hot":
        return jnp.eye(n, N, dtype=dtype)
    key = check_key(key)
    if kind == "orthonormal":
        if n > N:
            raise ValueError(f"kind='orthonormal' needs n <= N, got n={n} > N={N}; use kind='random_unit'")
        # QR of an N x n Gaussian with the signs of R's diagonal folded into Q gives the first n columns of a
        # Haar-distributed orthogonal matrix (Mezzadri 2007) without factorising the full N x N matrix.
        q, r = jnp.linalg.qr(jr.normal(key, (N, n), dtype=jnp.float64))
        q = q * jnp.where(jnp.diag(r) < 0, -1.0, 1.0)
        return q.T.astype(dtype)
    g = jr.normal(key, (n, N), dtype=jnp.float64)
    if kind == "random_unit":
        g = g / jnp.linalg.norm(g, axis=1, keepdims=True)
    else:
        g = g / math.sqrt(N)
    return g.astype(dtype)


def correlation_matrix(T) -> jax.Array:
    """Task correlation ``C = T T^T`` (shape ``(n, n)``), the ``C`` of the Resource model (Fig. 8).

    For orthonormal task vectors ``C = I``; for random-unit vectors ``C`` has a unit diagonal.
    """
    T = jnp.asarray(T)
    if T.ndim != 2:
        raise ValueError(f"T (task vectors) must have shape (n, N), got {T.shape}")
    return T @ T.T


class GeometryModel(AbstractSkillModel):
    r"""The Geometry model of skill learning: ``theta in R^N``, task vectors ``T``, frequencies ``p``.

    Skill ``i`` is ``s_i = t_i · theta`` (MSE) or ``s_i = sigmoid(t_i · theta)`` (CE), with per-skill loss
    ``ell_i = (1 - s_i)^2`` or ``ell_i = -log s_i``; one step's gradient is

    $$
    g = \nabla_\theta \sum_i w_i\, c\, \ell_i(\theta) + \sigma\, \xi, \qquad
    w = \frac{\mathrm{Multinomial}(B, p)}{B} \ (\text{or } p), \quad \xi \sim N(0, I_N),
    $$

    with ``c = 1/2`` for ``gradient="mimicked"`` and ``c = 1`` otherwise. A final class.

    **Fields** (keyword-only):

    - `p`: skill frequencies, shape ``(n,)``, positive, summing to 1.
    - `T`: task vectors, shape ``(n, N)`` (see `task_vectors`, or build with `GeometryModel.sample`).
    - `loss_kind`: ``"mse"`` (``s = T theta``, ``ell = (1 - s)^2``) or ``"ce"`` (``s = sigmoid(T theta)``,
      ``ell = -log s``).
    - `batch_size`: ``None`` for the exact expected gradient, or ``B >= 1`` task ids per step drawn iid from
      ``Categorical(p)`` (only their counts are formed, so a step costs two ``(n x N)`` mat-vecs whatever ``B``).
    - `noise`: ``sigma >= 0`` of the Gaussian noise added to the gradient before the optimizer step.
    - `gradient`: ``"autograd"`` (the gradient of the batch loss) or ``"mimicked"`` (MSE only: the gradient of
      half the loss, as in the paper's Fig4–7 code).

    Examples:
        >>> from skillode import zipf
        >>> model = GeometryModel.sample(jax.random.key(0), p=zipf(10, 2.0), N=1000, batch_size=128)
        >>> ds = simulate(model, "signgd", 300, learning_rate=3e-4, key=jax.random.key(1), record_every=10)
    """

    p: jax.Array
    T: jax.Array
    loss_kind: str = eqx.field(static=True, default="mse")
    batch_size: int | None = eqx.field(static=True, default=None)
    noise: jax.Array = 0.0
    gradient: str = eqx.field(static=True, default="autograd")

    LOSS_KINDS: ClassVar[tuple[str, ...]] = LOSS_KINDS
    GRADIENTS: ClassVar[tuple[str, ...]] = ("autograd", "mimicked")

    def __init__(self, *, p, T, loss_kind="mse", batch_size=None, noise=0.0, gradient="autograd"):
        self.p = jnp.asarray(as_frequencies(p)) if is_concrete(p) else p
        self.T = jnp.asarray(T) if is_concrete(T) else T
        self.loss_kind = loss_kind
        self.batch_size = batch_size
        self.noise = jnp.asarray(noise, dtype=jnp.result_type(float)) if is_concrete(noise) else noise
        self.gradient = gradient

    def __check_init__(self):
        check_choice(self.loss_kind, "loss_kind", self.LOSS_KINDS)
        check_choice(self.gradient, "gradient", self.GRADIENTS)
        if self.loss_kind == "ce" and self.gradient == "mimicked":
            raise ValueError("gradient='mimicked' is defined for loss_kind='mse' only; use gradient='autograd'")
        if self.batch_size is not None:
            check_int(self.batch_size, "batch_size")
        check_array(self.T, "T (task vectors)", (self.n, -1))
        check_scalar(self.noise, "noise (sigma)", low=0.0)

    @classmethod
    def sample(cls, key, *, p, N: int, kind: str = "orthonormal", dtype=jnp.float64, **kwargs) -> GeometryModel:
        """Build a model with task vectors drawn by `task_vectors` (``n = len(p)``); other fields as keywords."""
        p = as_frequencies(p)
        return cls(p=p, T=task_vectors(key, p.shape[0], N, kind, dtype=dtype), **kwargs)

    @property
    def N(self) -> int:
        """Dimension of ``theta``."""
        return self.T.shape[-1]

    def attrs(self, **extra) -> dict:
        """The model's parameters as netCDF-safe ``attrs`` (``T`` is summarised by ``n`` and ``N``)."""
        return {
            "model": "geometry",
            "n": self.n,
            "N": self.N,
            "loss_kind": self.loss_kind,
            "gradient": self.gradient,
            "batch_size": "none" if self.batch_size is None else int(self.batch_size),
            "noise": float(self.noise),
            **extra,
        }

    def skill_levels(self, theta) -> jax.Array:
        """``s = T theta`` (MSE) or ``sigmoid(T theta)`` (CE) for parameters ``theta`` ``(N,)``; shape ``(n,)``."""
        z = self.T @ theta
        return jax.nn.sigmoid(z) if self.loss_kind == "ce" else z

    def skill_loss(self, theta) -> jax.Array:
        """Per-skill loss ``ell_i``: ``(1 - t_i · theta)^2`` or ``log(1 + exp(-t_i · theta))``; shape ``(n,)``."""
        z = self.T @ theta
        return jax.nn.softplus(-z) if self.loss_kind == "ce" else (1.0 - z) ** 2

    def task_weights(self, key, dtype) -> jax.Array:
        """Per-task weights ``w`` ``(n,)`` of one step's batch loss: ``c / B`` with ``c ~ Multinomial(B, p)``, or ``p``.

        Sampling is by inverse CDF (``B`` uniforms, a sorted search, a bincount), an exact multinomial draw that
        costs ``O(B log n)`` rather than a sequential scan over the ``n`` categories.
        """
        p = self.p.astype(dtype)
        if self.batch_size is None:
            return p
        cdf = jnp.cumsum(self.p)
        u = jr.uniform(key, (self.batch_size,), dtype=cdf.dtype) * cdf[-1]
        ids = jnp.minimum(jnp.searchsorted(cdf, u, side="right"), self.n - 1)
        counts = jnp.bincount(ids, length=self.n)
        return counts.astype(dtype) / self.batch_size

    def gradient_estimate(self, theta, key) -> jax.Array:
        """One step's stochastic gradient ``g = grad(c w · ell)(theta) + sigma xi`` (shape ``(N,)``)."""
        k_batch, k_noise = jr.split(key)
        w = self.task_weights(k_batch, theta.dtype)
        scale = 0.5 if self.gradient == "mimicked" else 1.0
        g = jax.grad(lambda th: scale * (w @ self.skill_loss(th)))(theta)
        return g + jnp.asarray(self.noise, theta.dtype) * jr.normal(k_noise, theta.shape, dtype=theta.dtype)

    def simulate(self, optimizer, steps: int, *, key, **kwargs) -> xr.Dataset:
        """`simulate` this model: the trajectory Dataset of ``steps`` optimizer steps from ``theta = 0``."""
        return simulate(self, optimizer, steps, key=key, **kwargs)


# ----------------------------------------------------------------------------------------------------------------
# Simulation: one job of the scan engine (skillode._scan); simulate_many is the same job vmapped.


class _State(eqx.Module):
    theta: jax.Array
    opt_state: optax.OptState
    key: jax.Array


class GeometrySimulation(_scan.AbstractJob):
    r"""One Geometry-model run as a job of the scan engine (`skillode._scan`).

    From ``theta_0 = 0``, step ``i`` draws its randomness from ``fold_in(key, i)`` (so chunks can be recomputed
    alone) and applies the optimizer:

    $$
    g_i = \mathrm{model.gradient\_estimate}(\theta_i, \mathrm{fold\_in}(key, i)), \qquad
    (\Delta\theta_i, o_{i+1}) = \mathrm{optimizer.update}(g_i, o_i), \qquad
    \theta_{i+1} = \theta_i + \Delta\theta_i.
    $$

    Each record holds ``skill_level`` and ``skill_loss`` ``(n,)`` and ``loss = p · skill_loss`` ``()``; with
    `record_aligned` also ``n_aligned`` ``(n,)``, the count ``#{k : t_ik Δtheta_ik > 0}`` averaged over the steps
    since the previous record.

    **Fields:** `model` (a `GeometryModel`), `optimizer` (an ``optax.GradientTransformation``), `record_aligned`,
    and `learning_rate`: ``None``, or a scalar array ``eta`` that multiplies every update — then `optimizer` is built
    with learning rate 1, so a sweep can vmap over ``eta`` with one compiled program. For optax's optimizers
    (whose last step scales by ``-eta``) the two give the same numbers bit for bit.
    """

    model: GeometryModel
    optimizer: optax.GradientTransformation = eqx.field(static=True)
    record_aligned: bool = eqx.field(static=True, default=True)
    learning_rate: jax.Array | None = None

    def init(self, key) -> _State:
        theta = jnp.zeros(self.model.N, dtype=self.model.T.dtype)
        return _State(theta, self.optimizer.init(theta), key)

    def step(self, state: _State, i) -> tuple[_State, dict[str, jax.Array]]:
        theta = state.theta
        g = self.model.gradient_estimate(theta, jr.fold_in(state.key, i))
        updates, opt_state = self.optimizer.update(g, state.opt_state, theta)
        if self.learning_rate is not None:
            updates = updates * jnp.asarray(self.learning_rate, updates.dtype)
        observed = {}
        if self.record_aligned:
            observed["n_aligned"] = jnp.sum(self.model.T * updates > 0, axis=1).astype(theta.dtype)
        return _State(optax.apply_updates(theta, updates), opt_state, state.key), observed

    def measure(self, state: _State) -> dict[str, jax.Array]:
        skill_loss = self.model.skill_loss(state.theta)
        return {
            "skill_level": self.model.skill_levels(state.theta),
            "skill_loss": skill_loss,
            "loss": self.model.p.astype(skill_loss.dtype) @ skill_loss,
        }


def _resolve_optimizer(optimizer, learning_rate, optimizer_kwargs):
    if isinstance(optimizer, str):
        if learning_rate is None:
            raise ValueError(f"learning_rate is required when optimizer is a name ({optimizer!r})")
        try:
            opt = cached_optimizer(optimizer, float(learning_rate), tuple(sorted((optimizer_kwargs or {}).items())))
        except TypeError:  # unhashable keyword values: build afresh
            opt = make_optimizer(optimizer, learning_rate, **(optimizer_kwargs or {}))
        return opt, {"optimizer": optimizer, "learning_rate": float(learning_rate), **(optimizer_kwargs or {})}
    if not isinstance(optimizer, optax.GradientTransformation):
        raise ValueError(f"optimizer must be a preset name or an optax.GradientTransformation, got {optimizer!r}")
    if learning_rate is not None or optimizer_kwargs:
        raise ValueError("learning_rate/optimizer_kwargs apply only when optimizer is a preset name")
    return optimizer, {"optimizer": "custom"}


def _simulation(model, optimizer, steps, learning_rate, optimizer_kwargs, record_every, chunk, record_aligned, dtype):
    """The job, its schedule and the run attrs; ``model`` (possibly stacked over sweep points) is cast to ``dtype``."""
    schedule = _scan.Schedule(steps=steps, record_every=record_every, chunk=chunk)
    opt, opt_attrs = _resolve_optimizer(optimizer, learning_rate, optimizer_kwargs)
    if not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(f"dtype must be a floating dtype (jnp.float64 or jnp.float32), got {dtype!r}")
    cast = eqx.tree_at(
        lambda m: (m.p, m.T, m.noise),
        model,
        (model.p.astype(dtype), model.T.astype(dtype), jnp.asarray(model.noise, dtype)),
    )
    job = GeometrySimulation(model=cast, optimizer=opt, record_aligned=bool(record_aligned))
    sched = {"steps": schedule.steps, "record_every": schedule.record_every, "dtype": jnp.dtype(dtype).name}
    return job, schedule, {**opt_attrs, **sched}


def _to_dataset(schedule: _scan.Schedule, records, *, sweep, p, attrs) -> xr.Dataset:
    """Records ``(*sweep, R + 1, ...)`` (t = 0 first) in the trajectory format."""
    lead = len(sweep)
    per_skill = {k: np.moveaxis(v, lead, -1) for k, v in records.items() if k != "loss"}  # (*sweep, n, R + 1)
    t = np.arange(schedule.n_records + 1, dtype=np.float64) * schedule.record_every
    extra = {}
    if "n_aligned" in per_skill:  # NaN at t = 0: no step before it
        extra["n_aligned"] = ((*sweep, "skill", "t"), per_skill["n_aligned"])
    return make_trajectory(t, per_skill["skill_level"], loss=records["loss"], skill_loss=per_skill["skill_loss"],
                           p=p, sweep=sweep, extra=extra, attrs=attrs)


def simulate(
    model: GeometryModel,
    optimizer,
    steps: int,
    *,
    key,
    learning_rate: float | None = None,
    optimizer_kwargs: Mapping | None = None,
    record_every: int = 1,
    chunk: int | None = None,
    record_aligned: bool = True,
    dtype=jnp.float64,
    progress: bool = False,
    attrs: Mapping | None = None,
) -> xr.Dataset:
    r"""Train the Geometry model from ``theta = 0`` for ``steps`` optimizer steps (a `GeometrySimulation`).

    **Arguments:**

    - `model`: a `GeometryModel`.
    - `optimizer`: a preset name of `skillode.optimizers.make_optimizer` (then give `learning_rate` and optionally
      `optimizer_kwargs`) or any ``optax.GradientTransformation``.
    - `steps`: number of optimizer steps; a multiple of `record_every`.
    - `key`: ``jax.random`` key; the step-``i`` randomness is ``fold_in(key, i)``, so the result does not depend
      on `chunk`.
    - `record_every`: record every ``k`` steps (times ``0, k, 2k, …, steps``).
    - `chunk`: records per compiled ``lax.scan`` (default: all). Long runs loop over chunks in Python so memory
      stays bounded and `progress` can report.
    - `record_aligned`: also record ``n_aligned`` (costs one ``n x N`` pass per step).
    - `dtype`: ``jnp.float64`` (default, accurate) or ``jnp.float32`` (fast sweeps).
    - `progress`: show a progress bar (optimizer steps).
    - `attrs`: extra attributes to store.

    **Returns:** a trajectory Dataset with ``skill_level``, ``loss`` (population loss ``sum_i p_i ell_i``),
    ``skill_loss`` and ``n_aligned`` (dims ``(skill, t)``; the mean over the ``k`` steps ending at ``t`` of the
    number of aligned coordinates, NaN at ``t = 0``).
    """
    if not isinstance(model, GeometryModel):
        raise ValueError(f"model must be a GeometryModel, got {type(model).__name__}")
    job, schedule, run_attrs = _simulation(model, optimizer, steps, learning_rate, optimizer_kwargs, record_every,
                                           chunk, record_aligned, dtype)
    state = _scan.init(job, check_key(key))
    _, records = _scan.run(job, schedule, state, initial=True, progress=progress, desc="geometry")
    out_attrs = model.attrs(**run_attrs, **(attrs or {}))
    ds = _to_dataset(schedule, records, sweep={}, p=np.asarray(model.p), attrs=out_attrs)
    bad = ~np.isfinite(ds.loss.values)
    if bad.any():  # a run that cannot say where it went: an error, not a NaN-filled trajectory
        opt = ", ".join(f"{k}={v!r}" for k, v in run_attrs.items() if k in ("optimizer", "learning_rate"))
        raise ValueError(f"the Geometry-model run diverged: its loss is not finite from t = {ds.t.values[bad][0]:g} "
                         f"on ({opt}, dtype {run_attrs['dtype']}); lower learning_rate")
    return ds


def _stack_models(models: Sequence[GeometryModel]) -> GeometryModel:
    dyn0, static0 = eqx.partition(models[0], eqx.is_array)
    dyns = []
    for m in models:
        if not isinstance(m, GeometryModel):
            raise ValueError(f"every sweep point must be a GeometryModel, got {type(m).__name__}")
        dyn, static = eqx.partition(m, eqx.is_array)
        if jax.tree.structure(static) != jax.tree.structure(static0) or static != static0:
            raise ValueError("models in a sweep must share loss_kind, batch_size and gradient (static fields)")
        if jax.tree.map(jnp.shape, dyn) != jax.tree.map(jnp.shape, dyn0):
            raise ValueError("models in a sweep must share shapes (n, N); sweep over N with a Python loop")
        dyns.append(dyn)
    return eqx.combine(jax.tree.map(lambda *xs: jnp.stack(xs), *dyns), static0)


def simulate_many(
    model: GeometryModel | Sequence[GeometryModel],
    optimizer,
    steps: int,
    *,
    seeds: Sequence[int],
    sweep: Mapping[str, Sequence] | None = None,
    learning_rate: float | None = None,
    optimizer_kwargs: Mapping | None = None,
    record_every: int = 1,
    chunk: int | None = None,
    record_aligned: bool = True,
    dtype=jnp.float64,
    progress: bool = False,
    attrs: Mapping | None = None,
) -> xr.Dataset:
    r"""`simulate`, vmapped over seeds and (optionally) over sweep points, in one compiled program.

    **Arguments** (the rest as in `simulate`):

    - `model`: one `GeometryModel` (then `sweep` must be empty) or a sequence of models, one per point of the
      grid spanned by `sweep`, in row-major order. They must share ``n``, ``N``, ``loss_kind``, ``batch_size`` and
      ``gradient``; they may differ in ``p``, ``T`` and ``noise``.
    - `seeds`: integer seeds ``>= 0``; seed ``s`` runs with key ``jax.random.key(s)`` (batch and noise draws only;
      draw the task vectors yourself, e.g. per sweep point).
    - `sweep`: ordered ``axis name -> coordinate values`` describing the grid of `model`.

    **Returns:** a trajectory Dataset with dims ``(*sweep, seed, skill, t)``. A run with a given seed equals
    `simulate` with ``key=jax.random.key(seed)``.

    Examples:
        >>> from skillode import zipf
        >>> p, T = zipf(5, 2.0), task_vectors(jax.random.key(0), 5, 50)
        >>> models = [GeometryModel(p=p, T=T, batch_size=128, noise=s) for s in (0.0, 0.1)]
        >>> ds = simulate_many(models, "signgd", 100, learning_rate=1e-2, seeds=[0, 1], sweep={"noise": [0.0, 0.1]},
        ...                    record_every=10)
        >>> ds.skill_level.dims
        ('noise', 'seed', 'skill', 't')
    """
    seeds = [check_int(s, "seeds (each)", 0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one integer seed")
    sweep = {k: np.asarray(v) for k, v in (sweep or {}).items()}
    grid = tuple(v.shape[0] for v in sweep.values())
    if isinstance(model, GeometryModel):
        if sweep:
            raise ValueError("sweep needs one model per grid point (a sequence of GeometryModel)")
        models, batched, batch = [model], model, (False,)
    else:
        models = list(model)
        if not models or math.prod(grid) != len(models):
            raise ValueError(
                f"sweep grid {dict(zip(sweep, grid))} has {math.prod(grid)} points, got {len(models)} models"
            )
        batched, batch = _stack_models(models), (True, False)
    job, schedule, run_attrs = _simulation(batched, optimizer, steps, learning_rate, optimizer_kwargs, record_every,
                                           chunk, record_aligned, dtype)
    keys = jnp.stack([jr.key(s) for s in seeds])
    if batch == (True, False):
        keys = jnp.stack([keys] * len(models))
    state = _scan.init(job, keys, batch=batch)
    _, records = _scan.run(job, schedule, state, batch=batch, initial=True, progress=progress,
                           desc=f"geometry x{len(models) * len(seeds)}")
    if batch == (True, False):  # sweep points -> the sweep grid
        records = {k: v.reshape(*grid, *v.shape[1:]) for k, v in records.items()}
    base = models[0]
    ps = np.stack([np.asarray(m.p) for m in models])
    out_attrs = base.attrs(**run_attrs, **(attrs or {}))
    if "noise" in sweep:
        del out_attrs["noise"]
    return _to_dataset(schedule, records, sweep={**sweep, "seed": np.asarray(seeds)},
                       p=ps[0] if np.all(ps == ps[0]) else None, attrs=out_attrs)
