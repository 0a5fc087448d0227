"""Train a network on a multi-skill task and log every skill into the shared trajectory format.

A run is a `NetworkTraining` job of the scan engine (`skillode._scan`): ``init`` builds the network and the
optimizer state from the seed's key, ``step`` takes one optimizer step on a fresh batch, ``measure`` evaluates
the skills; the engine runs it as a `jax.lax.scan` in jitted chunks and `jax.vmap`-s it over seeds when several
are given. Every ``log_every`` steps the model is measured on the
task's fixed evaluation batch (`AbstractSkillTask.skill_metrics`), so the result is a trajectory
``xarray.Dataset`` with dims ``([seed,] skill, t)``:

- ``skill_level``: the task's skill measure (for parities ``2·accuracy − 1``; see `skillode.networks.tasks`);
- ``skill_loss``: per-skill loss ``ell_i`` on the evaluation batch;
- ``loss``: ``sum_i w_i ell_i`` with ``w = task.loss_weights`` (the skill frequencies, normalised);
- ``accuracy``: per-skill accuracy (extra variable).

Training objective on a batch with per-entry losses ``ell_e = mask_e · loss(pred_e, y_e)`` (shape ``(B, K)``):

- plain (the paper's): ``L = mean_e ell_e``;
- self-weighted (the paper's speed-up for rare skills; ``examples/self_weighted_loss.py``):
  ``L = mean_e[ ell_e · sg(ell_e) / mean(sg(ell)) ]``, whose gradient is
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

from .. import _scan
from .._validate import check_int
from ..trajectory import make_trajectory
from .tasks import AbstractSkillTask

__all__ = ["NetworkTraining", "mean_loss", "self_weighted_loss", "train", "training_job"]


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


class _State(eqx.Module):
    params: eqx.Module  # the network's inexact arrays (trained)
    frozen: eqx.Module  # its other arrays (e.g. boolean masks; carried, never updated)
    opt_state: optax.OptState
    key: jax.Array  # the training data stream


class NetworkTraining(_scan.AbstractJob):
    r"""One training run of a network on a task, as a job of the scan engine (`skillode._scan`).

    ``init(key)`` splits ``key`` into (model init, data stream, task data) keys, builds ``make_model(key=k_model)``
    and ``optimizer.init`` of its inexact arrays ``theta``. Step ``i`` splits the data-stream key
    ``(k, k_batch) = split(k)`` and applies

    $$
    (\Delta\theta, o) = \mathrm{optimizer.update}\big(\nabla_\theta\,
    \mathrm{objective}(\mathrm{task.entry\_losses}(f_\theta(x), b)), o\big), \qquad
    b = \mathrm{task.train\_batch}(k_{batch}, \mathrm{batch\_size}).
    $$

    Each record is ``task.skill_metrics`` on the evaluation batch (``skill_level``, ``skill_loss``, ``accuracy``,
    each ``(n_skills,)``) plus ``loss = weights · skill_loss``.

    **Fields:** `task` (an `AbstractSkillTask`), `weights` (``(n_skills,)``, the logged loss's weights),
    `static` (the network's non-array part, from one eager ``make_model`` call), `make_model`, `optimizer`,
    `objective` (`mean_loss` or `self_weighted_loss`), `batch_size`, and `learning_rate`: ``None``, or a scalar
    array that multiplies every update (the optimizer then built with learning rate 1, so that a sweep vmaps over
    it; the same numbers as the optimizer built with that rate, for optax's optimizers).
    """

    task: AbstractSkillTask
    weights: jax.Array
    static: eqx.Module
    make_model: Callable[..., eqx.Module] = eqx.field(static=True)
    optimizer: optax.GradientTransformation = eqx.field(static=True)
    objective: Callable[[jax.Array], jax.Array] = eqx.field(static=True)
    batch_size: int | None = eqx.field(static=True)
    learning_rate: jax.Array | None = None

    def network(self, state: _State) -> eqx.Module:
        """The network ``f_theta`` of ``state``."""
        return eqx.combine(state.params, state.frozen, self.static)

    def init(self, key) -> _State:
        k_model, k_data, _ = jax.random.split(key, 3)
        arrays = eqx.filter(self.make_model(key=k_model), eqx.is_array)
        params, frozen = eqx.partition(arrays, eqx.is_inexact_array)
        return _State(params, frozen, self.optimizer.init(params), k_data)

    def step(self, state: _State, i) -> tuple[_State, dict]:
        key, k_batch = jax.random.split(state.key)
        batch = self.task.train_batch(k_batch, self.batch_size)

        def objective(params):
            pred = jax.vmap(eqx.combine(params, state.frozen, self.static))(batch.x)
            return self.objective(self.task.entry_losses(pred, batch))

        grads = jax.grad(objective)(state.params)
        updates, opt_state = self.optimizer.update(grads, state.opt_state, state.params)
        if self.learning_rate is not None:
            updates = jax.tree.map(lambda u: u * jnp.asarray(self.learning_rate, u.dtype), updates)
        return _State(optax.apply_updates(state.params, updates), state.frozen, opt_state, key), {}

    def measure(self, state: _State) -> dict[str, jax.Array]:
        batch = self.task.eval_batch()
        metrics = self.task.skill_metrics(jax.vmap(self.network(state))(batch.x), batch)
        metrics["loss"] = jnp.sum(self.weights * metrics["skill_loss"])
        return metrics


def training_job(
    make_model: Callable[..., eqx.Module],
    task: AbstractSkillTask | Callable[..., AbstractSkillTask],
    optimizer: optax.GradientTransformation,
    keys: jax.Array,
    *,
    batch_size: int | None = None,
    self_weighted: bool = False,
    per_run: bool = True,
    learning_rate: jax.Array | None = None,
) -> tuple[NetworkTraining, AbstractSkillTask]:
    """The `NetworkTraining` job of runs with keys ``keys`` ``(m,)``, and the task of the first run.

    Run ``j`` uses key ``keys[j]``, split into (model init, data stream, task data) keys. With a task factory
    ``task(key=...)`` and ``per_run``, each run draws its own data set and the job's task (and weights) get a
    leading runs axis; otherwise the first run's task is shared. ``learning_rate`` ``(m,)`` (a batched job) or a
    scalar multiplies the updates (`NetworkTraining`).
    """
    make_task = None if isinstance(task, AbstractSkillTask) else task
    task_keys = jax.vmap(lambda k: jax.random.split(k, 3)[2])(keys)
    task0 = task if make_task is None else make_task(key=task_keys[0])
    if not isinstance(task0, AbstractSkillTask):
        raise ValueError(f"task(key=...) must return an AbstractSkillTask, got {type(task0).__name__}")
    weights = jnp.asarray(task0.loss_weights)
    if make_task is not None and per_run:  # each run its own data set: the job gets a runs axis
        task_arrays = jax.jit(jax.vmap(lambda k: eqx.filter(make_task(key=k), eqx.is_array)))(task_keys)
        job_task = eqx.combine(task_arrays, eqx.filter(task0, eqx.is_array, inverse=True))
        weights = jnp.broadcast_to(weights, (keys.shape[0], *weights.shape))
    else:
        job_task = task0
    model0 = make_model(key=jax.random.split(keys[0], 3)[0])
    _check_network_fits(model0, task0)
    job = NetworkTraining(
        task=job_task,
        weights=weights,
        static=eqx.filter(model0, eqx.is_array, inverse=True),
        make_model=make_model,
        optimizer=optimizer,
        objective=self_weighted_loss if self_weighted else mean_loss,
        batch_size=batch_size,
        learning_rate=learning_rate,
    )
    return job, task0


def _check_network_fits(model, task: AbstractSkillTask) -> None:
    """Raise ``ValueError`` before any training if ``model`` does not take ``task``'s inputs or its outputs do not
    fit the task's targets: one abstract evaluation (`jax.eval_shape`) on the evaluation batch, no computation."""
    batch = task.eval_batch()
    sample = batch.x[0]
    name = type(task).__name__
    try:
        pred = jax.eval_shape(jax.vmap(model), batch.x)
    except Exception as err:  # noqa: BLE001 - any failure here is a network that does not fit the inputs
        layers = getattr(model, "layers", None)
        width = getattr(layers[0], "in_features", None) if isinstance(layers, (list, tuple)) and layers else None
        takes = f"; the network's first layer takes inputs of width {width}" if width is not None else ""
        raise ValueError(
            f"the network from make_model does not accept {name}'s inputs: one input has shape {sample.shape} "
            f"(dtype {sample.dtype}){takes} ({type(err).__name__}: {_first_line(err)})") from None
    try:
        jax.eval_shape(task.entry_losses, pred, batch)
    except Exception as err:  # noqa: BLE001 - the outputs do not fit the task's loss
        raise ValueError(
            f"the network's output (shape {pred.shape[1:]} per input) does not fit {name}'s targets (shape "
            f"{batch.y.shape[1:]} per input) in its loss ({type(err).__name__}: {_first_line(err)})") from None


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _check_seeds(seed) -> tuple[bool, np.ndarray]:
    vmapped = not isinstance(seed, (int, np.integer))
    seeds = np.atleast_1d(np.asarray(seed))
    if seeds.ndim != 1 or seeds.size == 0 or seeds.dtype.kind not in "iu" or np.any(seeds < 0):
        raise ValueError(f"seed must be an integer >= 0 or a non-empty 1-D sequence of them, got {seed!r}")
    if len(set(seeds.tolist())) != seeds.size:
        raise ValueError(f"seeds must be distinct, got {seeds.tolist()}")
    return vmapped, seeds


def _schedule(steps, log_every, chunk_steps) -> _scan.Schedule:
    steps = check_int(steps, "steps")
    log_every = check_int(log_every, "log_every")
    if steps % log_every:
        raise ValueError(f"steps ({steps}) must be a multiple of log_every ({log_every})")
    if chunk_steps is None:
        chunk_steps = max(log_every, (min(steps, 1000) // log_every) * log_every)
    chunk_steps = check_int(chunk_steps, "chunk_steps")
    if chunk_steps % log_every:
        raise ValueError(f"chunk_steps ({chunk_steps}) must be a multiple of log_every ({log_every})")
    return _scan.Schedule(steps=steps, record_every=log_every, chunk=chunk_steps // log_every)


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
    - `seed`: an integer ``>= 0`` (one run, no sweep axis) or a sequence of them (runs vmapped together; the result
      gets a leading ``seed`` axis). Seed ``s`` uses ``jax.random.key(s)``, split into model-init, data-stream
      and task-data keys, so a run is reproduced by its seed alone, whether or not it was vmapped with others.
    - `log_every`: measure the skills every this many steps (and at step 0).
    - `batch_size`: passed to ``task.train_batch``; ``None`` is full batch where the task allows it.
    - `self_weighted`: use `self_weighted_loss` instead of `mean_loss`.
    - `chunk_steps`: steps per jitted chunk (a multiple of `log_every`; default ``min(steps, 1000)`` rounded). It
      bounds memory and sets how often the progress bar moves; the numbers do not depend on it.
    - `progress`: show a tqdm progress bar (optimizer steps).
    - `return_model`: also return the trained model (batched over seeds when vmapped).

    **Returns:** a trajectory Dataset with dims ``([seed,] skill, t)``, ``t = 0, log_every, …, steps``, skills
    numbered ``1..n`` with a ``skill_name`` coordinate and ``p`` where the task defines frequencies; or
    ``(dataset, model)`` with `return_model`.

    Examples:
        >>> from functools import partial
        >>> import skillode as sk
        >>> from skillode.networks import MLP, domino_parity
        >>> task = domino_parity(key=jax.random.key(4), p2=0.1)
        >>> ds = train(partial(MLP, (32, 50, 2), "relu"), task, sk.make_optimizer("adam", 1e-3),
        ...            steps=100, seed=[0, 1], log_every=10)
        >>> sk.learning_times(ds, 0.9).dims
        ('seed', 'skill')
    """
    if isinstance(task, AbstractSkillTask):
        make_task = None
    elif callable(task):
        make_task = task
    else:
        raise ValueError(f"task must be an AbstractSkillTask or a callable key -> task, got {type(task).__name__}")
    if not isinstance(optimizer, optax.GradientTransformation):
        raise ValueError(f"optimizer must be an optax.GradientTransformation, got {type(optimizer).__name__}")
    schedule = _schedule(steps, log_every, chunk_steps)
    vmapped, seeds = _check_seeds(seed)
    keys = jnp.stack([jax.random.key(int(s)) for s in seeds])
    job, task0 = training_job(make_model, task, optimizer, keys, batch_size=batch_size, self_weighted=self_weighted,
                              per_run=vmapped)
    batch = (make_task is not None,) if vmapped else ()
    state = _scan.init(job, keys if vmapped else keys[0], batch=batch)
    state, log = _scan.run(job, schedule, state, batch=batch, initial=True, progress=progress, desc="train")
    # records come as ([seed,] t, ...): put t last.
    log = {name: np.moveaxis(values, len(batch), -1) for name, values in log.items()}

    ds = make_trajectory(
        np.arange(0, schedule.steps + 1, schedule.record_every, dtype=np.float64),
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
            "steps": schedule.steps,
            "log_every": schedule.record_every,
            "batch_size": -1 if batch_size is None else int(batch_size),
            "self_weighted": bool(self_weighted),
        },
    )
    ds = ds.assign_coords(skill_name=("skill", list(task0.skill_names)))
    bad = ~np.isfinite(ds.loss.values)
    if bad.any():  # a diverged run: an error, not a trajectory of NaN / inf
        where = np.argwhere(bad)[0]
        run = f"seed {seeds[where[0]]}" if vmapped else f"seed {seeds[0]}"
        raise ValueError(f"training diverged: the loss of {run} is not finite from t = {ds.t.values[where[-1]]:g} on; "
                         "lower the optimizer's learning rate")
    if return_model:
        return ds, job.network(state)
    return ds
