r"""The Geometry model: skills as directions in parameter space (PAPER §3).

The model has parameters ``theta`` in ``R^N`` (initialised to 0) and ``n`` tasks, each with a task vector
``t_i`` in ``R^N`` (the rows of ``T``, shape ``(n, N)``). Task ``i`` is seen with frequency ``p_i``.

- **MSE:** skill ``s_i = t_i · theta``, per-task loss ``ell_i = (1 - s_i)^2`` (not clipped: ``s_i`` may
  overshoot 1 or go below 0 when tasks interfere).
- **CE:** skill ``s_i = sigmoid(t_i · theta)``, per-task loss ``ell_i = -log s_i = log(1 + exp(-t_i · theta))``.
- Population loss ``L = sum_i p_i ell_i``.

Each step draws a batch of ``B`` task ids iid from ``Categorical(p)``, forms the gradient of the batch loss

    g = grad_theta  sum_i (c_i / B) ell_i(theta),      c ~ Multinomial(B, p)

(``batch_size=None`` uses the exact expectation ``c / B -> p``), optionally adds Gaussian noise
``sigma * xi``, ``xi ~ N(0, I_N)``, and hands ``g`` to any optax optimizer. With ``gradient="mimicked"`` the MSE
gradient is that of ``1/2 ell``, i.e. ``-sum_i w_i (1 - s_i) t_i`` (the paper's Fig4–7 code drops the factor 2,
PAPER §3.3); ``gradient="autograd"`` keeps it.

The *resource* readout (PAPER §3.5) is the number of aligned dimensions of each skill,

    n_aligned_i = #{ k : t_ik · Δtheta_k > 0 },

the coordinates whose update ``Δtheta`` pushes skill ``i`` forward (for SGD and SignGD ``Δtheta ∝ -g``, the
paper's definition). A skill being learned climbs toward ``N``; the others sit near ``N / 2``.

Simulations run as ``lax.scan`` over steps inside jit-compiled chunks, vmap over seeds and over sweep points, and
return the shared trajectory Dataset (`skillode.trajectory`).

References:
    Z. Liu, Y. Liu, E. J. Michaud, J. Gore, M. Tegmark, *Physics of Skill Learning*, arXiv:2501.12391 (2025).
"""

from __future__ import annotations

import functools
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
from jax import lax

from .frequencies import as_frequencies
from .optimizers import make_optimizer
from .trajectory import make_trajectory

__all__ = [
    "TASK_KINDS",
    "GeometryModel",
    "correlation_matrix",
    "simulate",
    "simulate_many",
    "task_vectors",
]

TASK_KINDS = ("orthonormal", "random_unit", "gaussian", "one_hot")


