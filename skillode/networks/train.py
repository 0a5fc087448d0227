"""Train a network on a multi-skill task and log every skill into the shared trajectory format.

The loop is a `jax.lax.scan` over optimizer steps, run in jitted chunks (a tqdm bar advances once per chunk),
and `jax.vmap`-ed over seeds when several are given. Every ``log_every`` steps the model is measured on the
task's fixed evaluation batch (`AbstractSkillTask.skill_metrics`), so the result is a trajectory
``xarray.Dataset`` with dims ``([seed,] skill, t)``:

- ``skill_level``: the task's skill measure (for parities ``2·accuracy − 1``; see `skillode.networks.tasks`);
- ``skill_loss``: per-skill loss ``ell_i`` on the evaluation batch;
- ``loss``: ``sum_i w_i ell_i`` with ``w = task.loss_weights`` (the skill frequencies, normalised);
- ``accuracy``: per-skill accuracy (extra variable).

Training objective on a batch with per-entry losses ``ell_e = mask_e · loss(pred_e, y_e)`` (shape ``(B, K)``):

- plain (the paper's): ``L = mean_e ell_e``;
- self-weighted (PAPER §9 item 2): ``L = mean_e[ ell_e · sg(ell_e) / mean(sg(ell)) ]``, whose gradient is
  ``mean_e[ ell_e ∇ell_e ] / mean(ell)``: each entry's gradient is weighted by its own loss, which moves effort
  toward rare, unlearned skills.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from tqdm.auto import tqdm

from ..trajectory import make_trajectory
from .tasks import AbstractSkillTask

__all__ = ["mean_loss", "self_weighted_loss", "train"]


def mean_loss(entries: jax.Array) -> jax.Array:
    """The paper's objective: the mean of the (masked) per-entry losses ``(B, K) -> ()``."""
    return jnp.mean(entries)