def _check_size(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def task_vectors(key, n: int, N: int, kind: str = "orthonormal", *, dtype=jnp.float64) -> jax.Array:
    r"""Draw ``n`` task vectors in ``R^N`` from one of the paper's ensembles (PAPER §3.2).

    ==================  ===========================================================================
    ``kind``            construction
    ==================  ===========================================================================
    ``"orthonormal"``   the first ``n`` rows of a Haar-random orthogonal ``N x N`` matrix (``n <= N``)
    ``"random_unit"``   iid standard Gaussian rows, each normalised to unit length (overlaps ``~N^-1/2``)
    ``"gaussian"``      iid ``N(0, 1/N)`` entries, not normalised (Fig15)
    ``"one_hot"``       ``t_i = e_i`` for ``i <= N`` and ``t_i = 0`` beyond (the "modular" model, Fig18)
    ==================  ===========================================================================

    **Arguments:**

    - `key`: a ``jax.random`` key (unused for ``"one_hot"``).
    - `n`: number of tasks, ``>= 1``.
    - `N`: dimension, ``>= 1``.
    - `kind`: one of ``TASK_KINDS``.
    - `dtype`: floating dtype of the result.

    **Returns:** ``T`` of shape ``(n, N)``.

    Example:
        >>> T = task_vectors(jax.random.key(0), 3, 100, "orthonormal")
        >>> bool(jnp.allclose(T @ T.T, jnp.eye(3)))
        True
    """
    n = _check_size("n (number of tasks)", n)
    N = _check_size("N (dimension)", N)
    if kind not in TASK_KINDS:
        raise ValueError(f"kind must be one of {TASK_KINDS}, got {kind!r}")
    if kind == "one_hot":
        return jnp.eye(n, N, dtype=dtype)
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
    """Task correlation ``C = T T^T`` (shape ``(n, n)``), the ``C`` of the Resource model (PAPER §4.5).

    For orthonormal task vectors ``C = I``; for random-unit vectors ``C`` has a unit diagonal.
    """
    T = jnp.asarray(T)
    if T.ndim != 2:
        raise ValueError(f"T (task vectors) must have shape (n, N), got {T.shape}")
    return T @ T.T


def _is_concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


class GeometryModel(eqx.Module):
    r"""The Geometry model of skill learning (PAPER §3): ``theta in R^N``, task vectors ``T``, frequencies ``p``.

    **Fields** (keyword-only):

    - `p`: skill frequencies, shape ``(n,)``, positive, summing to 1.
    - `T`: task vectors, shape ``(n, N)`` (see `task_vectors`, or build with `GeometryModel.sample`).
    - `loss`: ``"mse"`` (``s = T theta``, ``ell = (1 - s)^2``) or ``"ce"`` (``s = sigmoid(T theta)``,
      ``ell = -log s``).
    - `batch_size`: ``None`` for the exact expected gradient, or ``B >= 1`` task ids per step drawn iid from
      ``Categorical(p)`` (only their counts are formed, so a step costs two ``(n x N)`` mat-vecs whatever ``B``).
    - `noise`: ``sigma >= 0`` of the Gaussian noise added to the gradient before the optimizer step.
    - `gradient`: ``"autograd"`` (the gradient of the batch loss) or ``"mimicked"`` (MSE only: the gradient of
      half the loss, as in the paper's Fig4–7 code).

    Example:
        >>> from skillode import zipf
        >>> model = GeometryModel.sample(jax.random.key(0), p=zipf(10, 2.0), N=1000, batch_size=128)
        >>> ds = simulate(model, "signgd", 300, learning_rate=3e-4, key=jax.random.key(1), record_every=10)
    """

    p: jax.Array
    T: jax.Array
    loss: str = eqx.field(static=True, default="mse")
    batch_size: int | None = eqx.field(static=True, default=None)
    noise: jax.Array | float = 0.0
    gradient: str = eqx.field(static=True, default="autograd")

    LOSSES: ClassVar[tuple[str, ...]] = ("mse", "ce")
    GRADIENTS: ClassVar[tuple[str, ...]] = ("autograd", "mimicked")

    def __init__(self, *, p, T, loss="mse", batch_size=None, noise=0.0, gradient="autograd"):
        self.p = p if not _is_concrete(p) else jnp.asarray(as_frequencies(p))
        self.T = T if not _is_concrete(T) else jnp.asarray(T)
        self.loss = loss
        self.batch_size = batch_size
        self.noise = noise if not _is_concrete(noise) else jnp.asarray(noise, dtype=jnp.result_type(float))
        self.gradient = gradient

    def __check_init__(self):
        if self.loss not in self.LOSSES:
            raise ValueError(f"loss must be one of {self.LOSSES}, got {self.loss!r}")
        if self.gradient not in self.GRADIENTS:
            raise ValueError(f"gradient must be one of {self.GRADIENTS}, got {self.gradient!r}")
        if self.loss == "ce" and self.gradient == "mimicked":
            raise ValueError("gradient='mimicked' is defined for loss='mse' only; use gradient='autograd' for 'ce'")
        if self.batch_size is not None:
            _check_size("batch_size", self.batch_size)
        if self.T.ndim != 2 or self.T.shape[0] != self.p.shape[0]:
            raise ValueError(f"T (task vectors) must have shape (n, N) = ({self.p.shape[0]}, N), got {self.T.shape}")
        if _is_concrete(self.T) and not bool(jnp.all(jnp.isfinite(self.T))):
            raise ValueError("T (task vectors) must be finite")
        if jnp.ndim(self.noise) != 0:
            raise ValueError(f"noise (sigma) must be a scalar, got shape {jnp.shape(self.noise)}")
        if _is_concrete(self.noise) and not (float(self.noise) >= 0 and math.isfinite(float(self.noise))):
            raise ValueError(f"noise (sigma) must be finite and >= 0, got {float(self.noise)}")

    @classmethod
    def sample(cls, key, *, p, N: int, kind: str = "orthonormal", dtype=jnp.float64, **kwargs) -> GeometryModel:
        """Build a model with task vectors drawn by `task_vectors` (``n = len(p)``); other fields as keywords."""
        p = as_frequencies(p)
        return cls(p=p, T=task_vectors(key, p.shape[0], N, kind, dtype=dtype), **kwargs)

    @property
    def n(self) -> int:
        """Number of skills."""
        return self.T.shape[0]

    @property
    def N(self) -> int:
        """Dimension of ``theta``."""
        return self.T.shape[1]

    def skill_level(self, theta) -> jax.Array:
        """``s_i`` for parameters ``theta`` (shape ``(N,)``); returns shape ``(n,)``."""
        z = self.T @ theta
        return jax.nn.sigmoid(z) if self.loss == "ce" else z

    def skill_loss(self, theta) -> jax.Array:
        """Per-skill loss ``ell_i`` (shape ``(n,)``)."""
        z = self.T @ theta
        return jax.nn.softplus(-z) if self.loss == "ce" else (1.0 - z) ** 2

    def population_loss(self, theta) -> jax.Array:
        """``L = sum_i p_i ell_i`` (scalar)."""
        return self.p.astype(theta.dtype) @ self.skill_loss(theta)

    def task_weights(self, key, dtype) -> jax.Array:
        """Per-task weights of one step's batch loss: ``c / B`` with ``c ~ Multinomial(B, p)``, or ``p``.

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
        """One step's stochastic gradient ``g`` (shape ``(N,)``): batch gradient plus noise."""
        k_batch, k_noise = jr.split(key)
        w = self.task_weights(k_batch, theta.dtype)
        scale = 0.5 if self.gradient == "mimicked" else 1.0
        g = jax.grad(lambda th: scale * (w @ self.skill_loss(th)))(theta)
        return g + jnp.asarray(self.noise, theta.dtype) * jr.normal(k_noise, theta.shape, dtype=theta.dtype)


# ----------------------------------------------------------------------------------------------------------------
# Simulation: lax.scan over steps, jit-compiled chunks, vmap over seeds and sweep points.


@functools.lru_cache(maxsize=64)
def _preset(name: str, learning_rate: float, kwargs: tuple) -> optax.GradientTransformation:
    # The same preset object across calls lets jit reuse the compiled scan (the optimizer is a static argument).
    return make_optimizer(name, learning_rate, **dict(kwargs))


def _resolve_optimizer(optimizer, learning_rate, optimizer_kwargs):
    if isinstance(optimizer, str):
        if learning_rate is None:
            raise ValueError(f"learning_rate is required when optimizer is a name ({optimizer!r})")
        try:
            opt = _preset(optimizer, float(learning_rate), tuple(sorted((optimizer_kwargs or {}).items())))
        except TypeError:  # unhashable keyword values: build afresh
            opt = make_optimizer(optimizer, learning_rate, **(optimizer_kwargs or {}))
        return opt, {"optimizer": optimizer, "learning_rate": float(learning_rate), **(optimizer_kwargs or {})}
    if not isinstance(optimizer, optax.GradientTransformation):
        raise ValueError(f"optimizer must be a preset name or an optax.GradientTransformation, got {optimizer!r}")
    if learning_rate is not None or optimizer_kwargs:
        raise ValueError("learning_rate/optimizer_kwargs apply only when optimizer is a preset name")
    return optimizer, {"optimizer": "custom"}


def _cast(model: GeometryModel, dtype) -> GeometryModel:
    return eqx.tree_at(
        lambda m: (m.p, m.T, m.noise),
        model,
        (model.p.astype(dtype), model.T.astype(dtype), jnp.asarray(model.noise, dtype)),
    )


def _init_state(model: GeometryModel, optimizer, key):
    theta = jnp.zeros(model.N, dtype=model.T.dtype)
    return theta, optimizer.init(theta), key, jnp.zeros((), jnp.int64 if jax.config.jax_enable_x64 else jnp.int32)


def _run_chunk(model: GeometryModel, optimizer, state, n_records: int, record_every: int, aligned: bool):
    """Advance ``n_records * record_every`` steps; return the new state and what is recorded every k steps."""

    def step(carry, _):
        theta, opt_state, key, i, n_al = carry
        g = model.gradient_estimate(theta, jr.fold_in(key, i))
        updates, opt_state = optimizer.update(g, opt_state, theta)
        theta = optax.apply_updates(theta, updates)
        if aligned:
            n_al = n_al + jnp.sum(model.T * updates > 0, axis=1, dtype=n_al.dtype)
        return (theta, opt_state, key, i + 1, n_al), None

    def record(carry, _):
        theta, opt_state, key, i = carry
        n_al = jnp.zeros(model.n, jnp.int32)
        (theta, opt_state, key, i, n_al), _ = lax.scan(step, (theta, opt_state, key, i, n_al), None, record_every)
        out = (model.skill_level(theta), model.skill_loss(theta), n_al.astype(theta.dtype) / record_every)
        return (theta, opt_state, key, i), out

    return lax.scan(record, state, None, n_records)


@eqx.filter_jit
def _chunk_single(model, optimizer, state, n_records, record_every, aligned):
    return _run_chunk(model, optimizer, state, n_records, record_every, aligned)


@eqx.filter_jit
def _chunk_batched(model, optimizer, state, n_records, record_every, aligned, model_axis):
    """vmap over sweep points (outer; only if ``model_axis``) and seeds (inner)."""
    over_seeds = jax.vmap(lambda m, s: _run_chunk(m, optimizer, s, n_records, record_every, aligned), in_axes=(None, 0))
    if model_axis:
        return jax.vmap(over_seeds, in_axes=(0, 0))(model, state)
    return over_seeds(model, state)


def _check_run_args(steps, record_every, chunk):
    steps = _check_size("steps", steps)
    record_every = _check_size("record_every", record_every)
    if steps % record_every:
        raise ValueError(f"steps ({steps}) must be a multiple of record_every ({record_every})")
    n_rec = steps // record_every
    chunk = n_rec if chunk is None else _check_size("chunk (records per compiled scan)", chunk)
    return steps, record_every, n_rec, chunk


def _drive(run, state, n_rec, chunk, progress, desc):
    """Python loop over compiled chunks (bounded memory, a progress bar); concatenate the records."""
    outs = []
    done = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_rec, desc=desc, unit="rec")
    while done < n_rec:
        size = min(chunk, n_rec - done)
        state, out = run(state, size)
        outs.append(jax.device_get(out))
        done += size
        if bar is not None:
            bar.update(size)
    if bar is not None:
        bar.close()
    return state, outs


def _model_attrs(model: GeometryModel) -> dict:
    return {
        "model": "geometry",
        "n": model.n,
        "N": model.N,
        "loss": model.loss,
        "gradient": model.gradient,
        "batch_size": "none" if model.batch_size is None else model.batch_size,
    }


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
    r"""Train the Geometry model from ``theta = 0`` for ``steps`` optimizer steps.

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
    - `attrs`: extra attributes to store.

    **Returns:** a trajectory Dataset with ``skill_level``, ``loss`` (population loss ``sum p_i ell_i``),
    ``skill_loss`` and ``n_aligned`` (dims ``(skill, t)``; the mean over the ``k`` steps ending at ``t`` of the
    number of aligned coordinates, NaN at ``t = 0``).
    """
    steps, record_every, n_rec, chunk = _check_run_args(steps, record_every, chunk)
    opt, opt_attrs = _resolve_optimizer(optimizer, learning_rate, optimizer_kwargs)
    m = _cast(model, dtype)
    state = _init_state(m, opt, key)

    def run(st, size):
        return _chunk_single(m, opt, st, size, record_every, record_aligned)

    _, outs = _drive(run, state, n_rec, chunk, progress, "geometry")
    levels, losses, aligned = (np.concatenate([o[j] for o in outs], axis=0) for j in range(3))
    return _to_dataset(m, levels, losses, aligned, record_every, record_aligned, sweep={}, lead=(),
                       attrs={**_model_attrs(model), "noise": float(model.noise), **opt_attrs,
                              "steps": steps, "record_every": record_every, "dtype": jnp.dtype(dtype).name,
                              **(attrs or {})})