def self_weighted_loss(entries: jax.Array) -> jax.Array:
    r"""Self-weighted objective ``mean_e[ell_e · sg(ell_e) / mean(sg(ell))]`` of per-entry losses ``(B, K)``.

    Its value equals ``mean(ell²) / mean(ell)``; its gradient is ``mean_e[ell_e ∇ell_e] / mean(ell)``
    (``sg`` = stop-gradient). If every entry is 0 the objective and its gradient are 0.
    """
    w = jax.lax.stop_gradient(entries)
    denom = jnp.mean(w)
    return jnp.mean(entries * w) / jnp.where(denom > 0, denom, 1.0)


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def train(
    make_model: Callable[..., eqx.Module],
    task: AbstractSkillTask | Callable[..., AbstractSkillTask],
    optimizer: optax.GradientTransformation,
    *,
    steps: int,
    seed: int | Sequence[int] = 0,
    log_every: int = 10,
    batch_size: int | None = None,
    self_weighted: bool = False,
    chunk_steps: int | None = None,
    progress: bool = True,
    return_model: bool = False,
):
    """Train ``make_model(key=...)`` on `task` with `optimizer`; return the per-skill trajectory.

    **Arguments:**

    - `make_model`: called as ``make_model(key=k)`` to build an equinox model mapping one input to one output
      (e.g. ``functools.partial(MLP, (32, 50, 2), "relu")``). Its inexact-array leaves are trained; other leaves
      (boolean masks, static fields) are not.
    - `task`: an `AbstractSkillTask` (data, loss entries, skill metrics) shared by every seed, or a callable
      ``task(key=k) -> AbstractSkillTask`` to draw each seed's own data set (e.g.
      ``partial(TwoTaskRegression, p2=0.01)``); its static settings must not depend on the key.
    - `optimizer`: an optax transformation, normally from `skillode.optimizers.make_optimizer`.
    - `steps`: optimizer steps, a multiple of `log_every`.
    - `seed`: an integer (one run, no sweep axis) or a sequence of integers (runs vmapped together; the result
      gets a leading ``seed`` axis). Seed ``s`` uses ``jax.random.key(s)``, split into model-init, data-stream
      and task-data keys, so a run is reproduced by its seed alone, whether or not it was vmapped with others.
    - `log_every`: measure the skills every this many steps (and at step 0).
    - `batch_size`: passed to ``task.train_batch``; ``None`` is full batch where the task allows it.
    - `self_weighted`: use `self_weighted_loss` instead of `mean_loss`.
    - `chunk_steps`: steps per jitted chunk (a multiple of `log_every`; default ``min(steps, 1000)`` rounded).
    - `progress`: show a tqdm progress bar.
    - `return_model`: also return the trained model (batched over seeds when vmapped).

    **Returns:** a trajectory Dataset with dims ``([seed,] skill, t)``, ``t = 0, log_every, …, steps``, skills
    numbered ``1..n`` with a ``skill_name`` coordinate and ``p`` where the task defines frequencies; or
    ``(dataset, model)`` with `return_model`.

    Example:
        >>> task = domino_parity(key=jax.random.key(4), p2=0.1)
        >>> ds = train(partial(MLP, (32, 50, 2), "relu"), task, make_optimizer("adam", 1e-3),
        ...            steps=1000, seed=[0, 1, 2])
        >>> learning_times(ds, 0.9)   # dims (seed, skill)
    """
    if isinstance(task, AbstractSkillTask):
        make_task = None
    elif callable(task):
        make_task = task
    else:
        raise ValueError(f"task must be an AbstractSkillTask or a callable key -> task, got {type(task).__name__}")
    if not isinstance(optimizer, optax.GradientTransformation):
        raise ValueError(f"optimizer must be an optax.GradientTransformation, got {type(optimizer).__name__}")
    steps = _check_positive_int(steps, "steps")
    log_every = _check_positive_int(log_every, "log_every")
    if steps % log_every:
        raise ValueError(f"steps ({steps}) must be a multiple of log_every ({log_every})")
    if chunk_steps is None:
        chunk_steps = max(log_every, (min(steps, 1000) // log_every) * log_every)
    chunk_steps = _check_positive_int(chunk_steps, "chunk_steps")
    if chunk_steps % log_every:
        raise ValueError(f"chunk_steps ({chunk_steps}) must be a multiple of log_every ({log_every})")
    vmapped = not isinstance(seed, (int, np.integer))
    seeds = np.atleast_1d(np.asarray(seed))
    if seeds.ndim != 1 or seeds.size == 0 or seeds.dtype.kind not in "iu":
        raise ValueError(f"seed must be an integer or a non-empty 1-D sequence of integers, got {seed!r}")
    if len(set(seeds.tolist())) != seeds.size:
        raise ValueError(f"seeds must be distinct, got {seeds.tolist()}")

    reduce = self_weighted_loss if self_weighted else mean_loss

    def keys(s):
        return jax.random.split(jax.random.key(s), 3)  # model init, training data stream, task data

    def build_task(s):
        return task if make_task is None else make_task(key=keys(s)[2])

    task0 = build_task(int(seeds[0]))
    if not isinstance(task0, AbstractSkillTask):
        raise ValueError(f"task(key=...) must return an AbstractSkillTask, got {type(task0).__name__}")
    task_static = eqx.partition(task0, eqx.is_array)[1]
    weights = jnp.asarray(task0.loss_weights)

    def init(s):
        k_model, k_data, _ = keys(s)
        model = make_model(key=k_model)
        params, static = eqx.partition(model, eqx.is_inexact_array)
        return (params, optimizer.init(params), k_data), static

    static = init(int(seeds[0]))[1]

    def measure(params, task_arrays):
        tk = eqx.combine(task_arrays, task_static)
        batch = tk.eval_batch()
        metrics = tk.skill_metrics(jax.vmap(eqx.combine(params, static))(batch.x), batch)
        metrics["loss"] = jnp.sum(weights * metrics["skill_loss"])
        return metrics

    def one_step(carry, task_arrays):
        params, opt_state, key = carry
        tk = eqx.combine(task_arrays, task_static)
        key, k_batch = jax.random.split(key)
        batch = tk.train_batch(k_batch, batch_size)

        def objective(p):
            pred = jax.vmap(eqx.combine(p, static))(batch.x)
            return reduce(tk.entry_losses(pred, batch))

        value, grads = jax.value_and_grad(objective)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state, key), value

    def run_chunk(carry, task_arrays, n_logs):
        def log_block(carry, _):
            carry, _ = jax.lax.scan(lambda c, _: one_step(c, task_arrays), carry, None, length=log_every)
            return carry, measure(carry[0], task_arrays)

        return jax.lax.scan(log_block, carry, None, length=n_logs)

    init_state = lambda s: init(s)[0]  # noqa: E731
    task_arrays_of = lambda s: eqx.partition(build_task(s), eqx.is_array)[0]  # noqa: E731
    if vmapped:
        t_axis = None if make_task is None else 0
        state = jax.jit(jax.vmap(init_state))(jnp.asarray(seeds))
        tasks = jax.jit(jax.vmap(task_arrays_of))(jnp.asarray(seeds)) if make_task else task_arrays_of(seeds[0])
        first = jax.jit(jax.vmap(measure, in_axes=(0, t_axis)))(state[0], tasks)
        chunk_fn = jax.jit(jax.vmap(run_chunk, in_axes=(0, t_axis, None)), static_argnums=2)
    else:
        state = jax.jit(init_state)(int(seeds[0]))
        tasks = eqx.partition(task0, eqx.is_array)[0]
        first = jax.jit(measure)(state[0], tasks)
        chunk_fn = jax.jit(run_chunk, static_argnums=2)

    logs = [jax.tree.map(lambda a: np.asarray(a)[..., None], first)]
    done = 0
    with tqdm(total=steps, disable=not progress, desc="train", unit="step") as bar:
        while done < steps:
            n = min(chunk_steps, steps - done)
            state, out = chunk_fn(state, tasks, n // log_every)
            # scan stacks the log axis first (after the vmapped seed axis): move it last.
            out = jax.tree.map(lambda a: np.moveaxis(np.asarray(a), int(vmapped), -1), out)
            logs.append(out)
            done += n
            bar.update(n)
    log = {name: np.concatenate([chunk[name] for chunk in logs], axis=-1) for name in logs[0]}

    t = np.arange(0, steps + 1, log_every, dtype=np.float64)
    ds = make_trajectory(
        t,
        log["skill_level"],
        loss=log["loss"],
        skill_loss=log["skill_loss"],
        p=task0.p,
        sweep={"seed": seeds} if vmapped else None,
        extra={"accuracy": ((*(("seed",) if vmapped else ()), "skill", "t"), log["accuracy"])},
        attrs={
            "model": "network",
            "task": type(task0).__name__,
            "data_per_seed": make_task is not None,
            "steps": steps,
            "log_every": log_every,
            "batch_size": -1 if batch_size is None else int(batch_size),
            "self_weighted": bool(self_weighted),
        },
    )
    ds = ds.assign_coords(skill_name=("skill", list(task0.skill_names)))
    if return_model:
        return ds, eqx.combine(state[0], static)
    return ds