def _to_dataset(model, levels, losses, aligned, record_every, record_aligned, *, sweep, lead, attrs):
    """Assemble records (time axis first after ``lead``) into the trajectory format."""
    # records come as (*lead, R, n) -> (*lead, n, R); prepend the initial state at t = 0.
    nl = len(lead)
    levels = np.moveaxis(levels, nl, -1)
    losses_s = np.moveaxis(losses, nl, -1)
    aligned = np.moveaxis(aligned, nl, -1)
    # theta = 0 at t = 0, so every skill starts at sigmoid(0) = 1/2 (CE) or 0 (MSE), whatever T.
    s0 = np.full(levels.shape[-2], 0.5 if model.loss == "ce" else 0.0)
    l0 = np.full(levels.shape[-2], math.log(2.0) if model.loss == "ce" else 1.0)
    levels = np.concatenate([np.broadcast_to(s0[:, None], (*levels.shape[:-1], 1)), levels], axis=-1)
    skill_loss = np.concatenate([np.broadcast_to(l0[:, None], (*losses_s.shape[:-1], 1)), losses_s], axis=-1)
    p = np.asarray(model.p, dtype=np.float64)
    if p.ndim > 1 and np.all(p == p.reshape(-1, p.shape[-1])[0]):
        p = p.reshape(-1, p.shape[-1])[0]
    if p.ndim > 1:  # p differs between sweep points: weight each point with its own p, store p as a variable
        p_b = p.reshape(*p.shape[:-1], *([1] * (skill_loss.ndim - p.ndim - 1)), p.shape[-1], 1)
        loss = np.sum(p_b * skill_loss, axis=-2)
        p_coord = None
    else:
        loss = np.einsum("i,...it->...t", p, skill_loss)
        p_coord = p
    t = np.arange(levels.shape[-1], dtype=np.float64) * record_every
    extra = {}
    if record_aligned:
        aligned = np.concatenate([np.full((*aligned.shape[:-1], 1), np.nan), aligned], axis=-1)
        extra["n_aligned"] = ((*sweep, "skill", "t"), aligned)
    return make_trajectory(t, levels, loss=loss, skill_loss=skill_loss, p=p_coord, sweep=sweep, extra=extra,
                           attrs=attrs)


def _stack_models(models: Sequence[GeometryModel]) -> GeometryModel:
    dyn0, static0 = eqx.partition(models[0], eqx.is_array)
    dyns = []
    for m in models:
        if not isinstance(m, GeometryModel):
            raise ValueError(f"every sweep point must be a GeometryModel, got {type(m).__name__}")
        dyn, static = eqx.partition(m, eqx.is_array)
        if jax.tree.structure(static) != jax.tree.structure(static0) or static != static0:
            raise ValueError("models in a sweep must share loss, batch_size and gradient (static fields)")
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
      grid spanned by `sweep`, in row-major order. They must share ``n``, ``N``, ``loss``, ``batch_size`` and
      ``gradient``; they may differ in ``p``, ``T`` and ``noise``.
    - `seeds`: integer seeds; seed ``s`` runs with key ``jax.random.key(s)`` (batch and noise draws only; draw
      the task vectors yourself, e.g. per sweep point).
    - `sweep`: ordered ``axis name -> coordinate values`` describing the grid of `model`.

    **Returns:** a trajectory Dataset with dims ``(*sweep, seed, skill, t)``. A run with a given seed equals
    `simulate` with ``key=jax.random.key(seed)``.

    Example:
        >>> models = [GeometryModel(p=p, T=T, batch_size=128, noise=s) for s in (0.0, 0.1)]
        >>> ds = simulate_many(models, "signgd", 500, learning_rate=3e-4, seeds=[0, 1], sweep={"noise": [0.0, 0.1]})
    """
    steps, record_every, n_rec, chunk = _check_run_args(steps, record_every, chunk)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one integer seed")
    sweep = {k: np.asarray(v) for k, v in (sweep or {}).items()}
    opt, opt_attrs = _resolve_optimizer(optimizer, learning_rate, optimizer_kwargs)
    if isinstance(model, GeometryModel):
        if sweep:
            raise ValueError("sweep needs one model per grid point (a sequence of GeometryModel)")
        base, stacked, grid = model, None, ()
    else:
        models = list(model)
        grid = tuple(v.shape[0] for v in sweep.values())
        if not models or math.prod(grid) != len(models):
            raise ValueError(
                f"sweep grid {dict(zip(sweep, grid))} has {math.prod(grid)} points, got {len(models)} models"
            )
        base, stacked = models[0], _stack_models(models)
    m = _cast(stacked if stacked is not None else base, dtype)
    keys = jnp.stack([jr.key(s) for s in seeds])
    n_pts = 1 if stacked is None else len(models)

    init_one = lambda mm, k: _init_state(mm, opt, k)
    if stacked is None:
        state = jax.vmap(init_one, in_axes=(None, 0))(m, keys)
    else:
        state = jax.vmap(jax.vmap(init_one, in_axes=(None, 0)), in_axes=(0, None))(m, keys)

    def run(st, size):
        return _chunk_batched(m, opt, st, size, record_every, record_aligned, stacked is not None)

    _, outs = _drive(run, state, n_rec, chunk, progress, f"geometry x{n_pts * len(seeds)}")
    lead_axis = 1 if stacked is None else 2
    levels, losses, aligned = (np.concatenate([o[j] for o in outs], axis=lead_axis) for j in range(3))
    shape = (*grid, len(seeds))
    levels, losses, aligned = (x.reshape(*shape, *x.shape[lead_axis:]) for x in (levels, losses, aligned))
    full_sweep = {**sweep, "seed": np.asarray(seeds)}
    # p of each sweep point, broadcast over the seed axis, for the population loss.
    pm = np.asarray(m.p, dtype=np.float64)
    if pm.ndim > 1:
        pm = pm.reshape(*grid, pm.shape[-1])[..., None, :]
    m_for_ds = eqx.tree_at(lambda mm: mm.p, base, jnp.asarray(pm)) if pm.ndim > 1 else base
    out_attrs = {**_model_attrs(base), **opt_attrs, "steps": steps, "record_every": record_every,
                 "dtype": jnp.dtype(dtype).name, **(attrs or {})}
    if "noise" not in sweep:
        out_attrs["noise"] = float(np.asarray(m.noise).reshape(-1)[0])
    return _to_dataset(m_for_ds, levels, losses, aligned, record_every, record_aligned, sweep=full_sweep,
                       lead=shape, attrs=out_attrs)
